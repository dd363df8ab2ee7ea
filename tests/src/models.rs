//! Sequential models of our entities for the history checker (`crate::history`): one
//! receiver's mailbox, one character's friend list, one channel's members.
//!
//! Each is the part of the domain (DOMAIN.md) a client can observe through its own calls,
//! reduced to what the checker must compare: money and item guids per mail (not subjects or
//! times), friend ids, member ids. Outputs are abstract; a test maps the state machine's
//! responses to them. A refusal for a reason these models do not track (a full list, a
//! missing character) is `Refused` and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::history::Model;

/// What a mail still holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailContents {
    pub money: u32,
    pub items: BTreeSet<u32>,
}

/// An operation on one receiver's mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailInput {
    /// A mail to this receiver (its id is known from the answer).
    Send { money: u32, items: BTreeSet<u32> },
    /// Take all the money of `mail`, once.
    TakeMoney { mail: u32 },
    /// Take one item of `mail`, once.
    TakeItem { mail: u32, item: u32 },
    /// The receiver's mails.
    List,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutput {
    Sent {
        mail: u32,
    },
    MoneyTaken(u32),
    ItemTaken(u32),
    /// The state machine answered an error (nothing to take, no such mail...).
    Refused,
    Listed(BTreeMap<u32, MailContents>),
}

/// One receiver's mailbox: money and items are taken exactly once; a list shows each mail
/// with what it still holds (an emptied mail stays until deleted or expired).
///
/// A send whose outcome is unknown cannot be placed (its mail id is unknown): resolve it
/// before checking, or send before the faults start.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mailbox;

impl Model for Mailbox {
    type State = BTreeMap<u32, MailContents>;
    type Input = MailInput;
    type Output = MailOutput;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(
        &self,
        state: &Self::State,
        input: &MailInput,
        output: Option<&MailOutput>,
    ) -> Option<Self::State> {
        let mut next = state.clone();
        match (input, output) {
            (MailInput::Send { money, items }, Some(MailOutput::Sent { mail })) => {
                let fresh = next
                    .insert(
                        *mail,
                        MailContents {
                            money: *money,
                            items: items.clone(),
                        },
                    )
                    .is_none();
                fresh.then_some(next)
            }
            (MailInput::Send { .. }, Some(MailOutput::Refused)) => Some(next),
            (MailInput::Send { .. }, _) => None,
            (MailInput::TakeMoney { mail }, output) => {
                let held = next
                    .get_mut(mail)
                    .map_or(0, |m| std::mem::take(&mut m.money));
                match output {
                    None => Some(next),
                    Some(MailOutput::MoneyTaken(m)) if held > 0 && *m == held => Some(next),
                    Some(MailOutput::Refused) if held == 0 => Some(next),
                    Some(_) => None,
                }
            }
            (MailInput::TakeItem { mail, item }, output) => {
                let held = next.get_mut(mail).is_some_and(|m| m.items.remove(item));
                match output {
                    None => Some(next),
                    Some(MailOutput::ItemTaken(i)) if held && i == item => Some(next),
                    Some(MailOutput::Refused) if !held => Some(next),
                    Some(_) => None,
                }
            }
            (MailInput::List, None) => Some(next),
            (MailInput::List, Some(MailOutput::Listed(seen))) => (seen == state).then_some(next),
            (MailInput::List, Some(_)) => None,
        }
    }
}

/// An operation on one character's friend list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FriendInput {
    Add { friend: u32 },
    Remove { friend: u32 },
    List,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FriendOutput {
    Added,
    /// Already a friend.
    Already,
    /// Answered even when `friend` was not on the list (AC does the same).
    Removed,
    Refused,
    Listed(BTreeSet<u32>),
}

/// One character's friend list: a set of character ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct FriendList;

impl Model for FriendList {
    type State = BTreeSet<u32>;
    type Input = FriendInput;
    type Output = FriendOutput;

    fn init(&self) -> Self::State {
        BTreeSet::new()
    }

    fn step(
        &self,
        state: &Self::State,
        input: &FriendInput,
        output: Option<&FriendOutput>,
    ) -> Option<Self::State> {
        let mut next = state.clone();
        match (input, output) {
            (FriendInput::Add { friend }, output) => {
                let added = next.insert(*friend);
                match output {
                    None => Some(next),
                    Some(FriendOutput::Added) if added => Some(next),
                    Some(FriendOutput::Already) if !added => Some(state.clone()),
                    Some(FriendOutput::Refused) => Some(state.clone()),
                    Some(_) => None,
                }
            }
            (FriendInput::Remove { friend }, None | Some(FriendOutput::Removed)) => {
                next.remove(friend);
                Some(next)
            }
            (FriendInput::Remove { .. }, Some(FriendOutput::Refused)) => Some(next),
            (FriendInput::Remove { .. }, Some(_)) => None,
            (FriendInput::List, None) => Some(next),
            (FriendInput::List, Some(FriendOutput::Listed(seen))) => {
                (seen == state).then_some(next)
            }
            (FriendInput::List, Some(_)) => None,
        }
    }
}

