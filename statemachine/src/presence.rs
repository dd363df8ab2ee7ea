//! Presence: who is online, where, through which gateway; gateway leases.
//!
//! Keys:
//! ```text
//! PRESENCE            | realm u32 | low u32                   -> Presence
//! PRESENCE_BY_GATEWAY | gateway str | realm u32 | low u32     -> ()
//! ONLINE_OF_ACCOUNT   | account u32                           -> CharacterId
//! GATEWAY             | gateway str                           -> Gateway { realm, expires_ms }
//! GATEWAY_BY_EXPIRY   | expires_ms u64 | gateway str          -> ()
//! ```
//! Invariants: at most one presence row per character and one online character per account
//! (a second login kicks the first); every presence row belongs to a gateway with a lease, and
//! when that lease lapses [`PresenceCommand::ExpireGateways`] removes all of that gateway's rows,
//! and only that gateway's, in one entry, with the offline events.

use serde::{Deserialize, Serialize};

use crate::codec::Record;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{AccountId, CharacterId, GatewayId, RealmId, Team};
use crate::keys::{
    Key, KeyReader, GATEWAY, GATEWAY_BY_EXPIRY, ONLINE_OF_ACCOUNT, PRESENCE, PRESENCE_BY_GATEWAY,
};
use crate::limits::{
    check_bytes, check_count, check_not_empty, GATEWAY_ID_BYTES_MAX, LOOKUP_IDS_MAX,
    PRESENCE_BATCH_MAX, SWEEP_BATCH_MAX, WHO_RESULTS_MAX, WHO_STRINGS_MAX, WHO_ZONES_MAX,
};
use crate::records::Problem;
use crate::txn::Txn;

/// Presence rows one gateway may hold (a gateway serves 1–3k sessions).
pub const GATEWAY_PRESENCE_MAX: usize = 20_000;
/// Presence rows one realm may hold; bounds /who and online scans.
pub const REALM_PRESENCE_MAX: usize = 100_000;

/// AC friend status bits (`SocialMgr.h`): online 1, AFK 2, DND 4.
pub mod status {
    pub const OFFLINE: u8 = 0;
    pub const ONLINE: u8 = 1;
    pub const AFK: u8 = 2;
    pub const DND: u8 = 4;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub id: CharacterId,
    pub account: AccountId,
    pub gateway: GatewayId,
    pub name: String,
    pub race: u8,
    pub class: u8,
    pub gender: u8,
    pub level: u8,
    pub zone: u32,
    pub area: u32,
    pub map: u32,
    pub guild_id: u32,
    /// The worldserver the character plays on, when the gateway reports it.
    pub worldserver: Option<String>,
    pub afk: bool,
    pub dnd: bool,
    /// In an instance hosted by a cross-realm (realm 0) worldserver.
    pub in_cross_realm_instance: bool,
    pub login_ms: u64,
}

impl Presence {
    pub fn team(&self) -> Team {
        Team::of_race(self.race).unwrap_or(Team::Neutral)
    }

    /// The AC friend status byte: ONLINE plus AFK or DND.
    pub fn status(&self) -> u8 {
        let mut s = status::ONLINE;
        if self.afk {
            s |= status::AFK;
        }
        if self.dnd {
            s |= status::DND;
        }
        s
    }
}

impl Record for Presence {
    const WHAT: &'static str = "presence";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gateway {
    pub id: GatewayId,
    pub realm: RealmId,
    pub expires_ms: u64,
}

impl Record for Gateway {
    const WHAT: &'static str = "gateway lease";
}

