//! Typed calls of the presence domain: gateway leases, login and logout, presence updates,
//! and the online lookups (/who included).

use tavern_statemachine::presence::{
    Gateway, Login, Presence, PresenceCommand, PresenceQuery, PresenceQueryResponse,
    PresenceResponse, PresenceUpdate, Who,
};
use tavern_statemachine::{
    AccountId, CharacterId, Command, GatewayId, Query, QueryResponse, RealmId, Response,
};

use super::typed_calls;

typed_calls! {
    /// Presence: who is online, through which gateway, where; the gateways' leases.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// let expires_ms = client.register_gateway("gw-eu-1".into(), 1).await?;
    /// # Ok(()) }
    /// ```
    trait PresenceApi;

    /// Registers a gateway for a realm, or renews its lease; answers when the lease ends
    /// (ms since the epoch, the cluster's time).
    write register_gateway(gateway: GatewayId, realm: RealmId) -> u64
        = Command::Presence(PresenceCommand::RegisterGateway { gateway, realm });
        Response::Presence(PresenceResponse::Lease { expires_ms }) => expires_ms;
        example "let expires_ms = client.register_gateway(\"gw1\".into(), 1).await?;";

    /// Renews a live lease; answers when it now ends. Refused once the lease lapsed.
    write renew_gateway(gateway: GatewayId) -> u64
        = Command::Presence(PresenceCommand::RenewGateway { gateway });
        Response::Presence(PresenceResponse::Lease { expires_ms }) => expires_ms;
        example "let expires_ms = client.renew_gateway(\"gw1\".into()).await?;";

    /// A gateway shutting down: its characters go offline now, not at lease expiry.
    write unregister_gateway(gateway: GatewayId) -> ()
        = Command::Presence(PresenceCommand::UnregisterGateway { gateway }); Response::Done => ();
        example "client.unregister_gateway(\"gw1\".into()).await?;";

    /// Removes every gateway whose lease lapsed, with its characters' presence; answers the
    /// gateways removed and how many characters went offline (normally the leader's job).
    write expire_gateways() -> (Vec<GatewayId>, u32)
        = Command::Presence(PresenceCommand::ExpireGateways);
        Response::Presence(PresenceResponse::GatewaysExpired { gateways, characters })
            => (gateways, characters);
        example "let (gateways, characters) = client.expire_gateways().await?;";

    /// Logs a character in through a gateway; answers the account's other character that
    /// this login kicked, if any.
    write login(login: Login) -> Option<CharacterId>
        = Command::Presence(PresenceCommand::Login(login));
        Response::Presence(PresenceResponse::LoggedIn { kicked }) => kicked;
        example "use tavern_statemachine::presence::Login;
let kicked = client.login(Login { id: arthas, gateway: \"gw1\".into(), zone: 1, area: 1,
    map: 0, level: 80, guild_id: 0, worldserver: None }).await?;";

    /// Logs a character out of `gateway` (nothing happens if it is online elsewhere).
    write logout(id: CharacterId, gateway: GatewayId) -> ()
        = Command::Presence(PresenceCommand::Logout { id, gateway }); Response::Done => ();
        example "client.logout(arthas, \"gw1\".into()).await?;";

    /// A gateway's batch of zone, level, map... changes; answers how many were applied and
    /// how many skipped (characters not online on that gateway).
    write update_presence(gateway: GatewayId, updates: Vec<PresenceUpdate>) -> (u32, u32)
        = Command::Presence(PresenceCommand::Update { gateway, updates });
        Response::Presence(PresenceResponse::Updated { applied, skipped }) => (applied, skipped);
        example "use tavern_statemachine::presence::PresenceUpdate;
let moved = PresenceUpdate { id: arthas, zone: Some(1519), ..PresenceUpdate::default() };
let (applied, skipped) = client.update_presence(\"gw1\".into(), vec![moved]).await?;";

    /// Sets a character's AFK and DND flags (friends see the new status).
    write set_away_status(id: CharacterId, afk: bool, dnd: bool) -> ()
        = Command::Presence(PresenceCommand::SetAwayStatus { id, afk, dnd }); Response::Done => ();
        example "client.set_away_status(arthas, true, false).await?;";

    /// A character's presence, `None` when offline.
    read get_presence(id: CharacterId) -> Option<Presence>
        = Query::Presence(PresenceQuery::Get { id });
        QueryResponse::Presence(PresenceQueryResponse::Presence(p)) => p;
        example "let online = client.get_presence(arthas).await?.is_some();";

    /// The online character of that name on a realm.
    read get_online_by_name(realm: RealmId, name: String) -> Option<Presence>
        = Query::Presence(PresenceQuery::OnlineByName { realm, name });
        QueryResponse::Presence(PresenceQueryResponse::Presence(p)) => p;
        example "let p = client.get_online_by_name(1, \"arthas\".into()).await?;";

    /// For each id asked, in order, its presence when online.
    read get_presence_by_ids(ids: Vec<CharacterId>) -> Vec<(CharacterId, Option<Presence>)>
        = Query::Presence(PresenceQuery::ByIds { ids });
        QueryResponse::Presence(PresenceQueryResponse::ByIds(found)) => found;
        example "let found = client.get_presence_by_ids(vec![arthas, jaina]).await?;";

    /// A page of a realm's online characters, in id order after `after_low`, at most
    /// `limit`; answers the ids and how many are online in all.
    read list_online(realm: RealmId, after_low: Option<u32>, limit: u32) -> (Vec<CharacterId>, u32)
        = Query::Presence(PresenceQuery::Online { realm, after_low, limit });
        QueryResponse::Presence(PresenceQueryResponse::Online { ids, total }) => (ids, total);
        example "let (ids, total) = client.list_online(1, None, 100).await?;";

    /// The online character of an account, if any.
    read get_online_of_account(account: AccountId) -> Option<Presence>
        = Query::Presence(PresenceQuery::OnlineOfAccount { account });
        QueryResponse::Presence(PresenceQueryResponse::Presence(p)) => p;
        example "let p = client.get_online_of_account(1).await?;";

    /// /who: answers how many match in all and the first page of them.
    read who(who: Who) -> (u32, Vec<Presence>)
        = Query::Presence(PresenceQuery::Who(who));
        QueryResponse::Presence(PresenceQueryResponse::Who { total, items }) => (total, items);
        example "use tavern_statemachine::presence::Who;
let (total, shown) = client.who(Who { requester: arthas, level_min: 1, level_max: 80,
    ..Who::default() }).await?;";

    /// A gateway's lease, if it has one.
    read get_gateway(gateway: GatewayId) -> Option<Gateway>
        = Query::Presence(PresenceQuery::Gateway { gateway });
        QueryResponse::Presence(PresenceQueryResponse::Gateway(g)) => g;
        example "let lease = client.get_gateway(\"gw1\".into()).await?;";

    /// The characters online through a gateway, in id order.
    read list_presence_of_gateway(gateway: GatewayId) -> Vec<Presence>
        = Query::Presence(PresenceQuery::OfGateway { gateway });
        QueryResponse::Presence(PresenceQueryResponse::Presences(ps)) => ps;
        example "let online = client.list_presence_of_gateway(\"gw1\".into()).await?;";
}