/// An operation on one channel's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelInput {
    Join { who: u32 },
    Leave { who: u32 },
    Members,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelOutput {
    Joined,
    /// Already a member.
    Already,
    Left,
    /// Not a member.
    NotMember,
    Refused,
    Members(BTreeSet<u32>),
}

/// One channel's members: a set of character ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChannelMembers;

impl Model for ChannelMembers {
    type State = BTreeSet<u32>;
    type Input = ChannelInput;
    type Output = ChannelOutput;

    fn init(&self) -> Self::State {
        BTreeSet::new()
    }

    fn step(
        &self,
        state: &Self::State,
        input: &ChannelInput,
        output: Option<&ChannelOutput>,
    ) -> Option<Self::State> {
        let mut next = state.clone();
        match (input, output) {
            (_, Some(ChannelOutput::Refused)) => Some(next),
            (ChannelInput::Join { who }, output) => {
                let joined = next.insert(*who);
                match output {
                    None => Some(next),
                    Some(ChannelOutput::Joined) if joined => Some(next),
                    Some(ChannelOutput::Already) if !joined => Some(next),
                    Some(_) => None,
                }
            }
            (ChannelInput::Leave { who }, output) => {
                let left = next.remove(who);
                match output {
                    None => Some(next),
                    Some(ChannelOutput::Left) if left => Some(next),
                    Some(ChannelOutput::NotMember) if !left => Some(next),
                    Some(_) => None,
                }
            }
            (ChannelInput::Members, None) => Some(next),
            (ChannelInput::Members, Some(ChannelOutput::Members(seen))) => {
                (seen == state).then_some(next)
            }
            (ChannelInput::Members, Some(_)) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{check, Operation, Verdict};

    fn items(guids: &[u32]) -> BTreeSet<u32> {
        guids.iter().copied().collect()
    }

    fn listed(mails: &[(u32, u32, &[u32])]) -> MailOutput {
        MailOutput::Listed(
            mails
                .iter()
                .map(|(id, money, it)| {
                    (
                        *id,
                        MailContents {
                            money: *money,
                            items: items(it),
                        },
                    )
                })
                .collect(),
        )
    }

    fn send(t: u64, money: u32, it: &[u32], mail: u32) -> Operation<MailInput, MailOutput> {
        Operation::done(
            0,
            t,
            t + 1,
            MailInput::Send {
                money,
                items: items(it),
            },
            MailOutput::Sent { mail },
        )
    }

    #[test]
    fn two_racing_takes_of_the_same_money_one_wins() {
        let h = vec![
            (7, send(0, 100, &[], 1)),
            (
                7,
                Operation::done(
                    1,
                    10,
                    30,
                    MailInput::TakeMoney { mail: 1 },
                    MailOutput::MoneyTaken(100),
                ),
            ),
            (
                7,
                Operation::done(
                    2,
                    12,
                    28,
                    MailInput::TakeMoney { mail: 1 },
                    MailOutput::Refused,
                ),
            ),
            (
                7,
                Operation::done(3, 40, 41, MailInput::List, listed(&[(1, 0, &[])])),
            ),
        ];
        assert_eq!(check(&Mailbox, &h), Verdict::Linearizable);
    }

    #[test]
    fn money_taken_twice_is_a_violation() {
        let h = vec![
            (7, send(0, 100, &[], 1)),
            (
                7,
                Operation::done(
                    1,
                    10,
                    30,
                    MailInput::TakeMoney { mail: 1 },
                    MailOutput::MoneyTaken(100),
                ),
            ),
            (
                7,
                Operation::done(
                    2,
                    12,
                    28,
                    MailInput::TakeMoney { mail: 1 },
                    MailOutput::MoneyTaken(100),
                ),
            ),
        ];
        assert!(matches!(
            check(&Mailbox, &h),
            Verdict::NotLinearizable { entity: 7, .. }
        ));
    }

    #[test]
    fn a_list_after_a_take_completed_must_not_show_the_item() {
        let take = MailInput::TakeItem { mail: 1, item: 55 };
        let ok = vec![
            (7, send(0, 0, &[55, 56], 1)),
            (
                7,
                Operation::done(1, 10, 20, take.clone(), MailOutput::ItemTaken(55)),
            ),
            // Overlapping the take: either state may be seen.
            (
                7,
                Operation::done(2, 15, 16, MailInput::List, listed(&[(1, 0, &[55, 56])])),
            ),
            (
                7,
                Operation::done(2, 21, 22, MailInput::List, listed(&[(1, 0, &[56])])),
            ),
        ];
        assert!(check(&Mailbox, &ok).is_linearizable());
        let stale = vec![
            (7, send(0, 0, &[55, 56], 1)),
            (
                7,
                Operation::done(1, 10, 20, take, MailOutput::ItemTaken(55)),
            ),
            (
                7,
                Operation::done(2, 21, 22, MailInput::List, listed(&[(1, 0, &[55, 56])])),
            ),
        ];
        assert!(!check(&Mailbox, &stale).is_linearizable());
    }

    #[test]
    fn a_take_of_unknown_outcome_explains_a_missing_item_later() {
        let h = vec![
            (7, send(0, 0, &[55], 1)),
            (
                7,
                Operation::unknown(1, 10, MailInput::TakeItem { mail: 1, item: 55 }),
            ),
            (
                7,
                Operation::done(2, 50, 51, MailInput::List, listed(&[(1, 0, &[])])),
            ),
            (
                7,
                Operation::done(
                    1,
                    60,
                    61,
                    MailInput::TakeItem { mail: 1, item: 55 },
                    MailOutput::Refused,
                ),
            ),
        ];
        assert!(check(&Mailbox, &h).is_linearizable());
    }

    #[test]
    fn friend_lists_show_adds_and_removes_in_order() {
        let op = |c, a, b, i, o| Operation::done(c, a, b, i, o);
        let ok = vec![
            (
                1,
                op(
                    1,
                    0,
                    10,
                    FriendInput::Add { friend: 5 },
                    FriendOutput::Added,
                ),
            ),
            (
                1,
                op(
                    2,
                    5,
                    15,
                    FriendInput::Add { friend: 5 },
                    FriendOutput::Already,
                ),
            ),
            (
                1,
                op(
                    3,
                    20,
                    21,
                    FriendInput::List,
                    FriendOutput::Listed(items(&[5])),
                ),
            ),
            (
                1,
                op(
                    1,
                    30,
                    40,
                    FriendInput::Remove { friend: 5 },
                    FriendOutput::Removed,
                ),
            ),
            (
                1,
                op(
                    3,
                    41,
                    42,
                    FriendInput::List,
                    FriendOutput::Listed(items(&[])),
                ),
            ),
        ];
        assert!(check(&FriendList, &ok).is_linearizable());
        // Both adds answered ADDED: only one can have added the friend.
        let twice = vec![
            (
                1,
                op(
                    1,
                    0,
                    10,
                    FriendInput::Add { friend: 5 },
                    FriendOutput::Added,
                ),
            ),
            (
                1,
                op(
                    2,
                    5,
                    15,
                    FriendInput::Add { friend: 5 },
                    FriendOutput::Added,
                ),
            ),
        ];
        assert!(!check(&FriendList, &twice).is_linearizable());
        // A list after the add completed that misses the friend.
        let lost = vec![
            (
                1,
                op(
                    1,
                    0,
                    10,
                    FriendInput::Add { friend: 5 },
                    FriendOutput::Added,
                ),
            ),
            (
                1,
                op(
                    3,
                    20,
                    21,
                    FriendInput::List,
                    FriendOutput::Listed(items(&[])),
                ),
            ),
        ];
        assert!(!check(&FriendList, &lost).is_linearizable());
    }

    #[test]
    fn channel_members_follow_joins_and_leaves() {
        let op = |c, a, b, i, o| Operation::done(c, a, b, i, o);
        let ok = vec![
            (
                "trade",
                op(
                    1,
                    0,
                    10,
                    ChannelInput::Join { who: 1 },
                    ChannelOutput::Joined,
                ),
            ),
            (
                "trade",
                op(
                    2,
                    2,
                    12,
                    ChannelInput::Join { who: 2 },
                    ChannelOutput::Joined,
                ),
            ),
            (
                "trade",
                op(
                    3,
                    5,
                    6,
                    ChannelInput::Members,
                    ChannelOutput::Members(items(&[2])),
                ),
            ),
            (
                "trade",
                op(
                    3,
                    13,
                    14,
                    ChannelInput::Members,
                    ChannelOutput::Members(items(&[1, 2])),
                ),
            ),
            (
                "trade",
                op(
                    1,
                    20,
                    30,
                    ChannelInput::Leave { who: 1 },
                    ChannelOutput::Left,
                ),
            ),
            (
                "trade",
                op(
                    1,
                    31,
                    32,
                    ChannelInput::Leave { who: 1 },
                    ChannelOutput::NotMember,
                ),
            ),
        ];
        assert!(check(&ChannelMembers, &ok).is_linearizable());
        // Members seen going 2 → {} while nobody left: not possible.
        let bad = vec![
            (
                "trade",
                op(
                    2,
                    2,
                    12,
                    ChannelInput::Join { who: 2 },
                    ChannelOutput::Joined,
                ),
            ),
            (
                "trade",
                op(
                    3,
                    13,
                    14,
                    ChannelInput::Members,
                    ChannelOutput::Members(items(&[2])),
                ),
            ),
            (
                "trade",
                op(
                    3,
                    15,
                    16,
                    ChannelInput::Members,
                    ChannelOutput::Members(items(&[])),
                ),
            ),
        ];
        assert!(!check(&ChannelMembers, &bad).is_linearizable());
    }
}
