//! `tavern demo`: the story of issue 4 told through `tavern-gateway` against a real cluster,
//! printed so a reader can follow it.
//!
//! ```text
//!  cluster: three `tavern serve` processes it starts itself (demo/procs.rs), or --endpoints
//!  1 the world        realm, accounts, characters; two gateways, three logins
//!  2 friends          Arthas and Jaina befriend each other and see each other online
//!  3 a channel        password, a moderator, a mute, a ban
//!  ── the leader's process is SIGKILLed; the client finds the new leader by itself ──
//!  4 mail             an item with cash on delivery, taken once; the payment mail arrives
//!  5 arena            a team created and joined; a match reported twice, applied once
//!  6 the reckoning    everything written before and after the kill, read back once
//! ```
//! With `--endpoints` the cluster is not the demo's: nothing is killed, and the story runs on
//! a realm of its own (numbered from the clock) so it can be run again on the same cluster.
//!
//! Each gateway watches the events that name it (`Client::watch`, `demo/watcher.rs`) from
//! the end of chapter 1 on: the friends' online events, the COD payment mail after the kill,
//! and at the end each stream's count, its indexes only ever going up across the failover.

mod procs;
mod watcher;

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use tavern_gateway::prelude::*;
use tavern_statemachine::arena::{CreateTeam, Emblem, MatchResult};
use tavern_statemachine::mail::MailEvent;
use tavern_statemachine::mail::{MailItem, MailResponse, MailSender, SendMail};
use tavern_statemachine::presence::{Login, PresenceEvent};
use tavern_statemachine::realm::Realm;
use tavern_statemachine::Event;
use tavern_statemachine::{AccountId, CharacterId, RealmId, Team};

use procs::Procs;
use watcher::Watcher;

/// Exit code of a story that could not be told to the end.
pub const EXIT_FAILED: u8 = 1;
/// How long the demo waits for its cluster to elect a leader, and for one call.
const CALL_DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Tell the story to this running cluster (client addresses, comma-separated) instead of
    /// starting one; nothing is killed then.
    #[arg(long, value_name = "HOST:PORT,...", value_delimiter = ',')]
    endpoints: Vec<String>,
}

/// Runs the demo; answers its exit code.
pub fn run(
    args: &DemoArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<ExitCode> {
    crate::node::init_logging("error");
    let outcome = crate::node::runtime().and_then(|rt| rt.block_on(demo(args, out)));
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            writeln!(err, "tavern demo: {e:#}")?;
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

/// The cast, on the story's realm `r`.
struct Cast {
    realm: RealmId,
    arthas: CharacterId,
    jaina: CharacterId,
    uther: CharacterId,
    /// Arthas's alt (same account): mail between them is delivered at once.
    falric: CharacterId,
    /// Accounts of Arthas (and Falric), Jaina, Uther.
    accounts: [AccountId; 3],
    north: String,
    south: String,
}

impl Cast {
    fn on(realm: RealmId) -> Cast {
        let c = |low| CharacterId::new(realm, low);
        let base = realm.saturating_mul(10);
        Cast {
            realm,
            arthas: c(1),
            jaina: c(2),
            uther: c(3),
            falric: c(4),
            accounts: [base + 1, base + 2, base + 3],
            north: format!("gw-north-{realm}"),
            south: format!("gw-south-{realm}"),
        }
    }

    fn name_of(&self, id: CharacterId) -> &'static str {
        match id {
            i if i == self.arthas => "Arthas",
            i if i == self.jaina => "Jaina",
            i if i == self.uther => "Uther",
            i if i == self.falric => "Falric",
            _ => "someone else",
        }
    }

    fn login(&self, id: CharacterId, gateway: &str) -> Login {
        Login {
            id,
            gateway: gateway.into(),
            zone: 4395,
            area: 4395,
            map: 571,
            level: 80,
            guild_id: 0,
            worldserver: None,
        }
    }
}

/// Prints the story as it goes.
struct Teller<'a, W: Write> {
    out: &'a mut W,
}

impl<W: Write> Teller<'_, W> {
    fn chapter(&mut self, title: &str) -> anyhow::Result<()> {
        writeln!(self.out, "\n== {title}")?;
        Ok(())
    }

    fn say(&mut self, line: impl AsRef<str>) -> anyhow::Result<()> {
        writeln!(self.out, "   {}", line.as_ref())?;
        self.out.flush()?;
        Ok(())
    }
}

/// A refusal the story expects; its absence ends the demo.
fn refused<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) -> anyhow::Result<Error> {
    match r {
        Ok(v) => bail!("{what} should have been refused, it answered {v:?}"),
        Err(e) => Ok(e),
    }
}

