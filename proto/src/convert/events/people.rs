//! Events of characters, presence and the social lists.

use tavern_statemachine::character::CharacterEvent;
use tavern_statemachine::presence::{OfflineReason, Presence, PresenceEvent};
use tavern_statemachine::social::{AccountSide, SocialEvent};

use super::super::presence::gateway_id;
use super::super::social::{account_friend_state, note};
use super::super::{byte, character_id, nested, ConvertError};
use super::{gateway, name, opt_gateway, recipients, recipients_to_wire, wire_enum};
use crate::pb;
use crate::pb::character_event as ce;
use crate::pb::presence_event as pe;
use crate::pb::social_event as se;

wire_enum!(offline_reason: OfflineReason => OfflineReason, "OfflineReason (1 to 3)", {
    Logout => Logout,
    Kicked => Kicked,
    GatewayLost => GatewayLost,
});

impl From<CharacterEvent> for pb::CharacterEvent {
    fn from(e: CharacterEvent) -> Self {
        let event = match e {
            CharacterEvent::Created { id, account, name } => ce::Event::Created(ce::Created {
                id: Some(id.into()),
                account,
                name,
            }),
            CharacterEvent::Renamed {
                id,
                old_name,
                new_name,
            } => ce::Event::Renamed(ce::Renamed {
                id: Some(id.into()),
                old_name,
                new_name,
            }),
            CharacterEvent::Deleted { id, account, name } => ce::Event::Deleted(ce::Deleted {
                id: Some(id.into()),
                account,
                name,
            }),
        };
        pb::CharacterEvent { event: Some(event) }
    }
}

impl TryFrom<pb::CharacterEvent> for CharacterEvent {
    type Error = ConvertError;

    fn try_from(e: pb::CharacterEvent) -> Result<Self, ConvertError> {
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("character"))? {
                ce::Event::Created(e) => CharacterEvent::Created {
                    id: character_id("created.id", e.id)?,
                    account: e.account,
                    name: name("created.name", e.name)?,
                },
                ce::Event::Renamed(e) => CharacterEvent::Renamed {
                    id: character_id("renamed.id", e.id)?,
                    old_name: name("renamed.old_name", e.old_name)?,
                    new_name: name("renamed.new_name", e.new_name)?,
                },
                ce::Event::Deleted(e) => CharacterEvent::Deleted {
                    id: character_id("deleted.id", e.id)?,
                    account: e.account,
                    name: name("deleted.name", e.name)?,
                },
            },
        )
    }
}

impl From<PresenceEvent> for pb::PresenceEvent {
    fn from(e: PresenceEvent) -> Self {
        let event = match e {
            PresenceEvent::Online { presence, notify } => pe::Event::Online(pe::Online {
                presence: Some(presence.into()),
                notify: recipients_to_wire(notify),
            }),
            PresenceEvent::Offline {
                id,
                account,
                gateway,
                name,
                reason,
                notify,
            } => pe::Event::Offline(pe::Offline {
                id: Some(id.into()),
                account,
                gateway,
                name,
                reason: pb::OfflineReason::from(reason).into(),
                notify: recipients_to_wire(notify),
            }),
            PresenceEvent::Status { id, status, notify } => pe::Event::Status(pe::Status {
                id: Some(id.into()),
                status: status.into(),
                notify: recipients_to_wire(notify),
            }),
            PresenceEvent::Moved {
                id,
                level,
                zone,
                area,
                map,
            } => pe::Event::Moved(pe::Moved {
                id: Some(id.into()),
                level: level.into(),
                zone,
                area,
                map,
            }),
            PresenceEvent::GatewayRegistered { gateway, realm } => {
                pe::Event::GatewayRegistered(pe::GatewayRegistered { gateway, realm })
            }
            PresenceEvent::GatewayLost {
                gateway,
                characters,
            } => pe::Event::GatewayLost(pe::GatewayLost {
                gateway,
                characters,
            }),
        };
        pb::PresenceEvent { event: Some(event) }
    }
}

