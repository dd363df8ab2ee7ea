//! `PresenceService` ⇄ `tavern_statemachine::presence`.

use tavern_statemachine::limits::{
    GATEWAY_ID_BYTES_MAX, LOOKUP_IDS_MAX, PRESENCE_BATCH_MAX, WHO_STRINGS_MAX, WHO_ZONES_MAX,
};
use tavern_statemachine::presence::{
    Gateway, Login, Presence, PresenceCommand, PresenceQuery, PresenceQueryResponse,
    PresenceResponse, PresenceUpdate, Who,
};
use tavern_statemachine::{QueryResponse, Response};

use super::{
    byte, bytes_max, character_id, count_max, done_reply, each, mismatch, opt_bytes_max,
    query_reply, requests, try_from, write_reply, ConvertError, QueryReply, WriteReply,
    CHARACTER_NAME_BYTES_MAX,
};
use crate::pb;

/// The /who name filter and each /who word, in bytes: they are matched against character
/// names, so nothing longer than a name can match.
pub const WHO_STRING_BYTES_MAX: usize = CHARACTER_NAME_BYTES_MAX;

pub(super) fn gateway_id(field: &str, g: String) -> Result<String, ConvertError> {
    bytes_max(field, g, GATEWAY_ID_BYTES_MAX)
}

impl From<Presence> for pb::Presence {
    fn from(p: Presence) -> Self {
        pb::Presence {
            id: Some(p.id.into()),
            account: p.account,
            gateway: p.gateway,
            name: p.name,
            race: p.race.into(),
            class_id: p.class.into(),
            gender: p.gender.into(),
            level: p.level.into(),
            zone: p.zone,
            area: p.area,
            map: p.map,
            guild_id: p.guild_id,
            worldserver: p.worldserver,
            afk: p.afk,
            dnd: p.dnd,
            in_cross_realm_instance: p.in_cross_realm_instance,
            login_ms: p.login_ms,
        }
    }
}

impl TryFrom<pb::Presence> for Presence {
    type Error = ConvertError;

    fn try_from(p: pb::Presence) -> Result<Self, ConvertError> {
        Ok(Presence {
            id: character_id("presence.id", p.id)?,
            account: p.account,
            gateway: gateway_id("presence.gateway", p.gateway)?,
            name: bytes_max("presence.name", p.name, CHARACTER_NAME_BYTES_MAX)?,
            race: byte("presence.race", p.race)?,
            class: byte("presence.class", p.class_id)?,
            gender: byte("presence.gender", p.gender)?,
            level: byte("presence.level", p.level)?,
            zone: p.zone,
            area: p.area,
            map: p.map,
            guild_id: p.guild_id,
            worldserver: opt_bytes_max(
                "presence.worldserver",
                p.worldserver,
                GATEWAY_ID_BYTES_MAX,
            )?,
            afk: p.afk,
            dnd: p.dnd,
            in_cross_realm_instance: p.in_cross_realm_instance,
            login_ms: p.login_ms,
        })
    }
}

fn presence_opt(p: Option<pb::Presence>) -> Result<Option<Presence>, ConvertError> {
    p.map(Presence::try_from).transpose()
}

impl From<Gateway> for pb::Gateway {
    fn from(g: Gateway) -> Self {
        pb::Gateway {
            id: g.id,
            realm: g.realm,
            expires_ms: g.expires_ms,
        }
    }
}

impl TryFrom<pb::Gateway> for Gateway {
    type Error = ConvertError;

    fn try_from(g: pb::Gateway) -> Result<Self, ConvertError> {
        Ok(Gateway {
            id: gateway_id("gateway.id", g.id)?,
            realm: g.realm,
            expires_ms: g.expires_ms,
        })
    }
}

impl From<PresenceUpdate> for pb::PresenceUpdate {
    fn from(u: PresenceUpdate) -> Self {
        pb::PresenceUpdate {
            id: Some(u.id.into()),
            level: u.level.map(Into::into),
            zone: u.zone,
            area: u.area,
            map: u.map,
            guild_id: u.guild_id,
            worldserver: u.worldserver,
            in_cross_realm_instance: u.in_cross_realm_instance,
        }
    }
}

impl TryFrom<pb::PresenceUpdate> for PresenceUpdate {
    type Error = ConvertError;

    fn try_from(u: pb::PresenceUpdate) -> Result<Self, ConvertError> {
        Ok(PresenceUpdate {
            id: character_id("update.id", u.id)?,
            level: u.level.map(|l| byte("update.level", l)).transpose()?,
            zone: u.zone,
            area: u.area,
            map: u.map,
            guild_id: u.guild_id,
            worldserver: opt_bytes_max("update.worldserver", u.worldserver, GATEWAY_ID_BYTES_MAX)?,
            in_cross_realm_instance: u.in_cross_realm_instance,
        })
    }
}

