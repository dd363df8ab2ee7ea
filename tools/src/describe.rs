//! One short human line per state machine event, for `tavern scenario` (and later `tavern
//! watch`). Events of domains without a line yet are shown with `Debug`.

use tavern_statemachine::character::CharacterEvent;
use tavern_statemachine::presence::PresenceEvent;
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
        other => format!("{other:?}"),
    }
}