fn client_options() -> ClientOptions {
    ClientOptions {
        attempt_timeout: Duration::from_secs(2),
        call_deadline: CALL_DEADLINE,
        retries_max: 200,
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(300),
        ..ClientOptions::default()
    }
}

async fn demo(args: &DemoArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let mut t = Teller { out };
    let (mut procs, endpoints, realm) = if args.endpoints.is_empty() {
        let procs = Procs::start()?;
        let endpoints = procs.endpoints();
        t.say(format!(
            "tavern demo: three `tavern serve` processes on {} (logs in {})",
            endpoints.join(", "),
            procs.dir().display()
        ))?;
        (Some(procs), endpoints, 1)
    } else {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // A realm of its own on a cluster that may hold earlier runs.
        let realm = u32::try_from(secs % 100_000).unwrap_or(0) + 2;
        t.say(format!(
            "tavern demo: the cluster at {} (realm {realm})",
            args.endpoints.join(", ")
        ))?;
        (None, args.endpoints.clone(), realm)
    };
    let client = Client::connect(&endpoints, client_options()).context("the client")?;
    let cast = Cast::on(realm);

    world(&client, &cast, &mut t).await?;
    // Each gateway is a client of its own, watching the events that name it from here on.
    let from = client
        .read(tavern_statemachine::Query::Realm(
            tavern_statemachine::realm::RealmQuery::List,
        ))
        .await
        .context("the index to watch from")?
        .applied_index
        + 1;
    let mut south_endpoints = endpoints.clone();
    south_endpoints.reverse();
    let north_client = Client::connect(&endpoints, client_options()).context("gw-north")?;
    let south_client = Client::connect(&south_endpoints, client_options()).context("gw-south")?;
    let mut watchers = [
        Watcher::start(&north_client, &cast.north, from),
        Watcher::start(&south_client, &cast.south, from),
    ];
    t.say(format!(
        "{} and {} watch the events naming them, from log index {from} on",
        cast.north, cast.south
    ))?;
    renew(&client, &cast).await?;
    friends(&client, &cast, &mut t, &mut watchers).await?;
    renew(&client, &cast).await?;
    channel(&client, &cast, &mut t).await?;
    match procs.as_mut() {
        Some(procs) => kill_the_leader(&client, procs, &cast, &mut t).await?,
        None => {
            t.chapter("The leader is not killed: this cluster is not the demo's own")?;
        }
    }
    renew(&client, &cast).await?;
    mail(&client, &cast, &mut t, &mut watchers[0]).await?;
    renew(&client, &cast).await?;
    arena(&client, &cast, &mut t).await?;
    renew(&client, &cast).await?;
    reckoning(&client, &cast, &mut t).await?;
    for w in &watchers {
        let (events, last) = w.summary()?;
        t.say(format!(
            "{}'s stream: {events} events in log order up to index {last}, across the kill, none twice",
            w.gateway
        ))?;
    }
    t.say("\nThe end.")?;
    drop(procs);
    Ok(())
}

/// The gateways renew their leases, as live gateways do between their other calls.
async fn renew(api: &Client, c: &Cast) -> anyhow::Result<()> {
    for g in [&c.north, &c.south] {
        api.renew_gateway(g.clone())
            .await
            .with_context(|| format!("renewing {g}"))?;
    }
    Ok(())
}

async fn world<W: Write>(api: &Client, c: &Cast, t: &mut Teller<'_, W>) -> anyhow::Result<()> {
    t.chapter("1. The world: a realm, three accounts, four characters, two gateways")?;
    let started = Instant::now();
    api.upsert_realm(Realm {
        id: c.realm,
        name: format!("Lordaeron-{}", c.realm),
        cross_realm: false,
    })
    .await
    .context("the realm")?;
    let leader = api.leader().unwrap_or_default();
    t.say(format!(
        "realm {} registered (the client found the leader, {leader}, in {} ms)",
        c.realm,
        started.elapsed().as_millis()
    ))?;
    for (account, name) in c.accounts.iter().zip(["arthas", "jaina", "uther"]) {
        api.upsert_account(*account, format!("{name}{}", c.realm), "enUS".into())
            .await
            .context("an account")?;
    }
    for (id, account, name) in [
        (c.arthas, c.accounts[0], "arthas"),
        (c.jaina, c.accounts[1], "JAINA"),
        (c.uther, c.accounts[2], "uther"),
        (c.falric, c.accounts[0], "falric"),
    ] {
        let new = NewCharacter {
            id,
            account,
            name: name.into(),
            race: 1,
            class: 2,
            gender: 0,
            level: 80,
        };
        let stored = api.create_character(new).await.context("a character")?;
        t.say(format!(
            "character {name:?} created as {stored:?} on account {account}"
        ))?;
    }
    for g in [&c.north, &c.south] {
        let until = api
            .register_gateway(g.clone(), c.realm)
            .await
            .context("a gateway")?;
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        t.say(format!(
            "gateway {g} registered: its lease runs {} s, renewed at every chapter",
            until.saturating_sub(now_ms) / 1_000
        ))?;
    }
    for (id, g, who) in [
        (c.arthas, &c.north, "Arthas"),
        (c.uther, &c.north, "Uther"),
        (c.jaina, &c.south, "Jaina"),
    ] {
        api.login(c.login(id, g)).await.context("a login")?;
        t.say(format!("{who} logs in through {g}"))?;
    }
    Ok(())
}