impl From<Login> for pb::LoginRequest {
    fn from(l: Login) -> Self {
        pb::LoginRequest {
            header: None,
            id: Some(l.id.into()),
            gateway: l.gateway,
            zone: l.zone,
            area: l.area,
            map: l.map,
            level: l.level.into(),
            guild_id: l.guild_id,
            worldserver: l.worldserver,
        }
    }
}

impl From<Who> for pb::WhoRequest {
    fn from(w: Who) -> Self {
        pb::WhoRequest {
            header: None,
            requester: Some(w.requester.into()),
            level_min: w.level_min.into(),
            level_max: w.level_max.into(),
            name: w.name,
            guild_id: w.guild_id,
            race_mask: w.race_mask,
            class_mask: w.class_mask,
            zones: w.zones,
            strings: w.strings,
        }
    }
}

requests! {
    /// The write RPCs of `PresenceService`.
    PresenceWrite => PresenceCommand {
        RegisterGateway(pb::RegisterGatewayRequest),
        RenewGateway(pb::RenewGatewayRequest),
        UnregisterGateway(pb::UnregisterGatewayRequest),
        ExpireGateways(pb::ExpireGatewaysRequest),
        Login(pb::LoginRequest),
        Logout(pb::LogoutRequest),
        UpdatePresence(pb::UpdatePresenceRequest),
        SetAwayStatus(pb::SetAwayStatusRequest),
    }
}

requests! {
    /// The read RPCs of `PresenceService`.
    PresenceRead => PresenceQuery {
        GetPresence(pb::GetPresenceRequest),
        GetOnlineByName(pb::GetOnlineByNameRequest),
        GetPresenceByIds(pb::GetPresenceByIdsRequest),
        ListOnline(pb::ListOnlineRequest),
        GetOnlineOfAccount(pb::GetOnlineOfAccountRequest),
        Who(pb::WhoRequest),
        GetGateway(pb::GetGatewayRequest),
        ListPresenceOfGateway(pb::ListPresenceOfGatewayRequest),
    }
}

impl From<PresenceCommand> for PresenceWrite {
    fn from(c: PresenceCommand) -> Self {
        use PresenceWrite as W;
        let header = None;
        match c {
            PresenceCommand::RegisterGateway { gateway, realm } => {
                W::RegisterGateway(pb::RegisterGatewayRequest {
                    header,
                    gateway,
                    realm,
                })
            }
            PresenceCommand::RenewGateway { gateway } => {
                W::RenewGateway(pb::RenewGatewayRequest { header, gateway })
            }
            PresenceCommand::UnregisterGateway { gateway } => {
                W::UnregisterGateway(pb::UnregisterGatewayRequest { header, gateway })
            }
            PresenceCommand::ExpireGateways => {
                W::ExpireGateways(pb::ExpireGatewaysRequest { header })
            }
            PresenceCommand::Login(login) => W::Login(login.into()),
            PresenceCommand::Logout { id, gateway } => W::Logout(pb::LogoutRequest {
                header,
                id: Some(id.into()),
                gateway,
            }),
            PresenceCommand::Update { gateway, updates } => {
                W::UpdatePresence(pb::UpdatePresenceRequest {
                    header,
                    gateway,
                    updates: updates.into_iter().map(Into::into).collect(),
                })
            }
            PresenceCommand::SetAwayStatus { id, afk, dnd } => {
                W::SetAwayStatus(pb::SetAwayStatusRequest {
                    header,
                    id: Some(id.into()),
                    afk,
                    dnd,
                })
            }
        }
    }
}

impl From<PresenceQuery> for PresenceRead {
    fn from(q: PresenceQuery) -> Self {
        use PresenceRead as R;
        let header = None;
        match q {
            PresenceQuery::Get { id } => R::GetPresence(pb::GetPresenceRequest {
                header,
                id: Some(id.into()),
            }),
            PresenceQuery::OnlineByName { realm, name } => {
                R::GetOnlineByName(pb::GetOnlineByNameRequest {
                    header,
                    realm,
                    name,
                })
            }
            PresenceQuery::ByIds { ids } => R::GetPresenceByIds(pb::GetPresenceByIdsRequest {
                header,
                ids: ids.into_iter().map(Into::into).collect(),
            }),
            PresenceQuery::Online {
                realm,
                after_low,
                limit,
            } => R::ListOnline(pb::ListOnlineRequest {
                header,
                realm,
                after_low,
                limit,
            }),
            PresenceQuery::OnlineOfAccount { account } => {
                R::GetOnlineOfAccount(pb::GetOnlineOfAccountRequest { header, account })
            }
            PresenceQuery::Who(who) => R::Who(who.into()),
            PresenceQuery::Gateway { gateway } => {
                R::GetGateway(pb::GetGatewayRequest { header, gateway })
            }
            PresenceQuery::OfGateway { gateway } => {
                R::ListPresenceOfGateway(pb::ListPresenceOfGatewayRequest { header, gateway })
            }
        }
    }
}