impl TryFrom<pb::PresenceEvent> for PresenceEvent {
    type Error = ConvertError;

    fn try_from(e: pb::PresenceEvent) -> Result<Self, ConvertError> {
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("presence"))? {
                pe::Event::Online(e) => PresenceEvent::Online {
                    presence: nested::<_, Presence>("online.presence", e.presence)?,
                    notify: recipients(e.notify)?,
                },
                pe::Event::Offline(e) => PresenceEvent::Offline {
                    id: character_id("offline.id", e.id)?,
                    account: e.account,
                    gateway: gateway("offline.gateway", e.gateway)?,
                    name: name("offline.name", e.name)?,
                    reason: offline_reason("offline.reason", e.reason)?,
                    notify: recipients(e.notify)?,
                },
                pe::Event::Status(e) => PresenceEvent::Status {
                    id: character_id("status.id", e.id)?,
                    status: byte("status.status", e.status)?,
                    notify: recipients(e.notify)?,
                },
                pe::Event::Moved(e) => PresenceEvent::Moved {
                    id: character_id("moved.id", e.id)?,
                    level: byte("moved.level", e.level)?,
                    zone: e.zone,
                    area: e.area,
                    map: e.map,
                },
                pe::Event::GatewayRegistered(e) => PresenceEvent::GatewayRegistered {
                    gateway: gateway_id("gateway_registered.gateway", e.gateway)?,
                    realm: e.realm,
                },
                pe::Event::GatewayLost(e) => PresenceEvent::GatewayLost {
                    gateway: gateway_id("gateway_lost.gateway", e.gateway)?,
                    characters: e.characters,
                },
            },
        )
    }
}

impl From<AccountSide> for pb::AccountSide {
    fn from(s: AccountSide) -> Self {
        pb::AccountSide {
            account: s.account,
            online: s.online.map(Into::into),
        }
    }
}

impl TryFrom<pb::AccountSide> for AccountSide {
    type Error = ConvertError;

    fn try_from(s: pb::AccountSide) -> Result<Self, ConvertError> {
        Ok(AccountSide {
            account: s.account,
            online: s.online.map(TryInto::try_into).transpose()?,
        })
    }
}

fn side(field: &str, s: Option<pb::AccountSide>) -> Result<AccountSide, ConvertError> {
    nested(field, s)
}

impl From<SocialEvent> for pb::SocialEvent {
    fn from(e: SocialEvent) -> Self {
        let id = |c: tavern_statemachine::CharacterId| Some(c.into());
        let event = match e {
            SocialEvent::FriendAdded {
                owner,
                owner_gateway,
                friend,
                name,
                note,
            } => se::Event::FriendAdded(se::FriendAdded {
                owner: id(owner),
                owner_gateway,
                friend_id: id(friend),
                name,
                note,
            }),
            SocialEvent::FriendRemoved {
                owner,
                owner_gateway,
                friend,
            } => se::Event::FriendRemoved(se::FriendRemoved {
                owner: id(owner),
                owner_gateway,
                friend_id: id(friend),
            }),
            SocialEvent::NoteUpdated {
                owner,
                owner_gateway,
                friend,
                note,
            } => se::Event::NoteUpdated(se::NoteUpdated {
                owner: id(owner),
                owner_gateway,
                friend_id: id(friend),
                note,
            }),
            SocialEvent::IgnoreAdded {
                owner,
                owner_gateway,
                ignored,
                name,
            } => se::Event::IgnoreAdded(se::IgnoreAdded {
                owner: id(owner),
                owner_gateway,
                ignored: id(ignored),
                name,
            }),
            SocialEvent::IgnoreRemoved {
                owner,
                owner_gateway,
                ignored,
            } => se::Event::IgnoreRemoved(se::IgnoreRemoved {
                owner: id(owner),
                owner_gateway,
                ignored: id(ignored),
            }),
            SocialEvent::AccountFriendRequested { from, to } => {
                se::Event::AccountFriendRequested(se::AccountFriendRequested {
                    from_side: Some(from.into()),
                    to_side: Some(to.into()),
                })
            }
            SocialEvent::AccountFriendAccepted {
                requester,
                accepter,
            } => se::Event::AccountFriendAccepted(se::AccountFriendAccepted {
                requester: Some(requester.into()),
                accepter: Some(accepter.into()),
            }),
            SocialEvent::AccountFriendDeclined {
                requester,
                decliner,
            } => se::Event::AccountFriendDeclined(se::AccountFriendDeclined {
                requester: Some(requester.into()),
                decliner: Some(decliner.into()),
            }),
            SocialEvent::AccountFriendRemoved { by, other, was } => {
                se::Event::AccountFriendRemoved(se::AccountFriendRemoved {
                    by: Some(by.into()),
                    other: Some(other.into()),
                    was: pb::AccountFriendState::from(was).into(),
                })
            }
        };
        pb::SocialEvent { event: Some(event) }
    }
}

