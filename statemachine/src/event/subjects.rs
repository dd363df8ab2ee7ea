//! Who and what an event is about: the values a watcher's filter selects on.
//!
//! `characters` holds every character the event is about or tells (its `notify` list
//! included), `gateways` every gateway it names (a character's, or one of `notify`), `realms`
//! the realms of those characters plus any realm the event names, `mailboxes` the receivers
//! whose mailbox changed (DESIGN.md "Events"). Lists are sorted and without duplicates.

use crate::arena::ArenaEvent as A;
use crate::channel::{ChannelEvent as Ch, ChannelKey};
use crate::character::CharacterEvent as C;
use crate::mail::MailEvent as M;
use crate::presence::{Notify, PresenceEvent as P};
use crate::social::{AccountSide, SocialEvent as S};
use crate::{AccountId, CharacterId, GatewayId, RealmId};

use super::Event;

/// What one event is about; see the module header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subjects {
    pub realms: Vec<RealmId>,
    pub characters: Vec<CharacterId>,
    pub accounts: Vec<AccountId>,
    pub gateways: Vec<GatewayId>,
    pub channels: Vec<ChannelKey>,
    pub mailboxes: Vec<CharacterId>,
}

impl Subjects {
    fn character(&mut self, id: CharacterId) -> &mut Self {
        self.realms.push(id.realm);
        self.characters.push(id);
        self
    }

    fn opt_character(&mut self, id: Option<CharacterId>) -> &mut Self {
        if let Some(id) = id {
            self.character(id);
        }
        self
    }

    fn gateway(&mut self, g: &GatewayId) -> &mut Self {
        self.gateways.push(g.clone());
        self
    }

    fn opt_gateway(&mut self, g: &Option<GatewayId>) -> &mut Self {
        if let Some(g) = g {
            self.gateway(g);
        }
        self
    }

    fn notify(&mut self, list: &[Notify]) -> &mut Self {
        for n in list {
            self.character(n.id).gateway(&n.gateway);
        }
        self
    }

    fn account(&mut self, a: AccountId) -> &mut Self {
        self.accounts.push(a);
        self
    }

    fn side(&mut self, s: &AccountSide) -> &mut Self {
        self.account(s.account);
        if let Some(n) = &s.online {
            self.notify(std::slice::from_ref(n));
        }
        self
    }

    fn channel(&mut self, k: &ChannelKey) -> &mut Self {
        self.realms.push(k.realm);
        self.channels.push(k.clone());
        self
    }

    fn mailbox(&mut self, id: CharacterId) -> &mut Self {
        self.mailboxes.push(id);
        self.character(id)
    }

    fn realm(&mut self, r: RealmId) -> &mut Self {
        self.realms.push(r);
        self
    }

    fn finish(mut self) -> Self {
        fn sort<T: Ord>(v: &mut Vec<T>) {
            v.sort();
            v.dedup();
        }
        sort(&mut self.realms);
        sort(&mut self.characters);
        sort(&mut self.accounts);
        sort(&mut self.gateways);
        sort(&mut self.channels);
        sort(&mut self.mailboxes);
        self
    }
}

impl Event {
    /// What this event is about (see [`Subjects`]).
    pub fn subjects(&self) -> Subjects {
        let mut s = Subjects::default();
        match self {
            Event::Character(e) => character(&mut s, e),
            Event::Presence(e) => presence(&mut s, e),
            Event::Social(e) => social(&mut s, e),
            Event::Channel(e) => channel(&mut s, e),
            Event::Mail(e) => mail(&mut s, e),
            Event::Arena(e) => arena(&mut s, e),
        }
        s.finish()
    }
}

fn character(s: &mut Subjects, e: &C) {
    match e {
        C::Created { id, account, .. } | C::Deleted { id, account, .. } => {
            s.character(*id).account(*account);
        }
        C::Renamed { id, .. } => {
            s.character(*id);
        }
    }
}

fn presence(s: &mut Subjects, e: &P) {
    match e {
        P::Online { presence, notify } => {
            s.character(presence.id)
                .account(presence.account)
                .gateway(&presence.gateway)
                .notify(notify);
        }
        P::Offline {
            id,
            account,
            gateway,
            notify,
            ..
        } => {
            s.character(*id)
                .account(*account)
                .gateway(gateway)
                .notify(notify);
        }
        P::Status { id, notify, .. } => {
            s.character(*id).notify(notify);
        }
        P::Moved { id, .. } => {
            s.character(*id);
        }
        P::GatewayRegistered { gateway, realm } => {
            s.gateway(gateway).realm(*realm);
        }
        P::GatewayLost { gateway, .. } => {
            s.gateway(gateway);
        }
    }
}

