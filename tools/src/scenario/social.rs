//! The social chapters of `tavern scenario`: friends and whispers, a custom channel with its
//! moderation, mail with items and COD, an arena team and a match, and what a character
//! delete takes with it.

use anyhow::{bail, Result};
use tavern_statemachine::arena::{
    ArenaCommand, ArenaQuery, ArenaQueryResponse, ArenaResponse, CreateTeam, MatchResult,
};
use tavern_statemachine::channel::{ChannelCommand, ChannelNotice, ChannelResponse};
use tavern_statemachine::mail::{
    MailCommand, MailItem, MailQuery, MailQueryResponse, MailResponse, MailResult, MailSender,
    SendMail,
};
use tavern_statemachine::presence::{PresenceCommand, PresenceEvent};
use tavern_statemachine::social::{
    FriendResult, SocialCommand, SocialQuery, SocialQueryResponse, SocialResponse,
};
use tavern_statemachine::{CharacterId, Error, Event, Query, QueryResponse, Response};

use super::{expect, login, Story, JAINA, MURADIN, NORTH, SOUTH};

pub(super) const ANTONIDAS: CharacterId = CharacterId::new(1, 5);
const CHANNEL: &str = "KirinTor";

/// Lets simulated time pass while both gateways keep renewing their leases.
fn pass_time(s: &mut Story, ms: u64) -> Result<()> {
    let mut left = ms;
    while left > 0 {
        let step = left.min(10_000);
        s.sim.advance(step);
        left -= step;
        for gateway in [NORTH, SOUTH] {
            s.ok(PresenceCommand::RenewGateway {
                gateway: gateway.into(),
            })?;
        }
    }
    Ok(())
}

pub(super) fn friends_and_whispers(s: &mut Story) -> Result<()> {
    s.chapter("Friends, ignores and whispers")?;
    let r = s.ok(SocialCommand::AddFriend {
        owner: MURADIN,
        name: "jaina".into(),
        note: "Dalaran".into(),
    })?;
    let Response::Social(SocialResponse::FriendAdded { result, friend }) = r else {
        bail!("add friend answered {r:?}")
    };
    expect(
        "add friend result",
        (result, friend.id),
        (FriendResult::AddedOnline, JAINA),
    )?;
    s.say(format!(
        "Muradin adds Jaina as a friend: {result:?} (code {:#04x}), she is online",
        result.code()
    ))?;
    s.ok(SocialCommand::AddFriend {
        owner: JAINA,
        name: "Muradin".into(),
        note: String::new(),
    })?;
    s.say("Jaina adds Muradin back")?;
    let e = s.fails(SocialCommand::AddFriend {
        owner: JAINA,
        name: "Muradin".into(),
        note: String::new(),
    })?;
    expect(
        "duplicate friend",
        e.clone(),
        Error::Friend(FriendResult::Already),
    )?;
    s.say(format!("adding him twice is refused: {e}"))?;

    // Jaina relogs: Muradin is told, through his gateway.
    s.ok(PresenceCommand::Logout {
        id: JAINA,
        gateway: SOUTH.into(),
    })?;
    s.tell_events()?;
    s.ok(login(JAINA, SOUTH, 4395))?;
    match s.sim.events.as_slice() {
        [Event::Presence(PresenceEvent::Online { notify, .. })]
            if notify
                .iter()
                .map(|n| (n.id, n.gateway.as_str()))
                .eq([(MURADIN, NORTH)]) => {}
        other => bail!("Jaina's login should notify Muradin on {NORTH}, got {other:?}"),
    }
    s.say("Jaina logs out and in again: each time Muradin is told, through his gateway")?;
    s.tell_events()?;

    let resolve = |s: &Story, from, target: &str| {
        s.sim.query(Query::Social(SocialQuery::ResolveWhisper {
            from,
            target: target.into(),
        }))
    };
    match resolve(s, MURADIN, "JAINA")? {
        QueryResponse::Social(SocialQueryResponse::Whisper(t))
            if t.id == JAINA && t.gateway == SOUTH => {}
        other => bail!("whisper to Jaina resolved to {other:?}"),
    }
    s.say(format!("Muradin whispers \"JAINA\": routed to {SOUTH}"))?;
    s.ok(SocialCommand::AddIgnore {
        owner: JAINA,
        name: "muradin".into(),
    })?;
    expect(
        "whisper while ignored",
        resolve(s, MURADIN, "Jaina").err(),
        Some(Error::PlayerNotFound),
    )?;
    s.say("Jaina ignores Muradin: his whisper now gets \"player not found\", nothing more")?;
    s.ok(SocialCommand::RemoveIgnore {
        owner: JAINA,
        ignored: MURADIN,
    })?;
    s.say("she takes the ignore back")
}