/// One character's changed fields in a gateway's batch; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PresenceUpdate {
    pub id: CharacterId,
    pub level: Option<u8>,
    pub zone: Option<u32>,
    pub area: Option<u32>,
    pub map: Option<u32>,
    pub guild_id: Option<u32>,
    pub worldserver: Option<String>,
    pub in_cross_realm_instance: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub id: CharacterId,
    pub gateway: GatewayId,
    pub zone: u32,
    pub area: u32,
    pub map: u32,
    pub level: u8,
    pub guild_id: u32,
    pub worldserver: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceCommand {
    /// Registers a gateway for a realm, or renews its lease; the lease runs for
    /// `config.gateway_lease_ms` from the entry's time.
    RegisterGateway {
        gateway: GatewayId,
        realm: RealmId,
    },
    /// Renews a live lease; refused once it lapsed (register again, after the sweep).
    RenewGateway {
        gateway: GatewayId,
    },
    /// A gateway shutting down: its presence goes now, not at lease expiry.
    UnregisterGateway {
        gateway: GatewayId,
    },
    /// Removes every gateway whose lease lapsed, with all its presence (leader-driven).
    ExpireGateways,
    Login(Login),
    /// Ignored (answered `Done`) when the character is not online on that gateway, so a late
    /// logout from an old gateway cannot remove a newer login.
    Logout {
        id: CharacterId,
        gateway: GatewayId,
    },
    /// A gateway's batch of zone/level/map/worldserver changes; entries for characters not
    /// online on that gateway are skipped.
    Update {
        gateway: GatewayId,
        updates: Vec<PresenceUpdate>,
    },
    SetAwayStatus {
        id: CharacterId,
        afk: bool,
        dnd: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceResponse {
    Lease {
        expires_ms: u64,
    },
    LoggedIn {
        kicked: Option<CharacterId>,
    },
    Updated {
        applied: u32,
        skipped: u32,
    },
    GatewaysExpired {
        gateways: Vec<GatewayId>,
        characters: u32,
    },
}

/// A character to tell about a presence change, and the gateway that reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    pub id: CharacterId,
    pub gateway: GatewayId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfflineReason {
    Logout,
    /// Another character of the same account logged in, or the account was locked.
    Kicked,
    /// The gateway's lease lapsed or it unregistered.
    GatewayLost,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceEvent {
    Online {
        presence: Presence,
        notify: Vec<Notify>,
    },
    Offline {
        id: CharacterId,
        account: AccountId,
        gateway: GatewayId,
        name: String,
        reason: OfflineReason,
        notify: Vec<Notify>,
    },
    /// AFK/DND changed: friends see a new status.
    Status {
        id: CharacterId,
        status: u8,
        notify: Vec<Notify>,
    },
    /// Level, zone, area, map, guild or worldserver changed.
    Moved {
        id: CharacterId,
        level: u8,
        zone: u32,
        area: u32,
        map: u32,
    },
    GatewayRegistered {
        gateway: GatewayId,
        realm: RealmId,
    },
    GatewayLost {
        gateway: GatewayId,
        characters: u32,
    },
}

/// /who filters (`WhoQuery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Who {
    pub requester: CharacterId,
    pub level_min: u8,
    pub level_max: u8,
    pub name: String,
    pub guild_id: Option<u32>,
    /// Bit `race - 1`; 0 means all.
    pub race_mask: u32,
    /// Bit `class - 1`; 0 means all.
    pub class_mask: u32,
    pub zones: Vec<u32>,
    /// Each must be a substring of the name (case-insensitive).
    pub strings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceQuery {
    Get {
        id: CharacterId,
    },
    OnlineByName {
        realm: RealmId,
        name: String,
    },
    ByIds {
        ids: Vec<CharacterId>,
    },
    /// Online characters of a realm, in id order, after `after_low`, at most `limit`.
    Online {
        realm: RealmId,
        after_low: Option<u32>,
        limit: u32,
    },
    OnlineOfAccount {
        account: AccountId,
    },
    Who(Who),
    Gateway {
        gateway: GatewayId,
    },
    OfGateway {
        gateway: GatewayId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceQueryResponse {
    Presence(Option<Presence>),
    Presences(Vec<Presence>),
    /// For each id asked, its presence when online.
    ByIds(Vec<(CharacterId, Option<Presence>)>),
    Online {
        ids: Vec<CharacterId>,
        total: u32,
    },
    Who {
        total: u32,
        items: Vec<Presence>,
    },
    Gateway(Option<Gateway>),
}

pub(crate) fn key(id: CharacterId) -> Vec<u8> {
    Key::new(PRESENCE).character(id).build()
}

fn by_gateway_prefix(gateway: &str) -> Vec<u8> {
    Key::new(PRESENCE_BY_GATEWAY).str(gateway).build()
}

fn by_gateway_key(gateway: &str, id: CharacterId) -> Vec<u8> {
    Key::new(PRESENCE_BY_GATEWAY)
        .str(gateway)
        .character(id)
        .build()
}

fn online_of_account_key(account: AccountId) -> Vec<u8> {
    Key::new(ONLINE_OF_ACCOUNT).u32(account).build()
}

fn gateway_key(gateway: &str) -> Vec<u8> {
    Key::new(GATEWAY).str(gateway).build()
}

fn gateway_expiry_key(expires_ms: u64, gateway: &str) -> Vec<u8> {
    Key::new(GATEWAY_BY_EXPIRY)
        .u64(expires_ms)
        .str(gateway)
        .build()
}

/// The presence row of a character, when online.
pub fn get(txn: &Txn<'_>, id: CharacterId) -> Result<Option<Presence>, Error> {
    txn.get::<Presence>(&key(id))
}

/// The character of `account` that is online, if any.
pub fn online_of_account(txn: &Txn<'_>, account: AccountId) -> Result<Option<Presence>, Error> {
    match txn.get::<CharacterId>(&online_of_account_key(account))? {
        Some(id) => get(txn, id),
        None => Ok(None),
    }
}

impl Record for CharacterId {
    const WHAT: &'static str = "character id";
}

fn check_gateway_id(gateway: &str) -> Result<(), Error> {
    check_not_empty("gateway", gateway)?;
    check_bytes("gateway", gateway, GATEWAY_ID_BYTES_MAX)
}

/// The live gateway lease, or `UnknownGateway`.
fn live_gateway(txn: &Txn<'_>, gateway: &str) -> Result<Gateway, Error> {
    match txn.get::<Gateway>(&gateway_key(gateway))? {
        Some(g) if g.expires_ms > txn.now_ms() => Ok(g),
        _ => Err(Error::UnknownGateway {
            gateway: gateway.to_string(),
        }),
    }
}

fn put_lease(txn: &mut Txn<'_>, gateway: &str, realm: RealmId) -> Result<u64, Error> {
    if let Some(old) = txn.get::<Gateway>(&gateway_key(gateway))? {
        txn.delete(gateway_expiry_key(old.expires_ms, gateway));
    }
    let expires_ms = txn.now_ms().saturating_add(txn.config().gateway_lease_ms);
    txn.put(
        gateway_key(gateway),
        &Gateway {
            id: gateway.to_string(),
            realm,
            expires_ms,
        },
    );
    txn.put(gateway_expiry_key(expires_ms, gateway), &());
    Ok(expires_ms)
}

/// Removes a character's presence and everything that only lives while online, and emits the
/// offline event.
pub(crate) fn remove(
    txn: &mut Txn<'_>,
    presence: &Presence,
    reason: OfflineReason,
) -> Result<(), Error> {
    crate::channel::on_logout(txn, presence.id)?;
    crate::arena::on_logout(txn, presence.id)?;
    txn.delete(key(presence.id));
    txn.delete(by_gateway_key(&presence.gateway, presence.id));
    txn.delete(online_of_account_key(presence.account));
    let notify = crate::social::notify_targets(txn, presence)?;
    txn.emit(PresenceEvent::Offline {
        id: presence.id,
        account: presence.account,
        gateway: presence.gateway.clone(),
        name: presence.name.clone(),
        reason,
        notify,
    });
    Ok(())
}

/// Removes every presence row of `gateway` and its lease; returns how many characters went.
fn drop_gateway(txn: &mut Txn<'_>, gateway: &Gateway) -> Result<u32, Error> {
    let mut characters = 0u32;
    for (k, _) in txn.scan_all(&by_gateway_prefix(&gateway.id), GATEWAY_PRESENCE_MAX)? {
        let skip = 2 + gateway.id.len();
        let id = KeyReader::new(&k, skip)
            .character()
            .ok_or_else(|| Error::Corrupt(format!("presence-by-gateway key {k:02x?}")))?;
        if let Some(p) = get(txn, id)? {
            remove(txn, &p, OfflineReason::GatewayLost)?;
            characters += 1;
        } else {
            txn.delete(k);
        }
    }
    txn.delete(gateway_key(&gateway.id));
    txn.delete(gateway_expiry_key(gateway.expires_ms, &gateway.id));
    txn.emit(PresenceEvent::GatewayLost {
        gateway: gateway.id.clone(),
        characters,
    });
    Ok(characters)
}

/// Logs out the online character of `account`, if any (used when an account is locked).
pub(crate) fn kick_account(txn: &mut Txn<'_>, account: AccountId) -> Result<(), Error> {
    if let Some(p) = online_of_account(txn, account)? {
        remove(txn, &p, OfflineReason::Kicked)?;
    }
    Ok(())
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &PresenceCommand) -> Result<Response, Error> {
    match cmd {
        PresenceCommand::RegisterGateway { gateway, realm } => {
            check_gateway_id(gateway)?;
            crate::realm::require(txn, *realm)?;
            if let Some(old) = txn.get::<Gateway>(&gateway_key(gateway))? {
                if old.realm != *realm && old.expires_ms > txn.now_ms() {
                    return Err(Error::invalid(
                        "gateway.realm",
                        format!(
                            "gateway {gateway} holds a live lease for realm {}, not {realm}",
                            old.realm
                        ),
                    ));
                }
            }
            let expires_ms = put_lease(txn, gateway, *realm)?;
            txn.emit(PresenceEvent::GatewayRegistered {
                gateway: gateway.clone(),
                realm: *realm,
            });
            Ok(Response::Presence(PresenceResponse::Lease { expires_ms }))
        }
        PresenceCommand::RenewGateway { gateway } => {
            let g = live_gateway(txn, gateway)?;
            let expires_ms = put_lease(txn, gateway, g.realm)?;
            Ok(Response::Presence(PresenceResponse::Lease { expires_ms }))
        }
        PresenceCommand::UnregisterGateway { gateway } => {
            let g = txn.get::<Gateway>(&gateway_key(gateway))?.ok_or_else(|| {
                Error::UnknownGateway {
                    gateway: gateway.clone(),
                }
            })?;
            drop_gateway(txn, &g)?;
            Ok(Response::Done)
        }
        PresenceCommand::ExpireGateways => {
            let now = txn.now_ms();
            let mut gateways = Vec::new();
            let mut characters = 0u32;
            for (k, _) in txn.scan(&Key::new(GATEWAY_BY_EXPIRY).build(), None, SWEEP_BATCH_MAX)? {
                let mut r = KeyReader::new(&k, 0);
                let (Some(expires_ms), Some(id)) = (r.u64(), r.str()) else {
                    return Err(Error::Corrupt(format!("gateway expiry key {k:02x?}")));
                };
                if expires_ms > now {
                    break;
                }
                match txn.get::<Gateway>(&gateway_key(&id))? {
                    Some(g) => characters += drop_gateway(txn, &g)?,
                    None => txn.delete(k),
                }
                gateways.push(id);
            }
            Ok(Response::Presence(PresenceResponse::GatewaysExpired {
                gateways,
                characters,
            }))
        }
        PresenceCommand::Login(login) => self::login(txn, login),
        PresenceCommand::Logout { id, gateway } => {
            if let Some(p) = get(txn, *id)? {
                if p.gateway == *gateway {
                    remove(txn, &p, OfflineReason::Logout)?;
                }
            }
            Ok(Response::Done)
        }
        PresenceCommand::Update { gateway, updates } => {
            check_count("updates", updates.len(), PRESENCE_BATCH_MAX)?;
            live_gateway(txn, gateway)?;
            let (mut applied, mut skipped) = (0u32, 0u32);
            for u in updates {
                match get(txn, u.id)? {
                    Some(p) if p.gateway == *gateway => {
                        update_one(txn, p, u)?;
                        applied += 1;
                    }
                    _ => skipped += 1,
                }
            }
            Ok(Response::Presence(PresenceResponse::Updated {
                applied,
                skipped,
            }))
        }
        PresenceCommand::SetAwayStatus { id, afk, dnd } => {
            let p =
                get(txn, *id)?.ok_or_else(|| Error::not_found(format!("online character {id}")))?;
            let p = Presence {
                afk: *afk,
                dnd: *dnd,
                ..p
            };
            txn.put(key(*id), &p);
            let notify = crate::social::notify_targets(txn, &p)?;
            txn.emit(PresenceEvent::Status {
                id: *id,
                status: p.status(),
                notify,
            });
            Ok(Response::Done)
        }
    }
}

fn update_one(txn: &mut Txn<'_>, mut p: Presence, u: &PresenceUpdate) -> Result<(), Error> {
    if let Some(level) = u.level {
        let max = txn.config().max_player_level;
        if level == 0 || level > max {
            return Err(Error::invalid(
                "updates.level",
                format!("{level} is not in 1..={max}"),
            ));
        }
        p.level = level;
        if let Some(mut c) = crate::character::get(txn, p.id)? {
            c.level = level;
            txn.put(crate::character::key(p.id), &c);
        }
    }
    if let Some(w) = &u.worldserver {
        check_bytes("updates.worldserver", w, GATEWAY_ID_BYTES_MAX)?;
        p.worldserver = Some(w.clone());
    }
    p.zone = u.zone.unwrap_or(p.zone);
    p.area = u.area.unwrap_or(p.area);
    p.map = u.map.unwrap_or(p.map);
    p.guild_id = u.guild_id.unwrap_or(p.guild_id);
    p.in_cross_realm_instance = u
        .in_cross_realm_instance
        .unwrap_or(p.in_cross_realm_instance);
    txn.put(key(p.id), &p);
    txn.emit(PresenceEvent::Moved {
        id: p.id,
        level: p.level,
        zone: p.zone,
        area: p.area,
        map: p.map,
    });
    Ok(())
}

fn login(txn: &mut Txn<'_>, login: &Login) -> Result<Response, Error> {
    check_gateway_id(&login.gateway)?;
    if let Some(w) = &login.worldserver {
        check_bytes("login.worldserver", w, GATEWAY_ID_BYTES_MAX)?;
    }
    let gateway = live_gateway(txn, &login.gateway)?;
    if gateway.realm != login.id.realm {
        return Err(Error::invalid(
            "login.id.realm",
            format!(
                "character realm {} is not realm {} of gateway {}",
                login.id.realm, gateway.realm, gateway.id
            ),
        ));
    }
    let character = crate::character::get(txn, login.id)?.ok_or(Error::Character(
        crate::character::CharacterResult::LoginNoCharacter,
    ))?;
    let account = crate::account::require(txn, character.account)?;
    if account.locked {
        return Err(Error::AccountLocked {
            account: account.id,
        });
    }
    let max = txn.config().max_player_level;
    if login.level == 0 || login.level > max {
        return Err(Error::invalid(
            "login.level",
            format!("{} is not in 1..={max}", login.level),
        ));
    }
    // One session per account: a second login kicks the first (a relog of the same character
    // through another gateway replaces its row).
    let mut kicked = None;
    if let Some(old) = online_of_account(txn, account.id)? {
        let reason = if old.id == login.id {
            OfflineReason::Logout
        } else {
            OfflineReason::Kicked
        };
        if old.id != login.id {
            kicked = Some(old.id);
        }
        remove(txn, &old, reason)?;
    }
    if let Some(stale) = get(txn, login.id)? {
        remove(txn, &stale, OfflineReason::Logout)?;
    }
    let presence = Presence {
        id: login.id,
        account: account.id,
        gateway: login.gateway.clone(),
        name: character.name.clone(),
        race: character.race,
        class: character.class,
        gender: character.gender,
        level: login.level,
        zone: login.zone,
        area: login.area,
        map: login.map,
        guild_id: login.guild_id,
        worldserver: login.worldserver.clone(),
        afk: false,
        dnd: false,
        in_cross_realm_instance: false,
        login_ms: txn.now_ms(),
    };
    if character.level != login.level {
        txn.put(
            crate::character::key(login.id),
            &crate::character::Character {
                level: login.level,
                ..character
            },
        );
    }
    txn.put(key(login.id), &presence);
    txn.put(by_gateway_key(&login.gateway, login.id), &());
    txn.put(online_of_account_key(account.id), &login.id);
    let notify = crate::social::notify_targets(txn, &presence)?;
    txn.emit(PresenceEvent::Online { presence, notify });
    Ok(Response::Presence(PresenceResponse::LoggedIn { kicked }))
}

fn who_matches(p: &Presence, w: &Who, requester_team: Option<Team>, two_side: bool) -> bool {
    let lower = p.name.to_lowercase();
    (w.level_min == 0 || p.level >= w.level_min)
        && (w.level_max == 0 || p.level <= w.level_max)
        && (w.name.is_empty() || lower.contains(&w.name.to_lowercase()))
        && w.guild_id.is_none_or(|g| p.guild_id == g)
        && (w.race_mask == 0
            || p.race
                .checked_sub(1)
                .is_some_and(|r| r < 32 && w.race_mask & (1 << r) != 0))
        && (w.class_mask == 0
            || p.class
                .checked_sub(1)
                .is_some_and(|c| c < 32 && w.class_mask & (1 << c) != 0))
        && (w.zones.is_empty() || w.zones.contains(&p.zone))
        && w.strings.iter().all(|s| lower.contains(&s.to_lowercase()))
        && (two_side || requester_team.is_none_or(|t| t == p.team()))
}

pub(crate) fn query(txn: &Txn<'_>, q: &PresenceQuery) -> Result<PresenceQueryResponse, Error> {
    Ok(match q {
        PresenceQuery::Get { id } => PresenceQueryResponse::Presence(get(txn, *id)?),
        PresenceQuery::OnlineByName { realm, name } => {
            let p = match crate::character::by_name(txn, *realm, name)? {
                Some(c) => get(txn, c.id)?,
                None => None,
            };
            PresenceQueryResponse::Presence(p)
        }
        PresenceQuery::ByIds { ids } => {
            check_count("ids", ids.len(), LOOKUP_IDS_MAX)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push((*id, get(txn, *id)?));
            }
            PresenceQueryResponse::ByIds(out)
        }
        PresenceQuery::Online {
            realm,
            after_low,
            limit,
        } => {
            let prefix = Key::new(PRESENCE).u32(*realm).build();
            let after = after_low.map(|low| key(CharacterId::new(*realm, low)));
            let limit = (*limit as usize).min(REALM_PRESENCE_MAX);
            let page = txn.scan(&prefix, after.as_deref(), limit)?;
            let total = txn.count(&prefix, REALM_PRESENCE_MAX)? as u32;
            let ids = page
                .iter()
                .filter_map(|(k, _)| KeyReader::new(k, 0).character())
                .collect();
            PresenceQueryResponse::Online { ids, total }
        }
        PresenceQuery::OnlineOfAccount { account } => {
            PresenceQueryResponse::Presence(online_of_account(txn, *account)?)
        }
        PresenceQuery::Who(w) => {
            check_count("who.zones", w.zones.len(), WHO_ZONES_MAX)?;
            check_count("who.strings", w.strings.len(), WHO_STRINGS_MAX)?;
            let requester_team = get(txn, w.requester)?.map(|p| p.team());
            let two_side = txn.config().social.allow_two_side_who_list;
            let prefix = Key::new(PRESENCE).u32(w.requester.realm).build();
            let mut total = 0u32;
            let mut items = Vec::new();
            for (_, p) in txn.scan_records::<Presence>(&prefix, REALM_PRESENCE_MAX)? {
                if who_matches(&p, w, requester_team, two_side)
                    && !crate::social::hidden_gm(txn, p.account)?
                {
                    total += 1;
                    if items.len() < WHO_RESULTS_MAX {
                        items.push(p);
                    }
                }
            }
            PresenceQueryResponse::Who { total, items }
        }
        PresenceQuery::Gateway { gateway } => {
            PresenceQueryResponse::Gateway(txn.get(&gateway_key(gateway))?)
        }
        PresenceQuery::OfGateway { gateway } => {
            let mut out = Vec::new();
            for (k, _) in txn.scan_all(&by_gateway_prefix(gateway), GATEWAY_PRESENCE_MAX)? {
                if let Some(id) = KeyReader::new(&k, 2 + gateway.len()).character() {
                    if let Some(p) = get(txn, id)? {
                        out.push(p);
                    }
                }
            }
            PresenceQueryResponse::Presences(out)
        }
    })
}

/// Checks the presence invariants over the whole state: every row indexed by its gateway and
/// its account exactly once, at most one online character per account, every row's character
/// existing, every gateway index entry pointing at a row of that gateway.
pub fn check_invariants(view: &dyn crate::View) -> Result<(), String> {
    let txn = Txn::new(view, 0).map_err(|e| e.to_string())?;
    let all = |tag| {
        txn.scan(&Key::new(tag).build(), None, usize::MAX)
            .map_err(|e| e.to_string())
    };
    let mut accounts = std::collections::BTreeMap::new();
    let rows = all(PRESENCE)?;
    for (k, v) in &rows {
        let p = Presence::decode(v).map_err(|e| e.to_string())?;
        if Some(p.id) != KeyReader::new(k, 0).character() {
            return Err(format!("presence row {k:02x?} holds {}", p.id));
        }
        if crate::character::get(&txn, p.id)
            .map_err(|e| e.to_string())?
            .is_none()
        {
            return Err(format!("presence of missing character {}", p.id));
        }
        if !txn
            .exists(&by_gateway_key(&p.gateway, p.id))
            .map_err(|e| e.to_string())?
        {
            return Err(format!(
                "presence {} not indexed under gateway {}",
                p.id, p.gateway
            ));
        }
        if accounts.insert(p.account, p.id).is_some() {
            return Err(format!("account {} has two online characters", p.account));
        }
        let online = txn
            .get::<CharacterId>(&online_of_account_key(p.account))
            .map_err(|e| e.to_string())?;
        if online != Some(p.id) {
            return Err(format!(
                "account {} online index says {online:?}, not {}",
                p.account, p.id
            ));
        }
    }
    if all(ONLINE_OF_ACCOUNT)?.len() != rows.len() || all(PRESENCE_BY_GATEWAY)?.len() != rows.len()
    {
        return Err(format!(
            "{} presence rows but {} account and {} gateway index entries",
            rows.len(),
            all(ONLINE_OF_ACCOUNT)?.len(),
            all(PRESENCE_BY_GATEWAY)?.len()
        ));
    }
    Ok(())
}
/// The record check of this module's tables (see `crate::records`): each key layout above and
/// the type written under it.
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::*};
    Some(match tag {
        PRESENCE => record::<Presence>(key, &[("realm", U32), ("low", U32)], value),
        PRESENCE_BY_GATEWAY => record::<()>(
            key,
            &[("gateway", Str), ("realm", U32), ("low", U32)],
            value,
        ),
        ONLINE_OF_ACCOUNT => record::<CharacterId>(key, &[("account", U32)], value),
        GATEWAY => record::<Gateway>(key, &[("gateway", Str)], value),
        GATEWAY_BY_EXPIRY => record::<()>(key, &[("expires_ms", U64), ("gateway", Str)], value),
        _ => return None,
    })
}