try_from!(pb::RegisterGatewayRequest => PresenceCommand, |r| PresenceCommand::RegisterGateway {
    gateway: gateway_id("gateway", r.gateway)?,
    realm: r.realm,
});
try_from!(pb::RenewGatewayRequest => PresenceCommand, |r| PresenceCommand::RenewGateway {
    gateway: gateway_id("gateway", r.gateway)?,
});
try_from!(pb::UnregisterGatewayRequest => PresenceCommand, |r| {
    PresenceCommand::UnregisterGateway {
        gateway: gateway_id("gateway", r.gateway)?,
    }
});
try_from!(pb::ExpireGatewaysRequest => PresenceCommand, |_r| PresenceCommand::ExpireGateways);
try_from!(pb::LoginRequest => PresenceCommand, |r| PresenceCommand::Login(Login {
    id: character_id("login.id", r.id)?,
    gateway: gateway_id("login.gateway", r.gateway)?,
    zone: r.zone,
    area: r.area,
    map: r.map,
    level: byte("login.level", r.level)?,
    guild_id: r.guild_id,
    worldserver: opt_bytes_max("login.worldserver", r.worldserver, GATEWAY_ID_BYTES_MAX)?,
}));
try_from!(pb::LogoutRequest => PresenceCommand, |r| PresenceCommand::Logout {
    id: character_id("logout.id", r.id)?,
    gateway: gateway_id("logout.gateway", r.gateway)?,
});
try_from!(pb::UpdatePresenceRequest => PresenceCommand, |r| {
    count_max("updates", r.updates.len(), PRESENCE_BATCH_MAX)?;
    PresenceCommand::Update {
        gateway: gateway_id("gateway", r.gateway)?,
        updates: each("updates", r.updates, PresenceUpdate::try_from)?,
    }
});
try_from!(pb::SetAwayStatusRequest => PresenceCommand, |r| PresenceCommand::SetAwayStatus {
    id: character_id("away.id", r.id)?,
    afk: r.afk,
    dnd: r.dnd,
});

try_from!(pb::GetPresenceRequest => PresenceQuery, |r| PresenceQuery::Get {
    id: character_id("presence.id", r.id)?,
});
try_from!(pb::GetOnlineByNameRequest => PresenceQuery, |r| PresenceQuery::OnlineByName {
    realm: r.realm,
    name: bytes_max("character.name", r.name, CHARACTER_NAME_BYTES_MAX)?,
});
try_from!(pb::GetPresenceByIdsRequest => PresenceQuery, |r| {
    count_max("ids", r.ids.len(), LOOKUP_IDS_MAX)?;
    PresenceQuery::ByIds {
        ids: r.ids.into_iter().map(Into::into).collect(),
    }
});
try_from!(pb::ListOnlineRequest => PresenceQuery, |r| PresenceQuery::Online {
    realm: r.realm,
    after_low: r.after_low,
    limit: r.limit,
});
try_from!(pb::GetOnlineOfAccountRequest => PresenceQuery, |r| PresenceQuery::OnlineOfAccount {
    account: r.account,
});
try_from!(pb::WhoRequest => PresenceQuery, |r| {
    count_max("who.zones", r.zones.len(), WHO_ZONES_MAX)?;
    count_max("who.strings", r.strings.len(), WHO_STRINGS_MAX)?;
    PresenceQuery::Who(Who {
        requester: character_id("who.requester", r.requester)?,
        level_min: byte("who.level_min", r.level_min)?,
        level_max: byte("who.level_max", r.level_max)?,
        name: bytes_max("who.name", r.name, WHO_STRING_BYTES_MAX)?,
        guild_id: r.guild_id,
        race_mask: r.race_mask,
        class_mask: r.class_mask,
        zones: r.zones,
        strings: each("who.strings", r.strings, |s| {
            bytes_max("string", s, WHO_STRING_BYTES_MAX)
        })?,
    })
});
try_from!(pb::GetGatewayRequest => PresenceQuery, |r| PresenceQuery::Gateway {
    gateway: gateway_id("gateway", r.gateway)?,
});
try_from!(pb::ListPresenceOfGatewayRequest => PresenceQuery, |r| PresenceQuery::OfGateway {
    gateway: gateway_id("gateway", r.gateway)?,
});