pub(super) fn a_custom_channel(s: &mut Story) -> Result<()> {
    s.chapter("A custom channel with a password and moderation")?;
    s.ok(tavern_statemachine::account::AccountCommand::Upsert {
        id: 3,
        username: "antonidas".into(),
        locale: "enUS".into(),
    })?;
    s.ok(super::create(ANTONIDAS, 3, "Antonidas", 1, 8))?;
    s.ok(login(ANTONIDAS, SOUTH, 4395))?;
    s.say("a third player, Antonidas, logs in through gw-south")?;
    let join = |id, password: &str| ChannelCommand::Join {
        id,
        name: CHANNEL.into(),
        channel_id: 0,
        password: password.into(),
    };
    let r = s.ok(join(MURADIN, ""))?;
    let Response::Channel(ChannelResponse::Joined { channel, .. }) = r else {
        bail!("join answered {r:?}")
    };
    expect("owner of the new channel", channel.owner, Some(MURADIN))?;
    s.say(format!(
        "Muradin creates channel {CHANNEL} (custom id {}) and owns it",
        channel.custom_id
    ))?;
    s.ok(ChannelCommand::SetPassword {
        by: MURADIN,
        channel: CHANNEL.into(),
        password: "violet".into(),
    })?;
    s.say("he sets a password")?;
    let e = s.fails(join(JAINA, "wrong"))?;
    expect(
        "wrong password",
        e.clone(),
        Error::Channel(ChannelNotice::WrongPassword),
    )?;
    s.say(format!("Jaina tries a wrong password: {e}"))?;
    s.ok(join(JAINA, "violet"))?;
    s.ok(join(ANTONIDAS, "violet"))?;
    s.say("Jaina and Antonidas join with the right one")?;
    s.ok(ChannelCommand::SetModerator {
        by: MURADIN,
        channel: CHANNEL.into(),
        target_name: "Jaina".into(),
    })?;
    s.say("Muradin makes Jaina a moderator")?;
    s.ok(ChannelCommand::SetMute {
        by: JAINA,
        channel: CHANNEL.into(),
        target_name: "Antonidas".into(),
    })?;
    let e = s.fails(ChannelCommand::Speak {
        id: ANTONIDAS,
        channel: CHANNEL.into(),
    })?;
    s.say(format!(
        "Jaina mutes Antonidas; his message is refused: {e}"
    ))?;
    let r = s.ok(ChannelCommand::Speak {
        id: JAINA,
        channel: CHANNEL.into(),
    })?;
    let Response::Channel(ChannelResponse::Deliver { to }) = r else {
        bail!("speak answered {r:?}")
    };
    expect("members a message reaches", to.len(), 3)?;
    s.say(format!(
        "Jaina speaks: delivered to {} members through their gateways",
        to.len()
    ))?;
    s.ok(ChannelCommand::Ban {
        by: JAINA,
        channel: CHANNEL.into(),
        target_name: "Antonidas".into(),
    })?;
    s.tell_events()?;
    let e = s.fails(join(ANTONIDAS, "violet"))?;
    expect(
        "banned join",
        e.clone(),
        Error::Channel(ChannelNotice::Banned),
    )?;
    s.say(format!("Jaina bans Antonidas; he cannot come back: {e}"))
}

fn item(guid: u32, entry: u32) -> MailItem {
    MailItem {
        guid,
        entry,
        count: 1,
        flags: 0,
        durability: 100,
        charges: 0,
        random_property_id: 0,
        property_seed: 0,
        text: String::new(),
    }
}

fn visible_mails(s: &Story, receiver: CharacterId) -> Result<Vec<u32>> {
    match s.sim.query(Query::Mail(MailQuery::List { receiver }))? {
        QueryResponse::Mail(MailQueryResponse::List { mails, .. }) => {
            Ok(mails.iter().map(|m| m.mail.id).collect())
        }
        other => bail!("mail list answered {other:?}"),
    }
}

