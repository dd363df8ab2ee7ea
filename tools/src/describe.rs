//! One short human line per state machine event, for `tavern scenario` (and later `tavern
//! watch`). Events without a line of their own are shown with `Debug`.

use tavern_statemachine::arena::ArenaEvent;
use tavern_statemachine::channel::ChannelEvent;
use tavern_statemachine::character::CharacterEvent;
use tavern_statemachine::mail::MailEvent;
use tavern_statemachine::presence::PresenceEvent;
use tavern_statemachine::social::SocialEvent;
use tavern_statemachine::Event;

/// One short line per event.
pub fn describe(e: &Event) -> String {
    match e {
        Event::Presence(PresenceEvent::Online {
            presence: p,
            notify,
        }) => format!(
            "{} ({}) online via {} in zone {}, {} friend(s) told",
            p.name,
            p.id,
            p.gateway,
            p.zone,
            notify.len()
        ),
        Event::Presence(PresenceEvent::Offline {
            id,
            name,
            gateway,
            reason,
            notify,
            ..
        }) => format!(
            "{name} ({id}) offline from {gateway}, reason {reason:?}, {} friend(s) told",
            notify.len()
        ),
        Event::Presence(PresenceEvent::Status { id, status, notify }) => {
            format!("{id} status {status}, {} friend(s) told", notify.len())
        }
        Event::Presence(PresenceEvent::Moved {
            id,
            level,
            zone,
            area,
            map,
        }) => format!("{id} moved: level {level}, zone {zone}, area {area}, map {map}"),
        Event::Presence(PresenceEvent::GatewayRegistered { gateway, realm }) => {
            format!("gateway {gateway} registered for realm {realm}")
        }
        Event::Presence(PresenceEvent::GatewayLost {
            gateway,
            characters,
        }) => format!("gateway {gateway} lost with {characters} character(s)"),
        Event::Character(CharacterEvent::Created { id, account, name }) => {
            format!("{name} ({id}) created on account {account}")
        }
        Event::Character(CharacterEvent::Renamed {
            id,
            old_name,
            new_name,
        }) => format!("{old_name} ({id}) renamed to {new_name}"),
        Event::Character(CharacterEvent::Deleted { id, account, name }) => {
            format!("{name} ({id}) of account {account} deleted")
        }
        Event::Social(e) => social(e),
        Event::Channel(e) => channel(e),
        Event::Mail(e) => mail(e),
        Event::Arena(e) => arena(e),
    }
}

fn social(e: &SocialEvent) -> String {
    match e {
        SocialEvent::FriendAdded {
            owner,
            friend,
            name,
            ..
        } => {
            format!("{owner} added {name} ({friend}) as a friend")
        }
        SocialEvent::FriendRemoved { owner, friend, .. } => {
            format!("{owner} no longer has {friend} as a friend")
        }
        SocialEvent::IgnoreAdded { owner, ignored, .. } => format!("{owner} ignores {ignored}"),
        SocialEvent::IgnoreRemoved { owner, ignored, .. } => {
            format!("{owner} no longer ignores {ignored}")
        }
        other => format!("{other:?}"),
    }
}

fn channel(e: &ChannelEvent) -> String {
    match e {
        ChannelEvent::Joined {
            channel,
            name,
            gateway,
            ..
        } => {
            format!("{name} joined channel {} (via {gateway})", channel.name)
        }
        ChannelEvent::Left {
            channel,
            name,
            reason,
            ..
        } => {
            format!("{name} left channel {}, reason {reason:?}", channel.name)
        }
        ChannelEvent::OwnerChanged { channel, old, new } => format!(
            "channel {} owner {} -> {}",
            channel.name,
            old.map_or("none".into(), |c| c.to_string()),
            new.map_or("none".into(), |c| c.to_string())
        ),
        ChannelEvent::Notify {
            channel,
            notice,
            target,
            ..
        } => format!(
            "channel {} notice {notice:?} (code {:#04x}) about {}",
            channel.name,
            notice.code(),
            target.map_or("nobody".into(), |c| c.to_string())
        ),
        other => format!("{other:?}"),
    }
}

fn mail(e: &MailEvent) -> String {
    match e {
        MailEvent::Incoming { receiver, mail, gateway, .. } => format!(
            "mail {mail} for {receiver}, told through {}",
            gateway.as_deref().unwrap_or("nobody (offline)")
        ),
        MailEvent::CodPaid { mail, payer, seller, amount, payment_mail } => format!(
            "{payer} paid {amount} copper COD for mail {mail}; mail {payment_mail} carries it to {seller}"
        ),
        MailEvent::ItemTaken { mail, receiver, item, .. } => {
            format!("{receiver} took item {} from mail {mail}", item.guid)
        }
        MailEvent::MoneyTaken { mail, receiver, money } => {
            format!("{receiver} took {money} copper from mail {mail}")
        }
        MailEvent::Deleted { mail, money, items, reason, .. } => format!(
            "mail {mail} deleted ({reason:?}) with {money} copper and {} item(s)",
            items.len()
        ),
        MailEvent::Returned { mail, to, .. } => format!("mail {mail} returned to {to}"),
    }
}

fn arena(e: &ArenaEvent) -> String {
    match e {
        ArenaEvent::Invited {
            team_name,
            inviter_name,
            target,
            target_gateway,
            ..
        } => {
            format!("{inviter_name} invited {target} to {team_name} (told via {target_gateway})")
        }
        ArenaEvent::Joined {
            team_name, name, ..
        } => format!("{name} joined {team_name}"),
        ArenaEvent::Left {
            team_name,
            name,
            reason,
            ..
        } => {
            format!("{name} left {team_name}, reason {reason:?}")
        }
        ArenaEvent::CaptainChanged {
            team_name,
            new_captain_name,
            ..
        } => {
            format!("{new_captain_name} is now captain of {team_name}")
        }
        ArenaEvent::MatchApplied { outcome, .. } => format!(
            "match {} applied: team {} {} -> {}, team {} {} -> {}",
            outcome.match_id,
            outcome.winner.team_id,
            outcome.winner.old_rating,
            outcome.winner.new_rating,
            outcome.loser.team_id,
            outcome.loser.old_rating,
            outcome.loser.new_rating
        ),
        other => format!("{other:?}"),
    }
}
