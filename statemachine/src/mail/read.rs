//! Mailbox queries: the list the client sees and the next-mail-time answer.

use std::collections::BTreeSet;

use super::store::{self, Mail};
use super::{
    checked, MailQueryResponse, MailWithItems, UnreadMail, MAILBOX_SCAN_MAX, MAIL_LIST_SHOWN_MAX,
    NEXT_MAIL_SENDERS_MAX,
};
use crate::error::Error;
use crate::ids::CharacterId;
use crate::keys::KeyReader;
use crate::txn::Txn;

/// The receiver's mails (at most [`MAILBOX_SCAN_MAX`] index entries), newest first: latest
/// delivery first, then highest id (AC puts each arriving mail at the front).
fn mailbox(txn: &Txn<'_>, receiver: CharacterId) -> Result<Vec<Mail>, Error> {
    let mut out = Vec::new();
    for (k, _) in txn.scan(&store::receiver_prefix(receiver), None, MAILBOX_SCAN_MAX)? {
        let id = KeyReader::new(&k, 8)
            .u32()
            .ok_or_else(|| store::corrupt("mail-by-receiver", &k))?;
        let mail = store::load(txn, receiver.realm, id)?
            .ok_or_else(|| Error::Corrupt(format!("receiver index names missing mail {id}")))?;
        out.push(mail);
    }
    out.sort_by_key(|m| std::cmp::Reverse((m.deliver_ms, m.id)));
    Ok(out)
}

/// `CMSG_GET_MAIL_LIST`: delivered, unexpired mail with its items.
pub(super) fn list(txn: &Txn<'_>, receiver: CharacterId) -> Result<MailQueryResponse, Error> {
    let now = txn.now_ms();
    let visible: Vec<Mail> = mailbox(txn, receiver)?
        .into_iter()
        .filter(|m| m.visible(now))
        .collect();
    let total = u32::try_from(visible.len()).unwrap_or(u32::MAX);
    let mut mails = Vec::new();
    for mail in visible.into_iter().take(MAIL_LIST_SHOWN_MAX) {
        let items = store::items(txn, mail.realm, mail.id)?
            .into_iter()
            .map(|(_, i)| i)
            .collect();
        mails.push(MailWithItems { mail, items });
    }
    Ok(MailQueryResponse::List { mails, total })
}

/// `MSG_QUERY_NEXT_MAIL_TIME`: unread visible mail, up to two of its senders, and when the
/// next undelivered mail arrives.
pub(super) fn next_mail_time(
    txn: &Txn<'_>,
    receiver: CharacterId,
) -> Result<MailQueryResponse, Error> {
    let now = txn.now_ms();
    let mails = mailbox(txn, receiver)?;
    let mut unread = 0u32;
    let mut senders = Vec::new();
    let mut seen = BTreeSet::new();
    for m in mails
        .iter()
        .filter(|m| m.visible(now) && !m.has(checked::READ))
    {
        unread += 1;
        if senders.len() < NEXT_MAIL_SENDERS_MAX && seen.insert(m.sender) {
            senders.push(UnreadMail {
                sender: m.sender,
                stationery: m.stationery,
                deliver_ms: m.deliver_ms,
            });
        }
    }
    let next_delivery_ms = mails
        .iter()
        .filter(|m| m.deliver_ms > now)
        .map(|m| m.deliver_ms)
        .min();
    Ok(MailQueryResponse::NextMailTime {
        unread,
        senders,
        next_delivery_ms,
    })
}