pub(super) fn mail_with_cod(s: &mut Story) -> Result<()> {
    s.chapter("Mail with items and cash on delivery")?;
    let send = SendMail {
        sender: MailSender::Player(MURADIN),
        receiver: JAINA,
        subject: "Two runeblades".into(),
        body: "Pay on delivery.".into(),
        money: 0,
        cod: 5_000,
        items: vec![item(9001, 36942), item(9002, 36942)],
        stationery: 41,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    };
    let r = s.ok(MailCommand::Send(send))?;
    let Response::Mail(MailResponse::Sent {
        mail,
        postage,
        cost,
        deliver_ms,
        ..
    }) = r
    else {
        bail!("send answered {r:?}")
    };
    expect("postage and cost", (postage, cost), (60, 60))?;
    s.say(format!(
        "Muradin mails Jaina 2 items, COD 50 silver: mail {mail}, he pays {cost} copper postage"
    ))?;
    expect("visible before delivery", visible_mails(s, JAINA)?, vec![])?;
    s.say(format!(
        "items to another account arrive after the delivery delay ({} min)",
        (deliver_ms - s.sim.now_ms) / 60_000
    ))?;
    pass_time(s, deliver_ms - s.sim.now_ms)?;
    expect(
        "visible after delivery",
        visible_mails(s, JAINA)?,
        vec![mail],
    )?;
    s.say("an hour later the mail is in Jaina's mailbox")?;

    let take = MailCommand::TakeItem {
        player: JAINA,
        mail,
        item_guid: 9001,
    };
    let r = s.ok(take.clone())?;
    let Response::Mail(MailResponse::ItemTaken {
        cod_paid,
        cod_payment_mail: Some(payment),
        ..
    }) = r
    else {
        bail!("take item answered {r:?}")
    };
    expect("COD paid", cod_paid, 5_000)?;
    s.say(format!("Jaina takes the first item and pays the COD ({cod_paid} copper); payment mail {payment} goes to Muradin"))?;
    s.tell_events()?;
    let e = s.fails(take)?;
    s.say(format!("taking the same item again is refused: {e}"))?;
    let r = s.ok(MailCommand::TakeItem {
        player: JAINA,
        mail,
        item_guid: 9002,
    })?;
    let Response::Mail(MailResponse::ItemTaken { cod_paid: 0, .. }) = r else {
        bail!("second item answered {r:?}")
    };
    s.say("the second item comes without paying again")?;

    expect(
        "Muradin's mailbox",
        visible_mails(s, MURADIN)?,
        vec![payment],
    )?;
    let r = s.ok(MailCommand::TakeMoney {
        player: MURADIN,
        mail: payment,
    })?;
    expect(
        "money taken",
        r,
        Response::Mail(MailResponse::MoneyTaken {
            mail: payment,
            money: 5_000,
        }),
    )?;
    s.say("Muradin takes the 5000 copper from the payment mail")?;
    let e = s.fails(MailCommand::TakeMoney {
        player: MURADIN,
        mail: payment,
    })?;
    expect(
        "second take",
        e.clone(),
        Error::Mail(MailResult::InternalError),
    )?;
    s.say(format!(
        "a second take (a retry from another gateway) gets nothing: {e}"
    ))
}

pub(super) fn an_arena_team(s: &mut Story) -> Result<()> {
    s.chapter("An arena team and a rated match")?;
    let create = |captain, name: &str| {
        ArenaCommand::Create(CreateTeam {
            realm: 1,
            captain,
            name: name.into(),
            arena_type: 2,
            emblem: Default::default(),
        })
    };
    let Response::Arena(ArenaResponse::Created { team_id: guard }) =
        s.ok(create(MURADIN, "Violet Guard"))?
    else {
        bail!("create did not answer Created")
    };
    let Response::Arena(ArenaResponse::Created { team_id: rivals }) =
        s.ok(create(ANTONIDAS, "Dalaran Elite"))?
    else {
        bail!("create did not answer Created")
    };
    s.say(format!(
        "Muradin founds 2v2 team {guard} \"Violet Guard\", Antonidas team {rivals}"
    ))?;
    s.ok(ArenaCommand::Invite {
        inviter: MURADIN,
        team: guard,
        target_name: "Jaina".into(),
    })?;
    s.tell_events()?;
    s.ok(ArenaCommand::Accept { id: JAINA })?;
    s.say("Muradin invites Jaina; she accepts")?;
    let result = MatchResult {
        realm: 1,
        match_id: 77,
        winner: guard,
        loser: rivals,
        winner_participants: vec![MURADIN, JAINA],
        loser_participants: vec![ANTONIDAS],
    };
    let first = s.ok(ArenaCommand::ApplyMatchResult(result.clone()))?;
    let Response::Arena(ArenaResponse::MatchApplied(outcome)) = first else {
        bail!("match answered {first:?}")
    };
    s.say(format!(
        "match 77: Violet Guard beats Dalaran Elite; team rating {} -> {}, their matchmaker rating {} -> {}",
        outcome.winner.old_rating,
        outcome.winner.new_rating,
        outcome.loser.matchmaker_rating,
        i64::from(outcome.loser.matchmaker_rating) + i64::from(outcome.loser.matchmaker_change)
    ))?;
    let again = s.ok(ArenaCommand::ApplyMatchResult(result))?;
    expect(
        "the same match again",
        again,
        Response::Arena(ArenaResponse::MatchAlreadyApplied(outcome)),
    )?;
    s.say("the worldserver reports match 77 again: already applied, ratings unchanged")?;
    // The story goes on with both gateways' leases fresh.
    pass_time(s, 1)
}

/// After Muradin's delete: his friendships, captaincy and channel ownership are gone.
pub(super) fn what_the_delete_took(s: &mut Story) -> Result<()> {
    s.chapter("What Muradin's delete took with it")?;
    let QueryResponse::Social(SocialQueryResponse::FriendList { friends, .. }) = s
        .sim
        .query(Query::Social(SocialQuery::FriendList { owner: JAINA }))?
    else {
        bail!("friend list query answered something else")
    };
    expect("Jaina's friends", friends.len(), 0)?;
    s.say("Jaina's friend list no longer holds Muradin")?;
    let QueryResponse::Arena(ArenaQueryResponse::TeamsOf(teams)) = s
        .sim
        .query(Query::Arena(ArenaQuery::TeamsOf { id: JAINA }))?
    else {
        bail!("teams query answered something else")
    };
    let captain = teams.iter().map(|t| t.team.captain).next();
    expect("captain of Violet Guard", captain, Some(JAINA))?;
    s.say("Jaina is now captain of Violet Guard")
}