impl TryFrom<pb::SocialEvent> for SocialEvent {
    type Error = ConvertError;

    fn try_from(e: pb::SocialEvent) -> Result<Self, ConvertError> {
        Ok(
            match e.event.ok_or_else(|| ConvertError::required("social"))? {
                se::Event::FriendAdded(e) => SocialEvent::FriendAdded {
                    owner: character_id("friend_added.owner", e.owner)?,
                    owner_gateway: opt_gateway("friend_added.owner_gateway", e.owner_gateway)?,
                    friend: character_id("friend_added.friend_id", e.friend_id)?,
                    name: name("friend_added.name", e.name)?,
                    note: note("friend_added.note", e.note)?,
                },
                se::Event::FriendRemoved(e) => SocialEvent::FriendRemoved {
                    owner: character_id("friend_removed.owner", e.owner)?,
                    owner_gateway: opt_gateway("friend_removed.owner_gateway", e.owner_gateway)?,
                    friend: character_id("friend_removed.friend_id", e.friend_id)?,
                },
                se::Event::NoteUpdated(e) => SocialEvent::NoteUpdated {
                    owner: character_id("note_updated.owner", e.owner)?,
                    owner_gateway: opt_gateway("note_updated.owner_gateway", e.owner_gateway)?,
                    friend: character_id("note_updated.friend_id", e.friend_id)?,
                    note: note("note_updated.note", e.note)?,
                },
                se::Event::IgnoreAdded(e) => SocialEvent::IgnoreAdded {
                    owner: character_id("ignore_added.owner", e.owner)?,
                    owner_gateway: opt_gateway("ignore_added.owner_gateway", e.owner_gateway)?,
                    ignored: character_id("ignore_added.ignored", e.ignored)?,
                    name: name("ignore_added.name", e.name)?,
                },
                se::Event::IgnoreRemoved(e) => SocialEvent::IgnoreRemoved {
                    owner: character_id("ignore_removed.owner", e.owner)?,
                    owner_gateway: opt_gateway("ignore_removed.owner_gateway", e.owner_gateway)?,
                    ignored: character_id("ignore_removed.ignored", e.ignored)?,
                },
                se::Event::AccountFriendRequested(e) => SocialEvent::AccountFriendRequested {
                    from: side("account_friend_requested.from_side", e.from_side)?,
                    to: side("account_friend_requested.to_side", e.to_side)?,
                },
                se::Event::AccountFriendAccepted(e) => SocialEvent::AccountFriendAccepted {
                    requester: side("account_friend_accepted.requester", e.requester)?,
                    accepter: side("account_friend_accepted.accepter", e.accepter)?,
                },
                se::Event::AccountFriendDeclined(e) => SocialEvent::AccountFriendDeclined {
                    requester: side("account_friend_declined.requester", e.requester)?,
                    decliner: side("account_friend_declined.decliner", e.decliner)?,
                },
                se::Event::AccountFriendRemoved(e) => SocialEvent::AccountFriendRemoved {
                    by: side("account_friend_removed.by", e.by)?,
                    other: side("account_friend_removed.other", e.other)?,
                    was: account_friend_state("account_friend_removed.was", e.was)?,
                },
            },
        )
    }
}