async fn friends<W: Write>(
    api: &Client,
    c: &Cast,
    t: &mut Teller<'_, W>,
    streams: &mut [Watcher; 2],
) -> anyhow::Result<()> {
    t.chapter("2. Friends")?;
    let (result, jaina) = api
        .add_friend(c.arthas, "Jaina".into(), "Dalaran".into())
        .await
        .context("Arthas adds Jaina")?;
    t.say(format!(
        "Arthas adds Jaina: {result:?} (status {}, level {})",
        jaina.status, jaina.level
    ))?;
    let (result, _) = api
        .add_friend(c.jaina, "Arthas".into(), String::new())
        .await
        .context("Jaina adds Arthas")?;
    t.say(format!("Jaina adds Arthas: {result:?}"))?;
    for (who, id) in [("Arthas", c.arthas), ("Jaina", c.jaina)] {
        let (friends, _) = api.get_friend_list(id).await.context("a friend list")?;
        for f in friends {
            let online = if f.status != 0 { "online" } else { "offline" };
            t.say(format!(
                "{who}'s friend list: {} is {online} (zone {})",
                f.name, f.area
            ))?;
        }
    }
    let watchers = api
        .list_who_has_as_friend(c.jaina, None, 10)
        .await
        .context("who to tell")?;
    let names: Vec<String> = watchers
        .0
        .iter()
        .map(|id| c.name_of(*id).to_string())
        .collect();
    t.say(format!(
        "when Jaina logs in or out, her gateway's event goes to: {}",
        names.join(", ")
    ))?;
    // Each relogs; the other's gateway receives the online event, naming whom to tell.
    let [north, south] = streams;
    for (who, id, gateway, friend, friend_gateway, watcher) in [
        ("Jaina", c.jaina, &c.south, c.arthas, &c.north, north),
        ("Arthas", c.arthas, &c.north, c.jaina, &c.south, south),
    ] {
        api.logout(id, gateway.clone()).await.context("a logout")?;
        api.login(c.login(id, gateway)).await.context("a login")?;
        t.say(format!("{who} logs out and in again through {gateway}"))?;
        let (index, event) = watcher
            .expect(&format!("{who}'s online event"), |e| {
                matches!(e, Event::Presence(PresenceEvent::Online { presence, notify })
                    if presence.id == id
                        && notify.iter().any(|n| n.id == friend && &n.gateway == friend_gateway))
            })
            .await?;
        t.say(format!(
            "  {friend_gateway} receives (index {index}): {} -> it tells {}",
            crate::describe::describe(&event),
            c.name_of(friend)
        ))?;
    }
    Ok(())
}