fn social(s: &mut Subjects, e: &S) {
    match e {
        S::FriendAdded {
            owner,
            owner_gateway,
            friend,
            ..
        }
        | S::FriendRemoved {
            owner,
            owner_gateway,
            friend,
        }
        | S::NoteUpdated {
            owner,
            owner_gateway,
            friend,
            ..
        } => {
            s.character(*owner)
                .opt_gateway(owner_gateway)
                .character(*friend);
        }
        S::IgnoreAdded {
            owner,
            owner_gateway,
            ignored,
            ..
        }
        | S::IgnoreRemoved {
            owner,
            owner_gateway,
            ignored,
        } => {
            s.character(*owner)
                .opt_gateway(owner_gateway)
                .character(*ignored);
        }
        S::AccountFriendRequested { from: a, to: b }
        | S::AccountFriendAccepted {
            requester: a,
            accepter: b,
        }
        | S::AccountFriendDeclined {
            requester: a,
            decliner: b,
        }
        | S::AccountFriendRemoved {
            by: a, other: b, ..
        } => {
            s.side(a).side(b);
        }
    }
}

fn channel(s: &mut Subjects, e: &Ch) {
    match e {
        Ch::Joined {
            channel,
            id,
            gateway,
            ..
        }
        | Ch::Left {
            channel,
            id,
            gateway,
            ..
        } => {
            s.channel(channel).character(*id).gateway(gateway);
        }
        Ch::OwnerChanged { channel, old, new } => {
            s.channel(channel).opt_character(*old).opt_character(*new);
        }
        Ch::Notify {
            channel,
            target,
            by,
            ..
        } => {
            s.channel(channel).opt_character(*target).opt_character(*by);
        }
        Ch::Invited {
            channel,
            by,
            target,
            gateway,
            ..
        } => {
            s.channel(channel)
                .character(*by)
                .character(*target)
                .gateway(gateway);
        }
        Ch::ChannelDeleted { channel, .. } => {
            s.channel(channel);
        }
    }
}

fn mail(s: &mut Subjects, e: &M) {
    match e {
        M::Incoming {
            receiver,
            sender,
            gateway,
            ..
        } => {
            s.mailbox(*receiver).opt_gateway(gateway);
            if let crate::mail::MailSender::Player(from) = sender {
                s.character(*from);
            }
        }
        M::Returned { from, to, .. } => {
            s.mailbox(*from).mailbox(*to);
        }
        M::Deleted { receiver, .. }
        | M::MoneyTaken { receiver, .. }
        | M::ItemTaken { receiver, .. } => {
            s.mailbox(*receiver);
        }
        M::CodPaid { payer, seller, .. } => {
            s.mailbox(*payer).character(*seller);
        }
    }
}

fn arena(s: &mut Subjects, e: &A) {
    match e {
        A::Created { team, notify, .. } => {
            s.realm(team.realm).character(team.captain).notify(notify);
        }
        A::Invited {
            realm,
            inviter,
            target,
            target_gateway,
            ..
        } => {
            s.realm(*realm)
                .character(*inviter)
                .character(*target)
                .gateway(target_gateway);
        }
        A::Joined {
            realm, id, notify, ..
        }
        | A::Left {
            realm, id, notify, ..
        } => {
            s.realm(*realm).character(*id).notify(notify);
        }
        A::Declined {
            realm,
            id,
            inviter,
            notify,
            ..
        } => {
            s.realm(*realm)
                .character(*id)
                .character(*inviter)
                .notify(notify);
        }
        A::Removed {
            realm,
            id,
            by,
            notify,
            ..
        } => {
            s.realm(*realm).character(*id).character(*by).notify(notify);
        }
        A::CaptainChanged {
            realm,
            old_captain,
            new_captain,
            notify,
            ..
        } => {
            s.realm(*realm)
                .character(*old_captain)
                .character(*new_captain)
                .notify(notify);
        }
        A::Disbanded {
            realm,
            by,
            members,
            notify,
            ..
        } => {
            s.realm(*realm).character(*by).notify(notify);
            for m in members {
                s.character(*m);
            }
        }
        A::MatchApplied { outcome, notify } => {
            s.realm(outcome.realm).notify(notify);
            for m in &outcome.members {
                s.character(m.id);
            }
        }
        A::WeekFinished { realm, .. } => {
            s.realm(*realm);
        }
    }
}