done_reply!(
    pb::UnregisterGatewayResponse,
    pb::LogoutResponse,
    pb::SetAwayStatusResponse,
);

write_reply!(Presence,
    pb::RegisterGatewayResponse, "RegisterGateway",
    PresenceResponse::Lease { expires_ms } => { expires_ms },
    |m| PresenceResponse::Lease { expires_ms: m.expires_ms }
);
write_reply!(Presence,
    pb::RenewGatewayResponse, "RenewGateway",
    PresenceResponse::Lease { expires_ms } => { expires_ms },
    |m| PresenceResponse::Lease { expires_ms: m.expires_ms }
);
write_reply!(Presence,
    pb::ExpireGatewaysResponse, "ExpireGateways",
    PresenceResponse::GatewaysExpired { gateways, characters } => { gateways, characters },
    |m| PresenceResponse::GatewaysExpired {
        gateways: each("gateways", m.gateways, |g| gateway_id("gateway", g))?,
        characters: m.characters,
    }
);
write_reply!(Presence,
    pb::LoginResponse, "Login",
    PresenceResponse::LoggedIn { kicked } => { kicked: kicked.map(Into::into) },
    |m| PresenceResponse::LoggedIn { kicked: m.kicked.map(Into::into) }
);
write_reply!(Presence,
    pb::UpdatePresenceResponse, "UpdatePresence",
    PresenceResponse::Updated { applied, skipped } => { applied, skipped },
    |m| PresenceResponse::Updated { applied: m.applied, skipped: m.skipped }
);

query_reply!(Presence,
    pb::GetPresenceResponse, "GetPresence",
    PresenceQueryResponse::Presence(p) => { presence: p.map(Into::into) },
    |m| PresenceQueryResponse::Presence(presence_opt(m.presence)?)
);
query_reply!(Presence,
    pb::GetOnlineByNameResponse, "GetOnlineByName",
    PresenceQueryResponse::Presence(p) => { presence: p.map(Into::into) },
    |m| PresenceQueryResponse::Presence(presence_opt(m.presence)?)
);
query_reply!(Presence,
    pb::GetOnlineOfAccountResponse, "GetOnlineOfAccount",
    PresenceQueryResponse::Presence(p) => { presence: p.map(Into::into) },
    |m| PresenceQueryResponse::Presence(presence_opt(m.presence)?)
);
query_reply!(Presence,
    pb::GetPresenceByIdsResponse, "GetPresenceByIds",
    PresenceQueryResponse::ByIds(items) => {
        items: items
            .into_iter()
            .map(|(id, p)| pb::PresenceOfId { id: Some(id.into()), presence: p.map(Into::into) })
            .collect(),
    },
    |m| PresenceQueryResponse::ByIds(each("items", m.items, |item| {
        Ok((character_id("item.id", item.id)?, presence_opt(item.presence)?))
    })?)
);
query_reply!(Presence,
    pb::ListOnlineResponse, "ListOnline",
    PresenceQueryResponse::Online { ids, total } => {
        ids: ids.into_iter().map(Into::into).collect(),
        total,
    },
    |m| PresenceQueryResponse::Online {
        ids: m.ids.into_iter().map(Into::into).collect(),
        total: m.total,
    }
);
query_reply!(Presence,
    pb::WhoResponse, "Who",
    PresenceQueryResponse::Who { total, items } => {
        total,
        items: items.into_iter().map(Into::into).collect(),
    },
    |m| PresenceQueryResponse::Who {
        total: m.total,
        items: each("items", m.items, Presence::try_from)?,
    }
);
query_reply!(Presence,
    pb::GetGatewayResponse, "GetGateway",
    PresenceQueryResponse::Gateway(g) => { gateway: g.map(Into::into) },
    |m| PresenceQueryResponse::Gateway(m.gateway.map(Gateway::try_from).transpose()?)
);
query_reply!(Presence,
    pb::ListPresenceOfGatewayResponse, "ListPresenceOfGateway",
    PresenceQueryResponse::Presences(ps) => {
        presences: ps.into_iter().map(Into::into).collect(),
    },
    |m| PresenceQueryResponse::Presences(each("presences", m.presences, Presence::try_from)?)
);