async fn channel<W: Write>(api: &Client, c: &Cast, t: &mut Teller<'_, W>) -> anyhow::Result<()> {
    t.chapter("3. A custom channel: a password, a moderator, a mute, a ban")?;
    let scourge = || "Scourge".to_string();
    let joined = api
        .join_channel(c.arthas, scourge(), 0, String::new())
        .await
        .context("Arthas creates the channel")?;
    t.say(format!(
        "Arthas creates channel {:?} (custom id {}) and owns it",
        joined.channel.name, joined.channel.custom_id
    ))?;
    api.set_channel_password(c.arthas, scourge(), "frostmourne".into())
        .await
        .context("the password")?;
    t.say("Arthas sets the password \"frostmourne\"")?;
    let wrong = refused(
        api.join_channel(c.jaina, scourge(), 0, "lordaeron".into())
            .await,
        "a wrong password",
    )?;
    t.say(format!("Jaina tries \"lordaeron\": refused, {wrong}"))?;
    for (who, id) in [("Jaina", c.jaina), ("Uther", c.uther)] {
        let j = api
            .join_channel(id, scourge(), 0, "frostmourne".into())
            .await
            .context("a join")?;
        t.say(format!(
            "{who} joins with the password: {} members",
            j.channel.members
        ))?;
    }
    api.set_channel_moderator(c.arthas, scourge(), "Jaina".into())
        .await
        .context("the moderator")?;
    t.say("Arthas makes Jaina a moderator")?;
    api.set_channel_mute(c.jaina, scourge(), "Uther".into())
        .await
        .context("the mute")?;
    let muted = refused(
        api.speak_in_channel(c.uther, scourge()).await,
        "a muted speaker",
    )?;
    t.say(format!("Jaina mutes Uther; Uther speaks: refused, {muted}"))?;
    api.ban_from_channel(c.jaina, scourge(), "Uther".into())
        .await
        .context("the ban")?;
    let back = refused(
        api.join_channel(c.uther, scourge(), 0, "frostmourne".into())
            .await,
        "a banned joiner",
    )?;
    t.say(format!(
        "Jaina bans Uther; he tries to come back: refused, {back}"
    ))?;
    let roster = api
        .list_channel_members(c.realm, Team::Alliance, scourge())
        .await
        .context("the roster")?;
    let names: Vec<String> = roster.into_iter().map(|m| m.name).collect();
    t.say(format!("members now: {}", names.join(", ")))?;
    Ok(())
}

async fn kill_the_leader<W: Write>(
    api: &Client,
    procs: &mut Procs,
    c: &Cast,
    t: &mut Teller<'_, W>,
) -> anyhow::Result<()> {
    let leader_uri = api.leader().context("the client knows no leader")?;
    let leader = procs
        .node_at(&leader_uri)
        .with_context(|| format!("the leader {leader_uri} is none of the demo's nodes"))?;
    t.chapter(&format!(
        "-- SIGKILL: the leader, node {leader} ({leader_uri}), dies mid-story"
    ))?;
    let pid = procs.kill(leader)?;
    t.say(format!(
        "process {pid} killed; the story goes on with the same client"
    ))?;
    let started = Instant::now();
    api.set_away_status(c.arthas, true, false)
        .await
        .context("the first write after the kill")?;
    let new = api.leader().unwrap_or_default();
    t.say(format!(
        "Arthas goes AFK: written on the new leader {new} after {} ms (election and retries, by the client itself)",
        started.elapsed().as_millis()
    ))?;
    api.set_away_status(c.arthas, false, false)
        .await
        .context("back")?;
    Ok(())
}

fn frostmourne(guid: u32) -> MailItem {
    MailItem {
        guid,
        entry: 36942,
        count: 1,
        flags: 0,
        durability: 120,
        charges: 0,
        random_property_id: 0,
        property_seed: 0,
        text: String::new(),
    }
}

async fn mail<W: Write>(
    api: &Client,
    c: &Cast,
    t: &mut Teller<'_, W>,
    north: &mut Watcher,
) -> anyhow::Result<()> {
    t.chapter("4. Mail: an item with cash on delivery")?;
    let sent = api
        .send_mail(SendMail {
            sender: MailSender::Player(c.arthas),
            receiver: c.falric,
            subject: "Frostmourne".into(),
            body: "Pay on delivery.".into(),
            money: 0,
            cod: 5_000_000,
            items: vec![frostmourne(90_001)],
            stationery: 41,
            template_id: 0,
            expire_override_ms: None,
            deliver_delay_ms: None,
        })
        .await
        .context("the COD mail")?;
    let MailResponse::Sent { mail, postage, .. } = sent else {
        bail!("a send answered {sent:?}");
    };
    t.say(format!(
        "Arthas mails Frostmourne to his alt Falric, 500 gold COD: mail {mail}, postage {postage} copper"
    ))?;
    let taken = api
        .take_mail_item(c.falric, mail, 90_001)
        .await
        .context("the take")?;
    let MailResponse::ItemTaken {
        cod_paid,
        cod_payment_mail,
        ..
    } = taken
    else {
        bail!("a take answered {taken:?}");
    };
    let payment = cod_payment_mail.map_or("none".to_string(), |m| m.to_string());
    t.say(format!(
        "Falric takes it and pays {} gold; the payment goes to Arthas as mail {payment}",
        cod_paid / 10_000
    ))?;
    if let Some(payment) = cod_payment_mail {
        let (index, event) = north
            .expect("the payment mail's event", |e| {
                matches!(e, Event::Mail(MailEvent::Incoming { receiver, mail, .. })
                    if *receiver == c.arthas && *mail == payment)
            })
            .await?;
        t.say(format!(
            "  {} receives (index {index}, after the kill; a stream on a dead node resumes on another): {}",
            north.gateway,
            crate::describe::describe(&event)
        ))?;
    }
    let again = refused(
        api.take_mail_item(c.falric, mail, 90_001).await,
        "a second take",
    )?;
    t.say(format!("Falric takes it again: refused, {again}"))?;
    let (mails, _) = api.list_mails(c.arthas).await.context("Arthas's mailbox")?;
    for m in &mails {
        t.say(format!(
            "Arthas's mailbox: mail {} {:?} with {} gold",
            m.mail.id,
            m.mail.subject,
            m.mail.money / 10_000
        ))?;
    }
    if let Some(payment) = cod_payment_mail {
        let money = api
            .take_mail_money(c.arthas, payment)
            .await
            .context("the payment")?;
        t.say(format!("Arthas takes {} gold, once", money / 10_000))?;
    }
    Ok(())
}

