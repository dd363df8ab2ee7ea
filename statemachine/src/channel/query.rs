//! The channel queries. They read at the asker's time: a ban that ran out is not listed even
//! before the sweep removes it.

use super::membership::info;
use super::model::{
    check_name, get_channel, get_member, get_stats, members, of_prefix, read_of_key, rights_key,
    rights_of, Ban, Channel, ChannelKey, CHANNELS_OF,
};
use super::speak::{check, deliver_list};
use super::{
    ChannelQuery, ChannelQueryResponse, MemberInfo, Membership, CHANNELS_PER_CHARACTER_MAX,
    CHANNEL_BANS_MAX,
};
use crate::error::Error;
use crate::ids::{RealmId, Team};
use crate::txn::Txn;

fn key_of(txn: &Txn<'_>, realm: RealmId, team: Team, name: &str) -> Result<ChannelKey, Error> {
    check_name("name", name)?;
    let two_side = txn.config().channel.allow_two_side_channel;
    Ok(ChannelKey::new(realm, team, name, two_side))
}

fn require(txn: &Txn<'_>, key: &ChannelKey) -> Result<Channel, Error> {
    get_channel(txn, key)?.ok_or_else(|| {
        Error::not_found(format!(
            "channel {} of realm {} team {:?}",
            key.name, key.realm, key.team
        ))
    })
}

pub(super) fn query(txn: &Txn<'_>, q: &ChannelQuery) -> Result<ChannelQueryResponse, Error> {
    Ok(match q {
        ChannelQuery::Channel { realm, team, name } => {
            let key = key_of(txn, *realm, *team, name)?;
            let found = match get_channel(txn, &key)? {
                Some(ch) => {
                    let stats = get_stats(txn, &key)?;
                    let rights = rights_of(txn, &ch)?;
                    Some(info(&ch, &stats, rights.as_ref()))
                }
                None => None,
            };
            ChannelQueryResponse::Channel(found)
        }
        ChannelQuery::Members { realm, team, name } => {
            let key = key_of(txn, *realm, *team, name)?;
            require(txn, &key)?;
            let roster = members(txn, &key)?
                .into_iter()
                .map(|m| MemberInfo {
                    id: m.id,
                    name: m.name,
                    flags: m.flags,
                })
                .collect();
            ChannelQueryResponse::Members(roster)
        }
        ChannelQuery::ChannelsOf { id } => {
            let mut out = Vec::new();
            let prefix = of_prefix(CHANNELS_OF, *id);
            for (k, _) in txn.scan_all(&prefix, CHANNELS_PER_CHARACTER_MAX)? {
                let key = read_of_key(&k)?;
                let corrupt = || Error::Corrupt(format!("channel index of {id} names {key:?}"));
                let ch = get_channel(txn, &key)?.ok_or_else(corrupt)?;
                let m = get_member(txn, &key, *id)?.ok_or_else(corrupt)?;
                out.push(Membership {
                    channel: key,
                    name: ch.name,
                    channel_id: ch.channel_id,
                    member_flags: m.flags,
                });
            }
            ChannelQueryResponse::ChannelsOf(out)
        }
        ChannelQuery::SpeakCheck { id, channel } => {
            let allowed = check(txn, *id, channel)?;
            ChannelQueryResponse::Deliver(deliver_list(txn, &allowed.ch.key, *id)?)
        }
        ChannelQuery::Bans { realm, team, name } => {
            let key = key_of(txn, *realm, *team, name)?;
            require(txn, &key)?;
            let now = txn.now_ms();
            let bans = txn
                .scan_records::<Ban>(&key.bans(), CHANNEL_BANS_MAX)?
                .into_iter()
                .map(|(_, b)| b)
                .filter(|b| b.until_ms > now)
                .collect();
            ChannelQueryResponse::Bans(bans)
        }
        ChannelQuery::Rights { name } => {
            check_name("name", name)?;
            ChannelQueryResponse::Rights(txn.get(&rights_key(name))?)
        }
    })
}