async fn arena<W: Write>(api: &Client, c: &Cast, t: &mut Teller<'_, W>) -> anyhow::Result<()> {
    t.chapter("5. Arena: a team, an invite, a match")?;
    let team = |captain, name: &str| CreateTeam {
        realm: c.realm,
        captain,
        name: name.into(),
        arena_type: 2,
        emblem: Emblem::default(),
    };
    let throne = api
        .create_arena_team(team(c.arthas, "Frozen Throne"))
        .await
        .context("a team")?;
    api.invite_to_arena_team(c.arthas, throne, "Jaina".into())
        .await
        .context("the invite")?;
    let joined = api
        .accept_arena_team_invite(c.jaina)
        .await
        .context("the accept")?;
    t.say(format!(
        "Arthas creates 2v2 team \"Frozen Throne\" ({throne}); Jaina accepts his invite and joins {joined}"
    ))?;
    let hand = api
        .create_arena_team(team(c.uther, "Silver Hand"))
        .await
        .context("a team")?;
    t.say(format!("Uther creates \"Silver Hand\" ({hand})"))?;
    let result = MatchResult {
        realm: c.realm,
        match_id: 1,
        winner: throne,
        loser: hand,
        winner_participants: vec![c.arthas, c.jaina],
        loser_participants: vec![c.uther],
    };
    let (outcome, applied) = api
        .apply_arena_match_result(result.clone())
        .await
        .context("the match")?;
    t.say(format!(
        "match 1: Frozen Throne {} -> {}, Silver Hand {} -> {} (applied: {applied})",
        outcome.winner.old_rating,
        outcome.winner.new_rating,
        outcome.loser.old_rating,
        outcome.loser.new_rating
    ))?;
    let (_, applied) = api
        .apply_arena_match_result(result)
        .await
        .context("the match again")?;
    t.say(format!(
        "the worldserver reports match 1 again: applied {applied}, nothing changes"
    ))?;
    Ok(())
}

async fn reckoning<W: Write>(api: &Client, c: &Cast, t: &mut Teller<'_, W>) -> anyhow::Result<()> {
    t.chapter("6. The reckoning: nothing lost, nothing applied twice")?;
    for id in [c.arthas, c.jaina, c.uther, c.falric] {
        let name = api
            .get_character(id)
            .await?
            .map(|ch| ch.name)
            .context("a character written before the kill is gone")?;
        t.say(format!("character {name} is there"))?;
    }
    let (friends, _) = api.get_friend_list(c.arthas).await?;
    if friends.iter().all(|f| f.id != c.jaina) {
        bail!("Arthas's friendship with Jaina was lost");
    }
    t.say("Arthas still has Jaina as a friend")?;
    let bans = api
        .list_channel_bans(c.realm, Team::Alliance, "Scourge".into())
        .await?;
    if bans.iter().map(|b| b.id).collect::<Vec<_>>() != [c.uther] {
        bail!("the channel bans are {bans:?}");
    }
    t.say("the Scourge channel still bans Uther")?;
    let (_, falric) = api.list_mails(c.falric).await?;
    let (_, arthas) = api.list_mails(c.arthas).await?;
    if (falric, arthas) != (1, 1) {
        bail!("mailboxes hold {falric} (Falric) and {arthas} (Arthas) mails, not one each");
    }
    t.say("one COD mail (taken) for Falric, one payment mail for Arthas: each sent once")?;
    let team = api
        .get_arena_team_by_name(c.realm, "Frozen Throne".into())
        .await?
        .context("the team")?;
    if team.week_games != 1 {
        bail!("the team played {} games, not 1", team.week_games);
    }
    t.say(format!(
        "Frozen Throne: rating {}, one game this week though reported twice",
        team.rating
    ))?;
    Ok(())
}
