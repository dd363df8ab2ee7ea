//! Every command, query, response and query response of every domain with a service survives
//! domain → wire message → protobuf bytes → wire message → domain unchanged.

use prost::Message;
use tavern_proto::convert::{
    AccountRead, AccountWrite, ChannelRead, ChannelWrite, CharacterRead, CharacterWrite, MailRead,
    MailWrite, PresenceRead, PresenceWrite, QueryReply, ReadLevel, RealmRead, RealmWrite,
    RequestHeader, WriteReply,
};
use tavern_proto::pb;
use tavern_statemachine::account::{Account, AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::channel::{
    Ban, ChannelCommand, ChannelInfo, ChannelKey, ChannelQuery, ChannelQueryResponse,
    ChannelResponse, MemberInfo, Membership, Rights,
};
use tavern_statemachine::character::{
    Character, CharacterCommand, CharacterQuery, CharacterQueryResponse, CharacterResponse,
};
use tavern_statemachine::mail::{
    Mail, MailCommand, MailItem, MailQuery, MailQueryResponse, MailResponse, MailSender,
    MailWithItems, SendMail, UnreadMail,
};
use tavern_statemachine::presence::{
    Gateway, Login, Notify, Presence, PresenceCommand, PresenceQuery, PresenceQueryResponse,
    PresenceResponse, PresenceUpdate, Who,
};
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::{CharacterId, QueryResponse, RequestId, Response, Team};

const ALICE: CharacterId = CharacterId::new(1, 1);
const BOB: CharacterId = CharacterId::new(1, 2);

/// Encodes and decodes a message, as the wire does.
fn wire<M: Message + Default>(m: &M) -> M {
    M::decode(m.encode_to_vec().as_slice()).expect("a message decodes from its own encoding")
}

/// Sends every request through protobuf bytes.
macro_rules! through_wire {
    ($value:expr, $enum:ident { $($variant:ident),+ $(,)? }) => {
        match $value {
            $($enum::$variant(r) => $enum::$variant(wire(&r))),+
        }
    };
}

fn realm() -> Realm {
    Realm {
        id: 1,
        name: "Lordaeron".into(),
        cross_realm: false,
    }
}

fn character() -> Character {
    Character {
        id: ALICE,
        account: 1,
        name: "Alice".into(),
        race: 1,
        class: 1,
        gender: 1,
        level: 80,
        created_ms: 1_767_225_600_000,
    }
}

fn presence() -> Presence {
    Presence {
        id: ALICE,
        account: 1,
        gateway: "gw1".into(),
        name: "Alice".into(),
        race: 1,
        class: 8,
        gender: 1,
        level: 80,
        zone: 1519,
        area: 5148,
        map: 0,
        guild_id: 7,
        worldserver: Some("ws-2".into()),
        afk: true,
        dnd: false,
        in_cross_realm_instance: true,
        login_ms: 1_767_225_600_123,
    }
}

fn login() -> Login {
    Login {
        id: ALICE,
        gateway: "gw1".into(),
        zone: 12,
        area: 87,
        map: 0,
        level: 80,
        guild_id: 3,
        worldserver: None,
    }
}

#[test]
fn commands() {
    let c = RealmCommand::Upsert(realm());
    let write = through_wire!(RealmWrite::from(c.clone()), RealmWrite { UpsertRealm });
    assert_eq!(RealmCommand::try_from(write), Ok(c));
    for c in [
        AccountCommand::Upsert {
            id: 1,
            username: "acct1".into(),
            locale: "enUS".into(),
        },
        AccountCommand::SetLocked {
            id: 1,
            locked: true,
        },
        AccountCommand::SetGmLevel { id: 1, gm_level: 3 },
    ] {
        let write = through_wire!(
            AccountWrite::from(c.clone()),
            AccountWrite {
                UpsertAccount,
                SetAccountLocked,
                SetAccountGmLevel
            }
        );
        assert_eq!(AccountCommand::try_from(write), Ok(c));
    }
    for c in [
        CharacterCommand::Create {
            id: ALICE,
            account: 1,
            name: "Alice".into(),
            race: 2,
            class: 3,
            gender: 1,
            level: 70,
        },
        CharacterCommand::Rename {
            id: ALICE,
            name: "Alys".into(),
        },
        CharacterCommand::Delete { id: ALICE },
    ] {
        let write = through_wire!(
            CharacterWrite::from(c.clone()),
            CharacterWrite {
                CreateCharacter,
                RenameCharacter,
                DeleteCharacter
            }
        );
        assert_eq!(CharacterCommand::try_from(write), Ok(c));
    }
    for c in [
        PresenceCommand::RegisterGateway {
            gateway: "gw1".into(),
            realm: 1,
        },
        PresenceCommand::RenewGateway {
            gateway: "gw1".into(),
        },
        PresenceCommand::UnregisterGateway {
            gateway: "gw1".into(),
        },
        PresenceCommand::ExpireGateways,
        PresenceCommand::Login(login()),
        PresenceCommand::Login(Login {
            worldserver: Some("ws-1".into()),
            ..login()
        }),
        PresenceCommand::Logout {
            id: ALICE,
            gateway: "gw1".into(),
        },
        PresenceCommand::Update {
            gateway: "gw1".into(),
            updates: vec![
                PresenceUpdate {
                    id: ALICE,
                    level: Some(80),
                    zone: Some(1),
                    area: Some(2),
                    map: Some(3),
                    guild_id: Some(0),
                    worldserver: Some("ws-9".into()),
                    in_cross_realm_instance: Some(false),
                },
                PresenceUpdate {
                    id: BOB,
                    ..Default::default()
                },
            ],
        },
        PresenceCommand::SetAwayStatus {
            id: ALICE,
            afk: false,
            dnd: true,
        },
    ] {
        let write = through_wire!(
            PresenceWrite::from(c.clone()),
            PresenceWrite {
                RegisterGateway,
                RenewGateway,
                UnregisterGateway,
                ExpireGateways,
                Login,
                Logout,
                UpdatePresence,
                SetAwayStatus
            }
        );
        assert_eq!(PresenceCommand::try_from(write), Ok(c));
    }
}

#[test]
fn queries() {
    for q in [RealmQuery::Get { id: 3 }, RealmQuery::List] {
        let read = through_wire!(
            RealmRead::from(q.clone()),
            RealmRead {
                GetRealm,
                ListRealms
            }
        );
        assert_eq!(RealmQuery::try_from(read), Ok(q));
    }
    for q in [
        AccountQuery::Get { id: 4 },
        AccountQuery::ByUsername {
            username: "Acct4".into(),
        },
    ] {
        let read = through_wire!(
            AccountRead::from(q.clone()),
            AccountRead {
                GetAccount,
                GetAccountByUsername
            }
        );
        assert_eq!(AccountQuery::try_from(read), Ok(q));
    }
    for q in [
        CharacterQuery::Get { id: BOB },
        CharacterQuery::ByName {
            realm: 1,
            name: "bob".into(),
        },
        CharacterQuery::ForAccount {
            account: 2,
            realm: None,
        },
        CharacterQuery::ForAccount {
            account: 2,
            realm: Some(0),
        },
    ] {
        let read = through_wire!(
            CharacterRead::from(q.clone()),
            CharacterRead {
                GetCharacter,
                GetCharacterByName,
                ListCharactersOfAccount
            }
        );
        assert_eq!(CharacterQuery::try_from(read), Ok(q));
    }
    for q in [
        PresenceQuery::Get { id: ALICE },
        PresenceQuery::OnlineByName {
            realm: 1,
            name: "alice".into(),
        },
        PresenceQuery::ByIds {
            ids: vec![ALICE, BOB],
        },
        PresenceQuery::Online {
            realm: 1,
            after_low: Some(0),
            limit: 50,
        },
        PresenceQuery::Online {
            realm: 1,
            after_low: None,
            limit: 0,
        },
        PresenceQuery::OnlineOfAccount { account: 1 },
        PresenceQuery::Who(Who {
            requester: ALICE,
            level_min: 10,
            level_max: 80,
            name: "al".into(),
            guild_id: Some(0),
            race_mask: 0b101,
            class_mask: 1,
            zones: vec![12, 1519],
            strings: vec!["a".into(), "ce".into()],
        }),
        PresenceQuery::Who(Who::default()),
        PresenceQuery::Gateway {
            gateway: "gw1".into(),
        },
        PresenceQuery::OfGateway {
            gateway: "gw2".into(),
        },
    ] {
        let read = through_wire!(
            PresenceRead::from(q.clone()),
            PresenceRead {
                GetPresence,
                GetOnlineByName,
                GetPresenceByIds,
                ListOnline,
                GetOnlineOfAccount,
                Who,
                GetGateway,
                ListPresenceOfGateway
            }
        );
        assert_eq!(PresenceQuery::try_from(read), Ok(q));
    }
}

fn header() -> pb::ResponseHeader {
    pb::ResponseHeader { applied_index: 42 }
}

/// Server builds `M` from `response`, the bytes cross the wire, the client gets it back.
fn reply<M: WriteReply + Message + Default>(response: Response) {
    let message = M::from_response(header(), response.clone()).expect("the RPC carries it");
    let received = wire(&message);
    assert_eq!(received.into_response(), Ok(response));
}

fn query_reply<M: QueryReply + Message + Default>(response: QueryResponse) {
    let message = M::from_query_response(header(), response.clone()).expect("the RPC carries it");
    let received = wire(&message);
    assert_eq!(received.into_query_response(), Ok(response));
}

#[test]
fn write_replies() {
    reply::<pb::UpsertRealmResponse>(Response::Done);
    reply::<pb::UpsertAccountResponse>(Response::Done);
    reply::<pb::SetAccountLockedResponse>(Response::Done);
    reply::<pb::SetAccountGmLevelResponse>(Response::Done);
    let named = Response::Character(CharacterResponse::Named {
        id: ALICE,
        name: "Alice".into(),
    });
    reply::<pb::CreateCharacterResponse>(named.clone());
    reply::<pb::RenameCharacterResponse>(named);
    reply::<pb::DeleteCharacterResponse>(Response::Done);
    let lease = Response::Presence(PresenceResponse::Lease { expires_ms: 99 });
    reply::<pb::RegisterGatewayResponse>(lease.clone());
    reply::<pb::RenewGatewayResponse>(lease);
    reply::<pb::UnregisterGatewayResponse>(Response::Done);
    reply::<pb::ExpireGatewaysResponse>(Response::Presence(PresenceResponse::GatewaysExpired {
        gateways: vec!["gw1".into(), "gw2".into()],
        characters: 17,
    }));
    for kicked in [None, Some(BOB)] {
        reply::<pb::LoginResponse>(Response::Presence(PresenceResponse::LoggedIn { kicked }));
    }
    reply::<pb::LogoutResponse>(Response::Done);
    reply::<pb::UpdatePresenceResponse>(Response::Presence(PresenceResponse::Updated {
        applied: 3,
        skipped: 1,
    }));
    reply::<pb::SetAwayStatusResponse>(Response::Done);
}

#[test]
fn query_replies() {
    for r in [None, Some(realm())] {
        query_reply::<pb::GetRealmResponse>(QueryResponse::Realm(RealmQueryResponse::Realm(r)));
    }
    query_reply::<pb::ListRealmsResponse>(QueryResponse::Realm(RealmQueryResponse::Realms(vec![
        realm(),
        Realm {
            id: 0,
            name: "Cross".into(),
            cross_realm: true,
        },
    ])));
    let account = Account {
        id: 1,
        username: "acct1".into(),
        locale: "deDE".into(),
        locked: true,
        gm_level: 2,
    };
    for a in [None, Some(account)] {
        let r = QueryResponse::Account(AccountQueryResponse::Account(a));
        query_reply::<pb::GetAccountResponse>(r.clone());
        query_reply::<pb::GetAccountByUsernameResponse>(r);
    }
    for c in [None, Some(character())] {
        let r = QueryResponse::Character(CharacterQueryResponse::Character(c));
        query_reply::<pb::GetCharacterResponse>(r.clone());
        query_reply::<pb::GetCharacterByNameResponse>(r);
    }
    query_reply::<pb::ListCharactersOfAccountResponse>(QueryResponse::Character(
        CharacterQueryResponse::Characters(vec![character(), character()]),
    ));
    for p in [None, Some(presence())] {
        let r = QueryResponse::Presence(PresenceQueryResponse::Presence(p));
        query_reply::<pb::GetPresenceResponse>(r.clone());
        query_reply::<pb::GetOnlineByNameResponse>(r.clone());
        query_reply::<pb::GetOnlineOfAccountResponse>(r);
    }
    query_reply::<pb::GetPresenceByIdsResponse>(QueryResponse::Presence(
        PresenceQueryResponse::ByIds(vec![(ALICE, Some(presence())), (BOB, None)]),
    ));
    query_reply::<pb::ListOnlineResponse>(QueryResponse::Presence(PresenceQueryResponse::Online {
        ids: vec![ALICE, BOB],
        total: 9,
    }));
    query_reply::<pb::WhoResponse>(QueryResponse::Presence(PresenceQueryResponse::Who {
        total: 51,
        items: vec![presence()],
    }));
    let gateway = Gateway {
        id: "gw1".into(),
        realm: 1,
        expires_ms: 15_000,
    };
    for g in [None, Some(gateway)] {
        query_reply::<pb::GetGatewayResponse>(QueryResponse::Presence(
            PresenceQueryResponse::Gateway(g),
        ));
    }
    query_reply::<pb::ListPresenceOfGatewayResponse>(QueryResponse::Presence(
        PresenceQueryResponse::Presences(vec![presence()]),
    ));
}

/// A server that builds a reply from an answer of another kind has a bug; it is reported, not
/// sent as a wrong message.
#[test]
fn mismatched_replies_are_refused() {
    let got = pb::LoginResponse::from_response(header(), Response::Done);
    let err = got.expect_err("Done is not a login answer");
    assert_eq!(err.field, "response");
    assert_eq!(err.reason, "Login cannot carry Done");
    let got = pb::GetRealmResponse::from_query_response(
        header(),
        QueryResponse::Realm(RealmQueryResponse::Realms(vec![])),
    );
    let err = got.expect_err("a list is not a get answer");
    assert_eq!(err.reason, "GetRealm cannot carry Realm(Realms([]))");
}

#[test]
fn request_headers() {
    let request = Some(RequestId {
        client: 7,
        seq: 9,
        ack_below: 8,
    });
    for read_level in [
        ReadLevel::Linearizable,
        ReadLevel::Lease,
        ReadLevel::AtLeast { index: 1234 },
        ReadLevel::Stale { max_ms: 250 },
    ] {
        let h = RequestHeader {
            request,
            read_level,
        };
        let message = wire(&pb::RequestHeader::from(h));
        assert_eq!(RequestHeader::from(Some(message)), h);
    }
    // No header, or a header without a read level: a linearizable write without request id.
    assert_eq!(RequestHeader::from(None), RequestHeader::default());
    assert_eq!(
        RequestHeader::from(Some(pb::RequestHeader::default())),
        RequestHeader {
            request: None,
            read_level: ReadLevel::Linearizable
        }
    );
    // The header is set on any request of a domain's enum.
    let write = PresenceWrite::from(PresenceCommand::ExpireGateways)
        .with_header(RequestHeader::default().into());
    assert_eq!(write.rpc(), "ExpireGateways");
    let PresenceWrite::ExpireGateways(r) = write else {
        panic!("ExpireGateways maps to its own RPC");
    };
    assert_eq!(r.header, Some(RequestHeader::default().into()));
}

/// Social: every command, query, response and query response, and every game result code.
mod social {
    use super::*;
    use serde::de::DeserializeOwned;
    use tavern_proto::convert::{SocialRead, SocialWrite};
    use tavern_statemachine::social::{
        AccountFriendEntry, AccountFriendState, FriendEntry, FriendResult, IgnoreEntry,
        SocialCommand, SocialQuery, SocialQueryResponse, SocialResponse, WhisperTarget,
    };

    const CAROL: CharacterId = CharacterId::new(2, 7);

    fn friend() -> FriendEntry {
        FriendEntry {
            id: BOB,
            name: "Bob".into(),
            note: "tank, ümlaut".into(),
            status: 1,
            area: 1519,
            level: 80,
            class: 1,
        }
    }

    #[test]
    fn commands() {
        for c in [
            SocialCommand::AddFriend {
                owner: ALICE,
                name: "Bob-Lordaeron".into(),
                note: "from the raid".into(),
            },
            SocialCommand::AddFriend {
                owner: ALICE,
                name: "Bob".into(),
                note: String::new(),
            },
            SocialCommand::RemoveFriend {
                owner: ALICE,
                friend: BOB,
            },
            SocialCommand::SetFriendNote {
                owner: ALICE,
                friend: BOB,
                note: "healer".into(),
            },
            SocialCommand::AddIgnore {
                owner: ALICE,
                name: "Carol-Outland".into(),
            },
            SocialCommand::RemoveIgnore {
                owner: ALICE,
                ignored: CAROL,
            },
            SocialCommand::RequestAccountFriend {
                from_account: 1,
                to_account: 2,
            },
            SocialCommand::AcceptAccountFriend {
                account: 2,
                requester: 1,
            },
            SocialCommand::DeclineAccountFriend {
                account: 2,
                requester: 3,
            },
            SocialCommand::RemoveAccountFriend {
                account: 1,
                friend: 2,
            },
        ] {
            let write = through_wire!(
                SocialWrite::from(c.clone()),
                SocialWrite {
                    AddFriend,
                    RemoveFriend,
                    SetFriendNote,
                    AddIgnore,
                    RemoveIgnore,
                    RequestAccountFriend,
                    AcceptAccountFriend,
                    DeclineAccountFriend,
                    RemoveAccountFriend
                }
            );
            assert_eq!(SocialCommand::try_from(write), Ok(c));
        }
    }

    #[test]
    fn queries() {
        for q in [
            SocialQuery::FriendList { owner: ALICE },
            SocialQuery::WhoHasAsFriend {
                id: BOB,
                after: None,
                limit: 100,
            },
            SocialQuery::WhoHasAsFriend {
                id: BOB,
                after: Some(ALICE),
                limit: 0,
            },
            SocialQuery::AccountFriends { account: 1 },
            SocialQuery::ResolveWhisper {
                from: ALICE,
                target: "Carol-Outland".into(),
            },
            SocialQuery::IsIgnoring {
                by: CAROL,
                who: ALICE,
            },
        ] {
            let read = through_wire!(
                SocialRead::from(q.clone()),
                SocialRead {
                    GetFriendList,
                    ListWhoHasAsFriend,
                    ListAccountFriends,
                    ResolveWhisper,
                    IsIgnoring
                }
            );
            assert_eq!(SocialQuery::try_from(read), Ok(q));
        }
    }

    /// Every variant of a unit-only enum: postcard encodes a unit variant as its index.
    fn variants<T: DeserializeOwned>() -> Vec<T> {
        (0..=u8::MAX)
            .map_while(|i| postcard::from_bytes::<T>(&[i]).ok())
            .collect()
    }

    #[test]
    fn write_replies() {
        for result in [FriendResult::AddedOnline, FriendResult::AddedOffline] {
            reply::<pb::AddFriendResponse>(Response::Social(SocialResponse::FriendAdded {
                result,
                friend: friend(),
            }));
        }
        // Every result code survives the wire, so none is missing from the decoder.
        let results = variants::<FriendResult>();
        assert_eq!(results.len(), 17);
        for result in results {
            let status = Response::Social(SocialResponse::FriendStatus {
                result,
                target: CAROL,
            });
            reply::<pb::RemoveFriendResponse>(status.clone());
            reply::<pb::AddIgnoreResponse>(status.clone());
            reply::<pb::RemoveIgnoreResponse>(status);
        }
        reply::<pb::SetFriendNoteResponse>(Response::Social(SocialResponse::NoteSet {
            friend: BOB,
            note: "healer".into(),
        }));
        let states = [
            None,
            Some(AccountFriendState::PendingOutgoing),
            Some(AccountFriendState::PendingIncoming),
            Some(AccountFriendState::Accepted),
        ];
        for state in states {
            let r = Response::Social(SocialResponse::AccountFriend {
                account: 1,
                other: 2,
                state,
            });
            reply::<pb::RequestAccountFriendResponse>(r.clone());
            reply::<pb::AcceptAccountFriendResponse>(r.clone());
            reply::<pb::DeclineAccountFriendResponse>(r.clone());
            reply::<pb::RemoveAccountFriendResponse>(r);
        }
    }

    #[test]
    fn query_replies() {
        let offline = FriendEntry {
            id: CAROL,
            name: "Carol".into(),
            note: String::new(),
            status: 0,
            area: 0,
            level: 0,
            class: 0,
        };
        query_reply::<pb::GetFriendListResponse>(QueryResponse::Social(
            SocialQueryResponse::FriendList {
                friends: vec![friend(), offline],
                ignores: vec![IgnoreEntry {
                    id: CAROL,
                    name: "Carol".into(),
                }],
            },
        ));
        query_reply::<pb::GetFriendListResponse>(QueryResponse::Social(
            SocialQueryResponse::FriendList {
                friends: vec![],
                ignores: vec![],
            },
        ));
        for next in [None, Some(BOB)] {
            query_reply::<pb::ListWhoHasAsFriendResponse>(QueryResponse::Social(
                SocialQueryResponse::WhoHasAsFriend {
                    owners: vec![ALICE, BOB],
                    next,
                },
            ));
        }
        query_reply::<pb::ListAccountFriendsResponse>(QueryResponse::Social(
            SocialQueryResponse::AccountFriends(vec![
                AccountFriendEntry {
                    account: 2,
                    state: AccountFriendState::Accepted,
                    since_ms: 1_767_225_600_000,
                    online: Some(presence()),
                },
                AccountFriendEntry {
                    account: 3,
                    state: AccountFriendState::PendingIncoming,
                    since_ms: 1,
                    online: None,
                },
            ]),
        ));
        query_reply::<pb::ResolveWhisperResponse>(QueryResponse::Social(
            SocialQueryResponse::Whisper(WhisperTarget {
                id: CAROL,
                gateway: "gw2".into(),
                name: "Carol".into(),
            }),
        ));
        for ignoring in [false, true] {
            query_reply::<pb::IsIgnoringResponse>(QueryResponse::Social(
                SocialQueryResponse::Ignoring(ignoring),
            ));
        }
    }
}

/// Arena: every command, query, response and query response.
mod arena {
    use super::*;
    use tavern_proto::convert::{ArenaRead, ArenaWrite};
    use tavern_statemachine::arena::{
        ArenaCommand, ArenaInvite, ArenaMember, ArenaQuery, ArenaQueryResponse, ArenaResponse,
        ArenaTeam, CreateTeam, Emblem, InviteView, MatchOutcome, MatchResult, MemberChange, Roster,
        RosterMember, SlotTeam, TeamChange,
    };

    fn emblem() -> Emblem {
        Emblem {
            background_color: 0xFF10_2030,
            emblem_style: 101,
            emblem_color: 0xFFFF_FFFF,
            border_style: 5,
            border_color: 0x8000_0000,
        }
    }

    fn team() -> ArenaTeam {
        ArenaTeam {
            id: 7,
            realm: 1,
            name: "Glädiators".into(),
            captain: ALICE,
            arena_type: 3,
            rating: 2_250,
            week: 12,
            week_games: 10,
            week_wins: 7,
            season_games: 65_535,
            season_wins: 300,
            rank: 4,
            emblem: emblem(),
            created_ms: 1_767_225_600_000,
        }
    }

    fn member(id: CharacterId) -> ArenaMember {
        ArenaMember {
            id,
            team_id: 7,
            week: 12,
            week_games: 3,
            week_wins: 2,
            season_games: 40,
            season_wins: 25,
            personal_rating: 2_100,
        }
    }

    fn outcome() -> MatchOutcome {
        MatchOutcome {
            realm: 1,
            match_id: u64::MAX,
            winner: TeamChange {
                team_id: 7,
                matchmaker_rating: 2_000,
                matchmaker_change: 12,
                old_rating: 2_250,
                new_rating: 2_262,
                rank: 3,
            },
            loser: TeamChange {
                team_id: 9,
                matchmaker_rating: 1_900,
                matchmaker_change: -12,
                old_rating: 2_000,
                new_rating: 1_988,
                rank: 11,
            },
            members: vec![
                MemberChange {
                    id: ALICE,
                    team_id: 7,
                    won: true,
                    old_personal_rating: 2_100,
                    new_personal_rating: 2_112,
                    old_matchmaker_rating: 2_000,
                    new_matchmaker_rating: 2_012,
                },
                MemberChange {
                    id: BOB,
                    team_id: 9,
                    won: false,
                    old_personal_rating: 0,
                    new_personal_rating: 0,
                    old_matchmaker_rating: 1_900,
                    new_matchmaker_rating: 1_888,
                },
            ],
        }
    }

    #[test]
    fn commands() {
        for c in [
            ArenaCommand::Create(CreateTeam {
                realm: 1,
                captain: ALICE,
                name: "Glädiators".into(),
                arena_type: 3,
                emblem: emblem(),
            }),
            ArenaCommand::Create(CreateTeam {
                realm: 1,
                captain: ALICE,
                name: "Plain".into(),
                arena_type: 2,
                emblem: Emblem::default(),
            }),
            ArenaCommand::Invite {
                inviter: ALICE,
                team: 7,
                target_name: "Bob".into(),
            },
            ArenaCommand::Accept { id: BOB },
            ArenaCommand::Decline { id: BOB },
            ArenaCommand::Leave { id: BOB, team: 7 },
            ArenaCommand::Remove {
                captain: ALICE,
                team: 7,
                target: BOB,
            },
            ArenaCommand::SetCaptain {
                captain: ALICE,
                team: 7,
                target: BOB,
            },
            ArenaCommand::Disband {
                captain: ALICE,
                team: 7,
            },
            ArenaCommand::ApplyMatchResult(MatchResult {
                realm: 1,
                match_id: 1 << 40,
                winner: 7,
                loser: 9,
                winner_participants: vec![ALICE, BOB],
                loser_participants: vec![CharacterId::new(1, 3)],
            }),
            ArenaCommand::FinishWeek { realm: 1 },
            ArenaCommand::ExpireInvites,
            ArenaCommand::ExpireMatchIds,
        ] {
            let write = through_wire!(
                ArenaWrite::from(c.clone()),
                ArenaWrite {
                    CreateArenaTeam,
                    InviteToArenaTeam,
                    AcceptArenaTeamInvite,
                    DeclineArenaTeamInvite,
                    LeaveArenaTeam,
                    RemoveArenaTeamMember,
                    SetArenaTeamCaptain,
                    DisbandArenaTeam,
                    ApplyArenaMatchResult,
                    FinishArenaWeek,
                    ExpireArenaInvites,
                    ExpireArenaMatchIds
                }
            );
            assert_eq!(ArenaCommand::try_from(write), Ok(c));
        }
    }

    #[test]
    fn queries() {
        for q in [
            ArenaQuery::Team {
                realm: 1,
                team_id: 7,
            },
            ArenaQuery::TeamByName {
                realm: 1,
                name: "glädiators".into(),
            },
            ArenaQuery::Roster {
                realm: 1,
                team_id: 7,
            },
            ArenaQuery::TeamsOf { id: ALICE },
            ArenaQuery::Invite { id: BOB },
        ] {
            let read = through_wire!(
                ArenaRead::from(q.clone()),
                ArenaRead {
                    GetArenaTeam,
                    GetArenaTeamByName,
                    GetArenaTeamRoster,
                    ListArenaTeamsOfCharacter,
                    GetArenaTeamInvite
                }
            );
            assert_eq!(ArenaQuery::try_from(read), Ok(q));
        }
    }

    #[test]
    fn write_replies() {
        reply::<pb::CreateArenaTeamResponse>(Response::Arena(ArenaResponse::Created {
            team_id: 7,
        }));
        reply::<pb::InviteToArenaTeamResponse>(Response::Done);
        reply::<pb::AcceptArenaTeamInviteResponse>(Response::Arena(ArenaResponse::Joined {
            team_id: 7,
        }));
        reply::<pb::DeclineArenaTeamInviteResponse>(Response::Done);
        for disbanded in [false, true] {
            reply::<pb::LeaveArenaTeamResponse>(Response::Arena(ArenaResponse::Left {
                team_id: 7,
                disbanded,
            }));
        }
        reply::<pb::RemoveArenaTeamMemberResponse>(Response::Done);
        reply::<pb::SetArenaTeamCaptainResponse>(Response::Done);
        reply::<pb::DisbandArenaTeamResponse>(Response::Done);
        reply::<pb::ApplyArenaMatchResultResponse>(Response::Arena(ArenaResponse::MatchApplied(
            outcome(),
        )));
        reply::<pb::ApplyArenaMatchResultResponse>(Response::Arena(
            ArenaResponse::MatchAlreadyApplied(outcome()),
        ));
        reply::<pb::FinishArenaWeekResponse>(Response::Arena(ArenaResponse::WeekFinished {
            realm: 1,
            week: 13,
        }));
        reply::<pb::ExpireArenaInvitesResponse>(Response::Arena(ArenaResponse::InvitesExpired {
            invites: 1_000,
        }));
        reply::<pb::ExpireArenaMatchIdsResponse>(Response::Arena(ArenaResponse::MatchIdsExpired {
            matches: 0,
        }));
    }

    #[test]
    fn query_replies() {
        for t in [None, Some(team())] {
            let r = QueryResponse::Arena(ArenaQueryResponse::Team(t));
            query_reply::<pb::GetArenaTeamResponse>(r.clone());
            query_reply::<pb::GetArenaTeamByNameResponse>(r);
        }
        let roster = Roster {
            team: team(),
            members: vec![
                RosterMember {
                    member: member(ALICE),
                    name: "Alice".into(),
                    class: 8,
                    online: true,
                    level: 80,
                    captain: true,
                    matchmaker_rating: 2_012,
                },
                RosterMember {
                    member: member(BOB),
                    name: "Bob".into(),
                    class: 1,
                    online: false,
                    level: 0,
                    captain: false,
                    matchmaker_rating: 0,
                },
            ],
        };
        for r in [None, Some(roster)] {
            query_reply::<pb::GetArenaTeamRosterResponse>(QueryResponse::Arena(
                ArenaQueryResponse::Roster(r),
            ));
        }
        query_reply::<pb::ListArenaTeamsOfCharacterResponse>(QueryResponse::Arena(
            ArenaQueryResponse::TeamsOf(vec![SlotTeam {
                slot: 1,
                team: team(),
                member: member(ALICE),
                matchmaker_rating: 1_500,
            }]),
        ));
        let invite = InviteView {
            invite: ArenaInvite {
                target: BOB,
                team_id: 7,
                inviter: ALICE,
                expires_ms: 1_767_225_900_000,
            },
            team_name: "Glädiators".into(),
            arena_type: 3,
            inviter_name: "Alice".into(),
        };
        for v in [None, Some(invite)] {
            query_reply::<pb::GetArenaTeamInviteResponse>(QueryResponse::Arena(
                ArenaQueryResponse::Invite(v),
            ));
        }
    }

    #[test]
    fn a_match_reply_is_refused_for_another_answer() {
        let got = pb::ApplyArenaMatchResultResponse::from_response(header(), Response::Done);
        let err = got.expect_err("Done is not a match answer");
        assert_eq!(err.reason, "ApplyArenaMatchResult cannot carry Done");
    }
}
fn channel_key() -> ChannelKey {
    ChannelKey {
        realm: 1,
        team: Team::Horde,
        name: "lfg".into(),
    }
}

fn channel_info() -> ChannelInfo {
    ChannelInfo {
        key: channel_key(),
        name: "LFG".into(),
        channel_id: 0,
        custom_id: 17,
        flags: 0x01,
        members: 3,
        owner: Some(BOB),
        has_password: true,
        announce: false,
        moderation: true,
        last_used_ms: 1_767_225_600_456,
    }
}

fn rights() -> Rights {
    Rights {
        name: "lfg".into(),
        flags: 0x104,
        speak_delay_s: 30,
        join_message: "Be nice.".into(),
        delay_message: "Slow down.".into(),
        moderators: vec![1, 7],
    }
}

#[test]
fn channel_commands() {
    let (by, channel, target_name) = (ALICE, "lfg".to_string(), "Bob".to_string());
    for c in [
        ChannelCommand::Join {
            id: ALICE,
            name: "LFG".into(),
            channel_id: 0,
            password: "secret".into(),
        },
        ChannelCommand::Join {
            id: ALICE,
            name: "Trade - City".into(),
            channel_id: 2,
            password: String::new(),
        },
        ChannelCommand::Leave {
            id: ALICE,
            name: "LFG".into(),
            channel_id: None,
        },
        ChannelCommand::Leave {
            id: ALICE,
            name: "General".into(),
            channel_id: Some(1),
        },
        ChannelCommand::Kick {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::Ban {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::Unban {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::SetModerator {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::UnsetModerator {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::SetMute {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::UnsetMute {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::SetOwner {
            by,
            channel: channel.clone(),
            target_name: target_name.clone(),
        },
        ChannelCommand::SetPassword {
            by,
            channel: channel.clone(),
            password: "new".into(),
        },
        ChannelCommand::ToggleModeration {
            by,
            channel: channel.clone(),
        },
        ChannelCommand::ToggleAnnouncements {
            by,
            channel: channel.clone(),
        },
        ChannelCommand::Invite {
            by,
            channel: channel.clone(),
            target_name,
        },
        ChannelCommand::SetRights {
            name: "lfg".into(),
            flags: 0x1ff,
            speak_delay_s: 10,
            join_message: "hi".into(),
            delay_message: "wait".into(),
            moderators: vec![3, 1],
        },
        ChannelCommand::RemoveRights { name: "lfg".into() },
        ChannelCommand::Speak { id: ALICE, channel },
        ChannelCommand::Cleanup,
        ChannelCommand::ExpireBans,
    ] {
        let write = through_wire!(
            ChannelWrite::from(c.clone()),
            ChannelWrite {
                JoinChannel,
                LeaveChannel,
                KickFromChannel,
                BanFromChannel,
                UnbanFromChannel,
                SetChannelModerator,
                UnsetChannelModerator,
                SetChannelMute,
                UnsetChannelMute,
                SetChannelOwner,
                SetChannelPassword,
                ToggleChannelModeration,
                ToggleChannelAnnouncements,
                InviteToChannel,
                SetChannelRights,
                RemoveChannelRights,
                SpeakInChannel,
                CleanupChannels,
                ExpireChannelBans
            }
        );
        assert_eq!(ChannelCommand::try_from(write), Ok(c));
    }
}

#[test]
fn channel_queries() {
    let mut queries = vec![
        ChannelQuery::ChannelsOf { id: BOB },
        ChannelQuery::SpeakCheck {
            id: ALICE,
            channel: "lfg".into(),
        },
        ChannelQuery::Rights { name: "LFG".into() },
    ];
    for team in [Team::Alliance, Team::Horde, Team::Neutral] {
        let (realm, name) = (2, "World".to_string());
        queries.extend([
            ChannelQuery::Channel {
                realm,
                team,
                name: name.clone(),
            },
            ChannelQuery::Members {
                realm,
                team,
                name: name.clone(),
            },
            ChannelQuery::Bans { realm, team, name },
        ]);
    }
    for q in queries {
        let read = through_wire!(
            ChannelRead::from(q.clone()),
            ChannelRead {
                GetChannel,
                ListChannelMembers,
                ListChannelsOfCharacter,
                CheckChannelSpeak,
                ListChannelBans,
                GetChannelRights
            }
        );
        assert_eq!(ChannelQuery::try_from(read), Ok(q));
    }
}

#[test]
fn channel_replies() {
    for done in [
        reply::<pb::LeaveChannelResponse>,
        reply::<pb::KickFromChannelResponse>,
        reply::<pb::BanFromChannelResponse>,
        reply::<pb::UnbanFromChannelResponse>,
        reply::<pb::SetChannelModeratorResponse>,
        reply::<pb::UnsetChannelModeratorResponse>,
        reply::<pb::SetChannelMuteResponse>,
        reply::<pb::UnsetChannelMuteResponse>,
        reply::<pb::SetChannelOwnerResponse>,
        reply::<pb::SetChannelPasswordResponse>,
        reply::<pb::InviteToChannelResponse>,
        reply::<pb::SetChannelRightsResponse>,
        reply::<pb::RemoveChannelRightsResponse>,
    ] {
        done(Response::Done);
    }
    for (channel, rejoin) in [
        (channel_info(), false),
        (
            ChannelInfo {
                owner: None,
                channel_id: 2,
                custom_id: 0,
                flags: 0x3c,
                key: ChannelKey {
                    team: Team::Neutral,
                    ..channel_key()
                },
                ..channel_info()
            },
            true,
        ),
    ] {
        reply::<pb::JoinChannelResponse>(Response::Channel(ChannelResponse::Joined {
            channel,
            member_flags: 0x13,
            join_message: "Be nice.".into(),
            rejoin,
        }));
    }
    for enabled in [false, true] {
        reply::<pb::ToggleChannelModerationResponse>(Response::Channel(
            ChannelResponse::Moderation { enabled },
        ));
        reply::<pb::ToggleChannelAnnouncementsResponse>(Response::Channel(
            ChannelResponse::Announcements { enabled },
        ));
    }
    let to = vec![
        Notify {
            id: ALICE,
            gateway: "gw1".into(),
        },
        Notify {
            id: BOB,
            gateway: "gw2".into(),
        },
    ];
    reply::<pb::SpeakInChannelResponse>(Response::Channel(ChannelResponse::Deliver {
        to: to.clone(),
    }));
    reply::<pb::CleanupChannelsResponse>(Response::Channel(ChannelResponse::CleanedUp {
        channels: 4,
        bans: 9,
    }));
    reply::<pb::ExpireChannelBansResponse>(Response::Channel(ChannelResponse::BansExpired {
        bans: 12,
    }));

    for c in [None, Some(channel_info())] {
        query_reply::<pb::GetChannelResponse>(QueryResponse::Channel(
            ChannelQueryResponse::Channel(c),
        ));
    }
    query_reply::<pb::ListChannelMembersResponse>(QueryResponse::Channel(
        ChannelQueryResponse::Members(vec![
            MemberInfo {
                id: ALICE,
                name: "Alice".into(),
                flags: 0x03,
            },
            MemberInfo {
                id: BOB,
                name: "Bob".into(),
                flags: 0x08,
            },
        ]),
    ));
    query_reply::<pb::ListChannelsOfCharacterResponse>(QueryResponse::Channel(
        ChannelQueryResponse::ChannelsOf(vec![Membership {
            channel: channel_key(),
            name: "LFG".into(),
            channel_id: 0,
            member_flags: 0x01,
        }]),
    ));
    query_reply::<pb::CheckChannelSpeakResponse>(QueryResponse::Channel(
        ChannelQueryResponse::Deliver(to),
    ));
    query_reply::<pb::ListChannelBansResponse>(QueryResponse::Channel(ChannelQueryResponse::Bans(
        vec![Ban {
            id: BOB,
            by: ALICE,
            banned_ms: 1_767_225_600_000,
            until_ms: 1_772_409_600_000,
        }],
    )));
    for r in [None, Some(rights())] {
        query_reply::<pb::GetChannelRightsResponse>(QueryResponse::Channel(
            ChannelQueryResponse::Rights(r),
        ));
    }
}

fn mail_item(guid: u32) -> MailItem {
    MailItem {
        guid,
        entry: 6948,
        count: 20,
        flags: 1,
        durability: 35,
        charges: -1,
        random_property_id: -42,
        property_seed: 9,
        text: "A letter.".into(),
    }
}

fn mail(sender: MailSender) -> Mail {
    Mail {
        id: 5,
        realm: 1,
        sender,
        receiver: ALICE,
        subject: "Hello".into(),
        body: "Gold for you.".into(),
        money: 2_000_000,
        cod: 15,
        checked: 0x11,
        stationery: 41,
        template_id: 65_535,
        deliver_ms: 1_767_225_600_000,
        expire_ms: 1_769_817_600_000,
        item_count: 2,
    }
}

/// One sender of each kind, so every message type crosses the wire.
fn senders() -> [MailSender; 5] {
    [
        MailSender::Player(BOB),
        MailSender::Auction(7),
        MailSender::Creature(0),
        MailSender::GameObject(u32::MAX),
        MailSender::Calendar(3),
    ]
}

#[test]
fn mail_commands() {
    let mut commands = vec![
        MailCommand::MarkRead {
            player: ALICE,
            mail: 5,
        },
        MailCommand::TakeMoney {
            player: ALICE,
            mail: 5,
        },
        MailCommand::TakeItem {
            player: ALICE,
            mail: 5,
            item_guid: 900,
        },
        MailCommand::Delete {
            player: ALICE,
            mail: 5,
        },
        MailCommand::ReturnToSender {
            player: ALICE,
            mail: 5,
        },
        MailCommand::ExpireMails { realm: None },
        MailCommand::ExpireMails { realm: Some(0) },
    ];
    for sender in senders() {
        commands.push(MailCommand::Send(SendMail {
            sender,
            receiver: ALICE,
            subject: "Hello".into(),
            body: String::new(),
            money: 0,
            cod: 100,
            items: vec![mail_item(900), mail_item(901)],
            stationery: 62,
            template_id: 1,
            expire_override_ms: Some(86_400_000),
            deliver_delay_ms: Some(0),
        }));
    }
    commands.push(MailCommand::Send(SendMail {
        sender: MailSender::Player(BOB),
        receiver: ALICE,
        subject: String::new(),
        body: "b".repeat(8000),
        money: 2_147_483_646,
        cod: 0,
        items: vec![],
        stationery: 41,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }));
    for c in commands {
        let write = through_wire!(
            MailWrite::from(c.clone()),
            MailWrite {
                SendMail,
                MarkMailRead,
                TakeMailMoney,
                TakeMailItem,
                DeleteMail,
                ReturnMailToSender,
                ExpireMails
            }
        );
        assert_eq!(MailCommand::try_from(write), Ok(c));
    }
}

#[test]
fn mail_queries() {
    for q in [
        MailQuery::List { receiver: ALICE },
        MailQuery::Get { realm: 1, mail: 5 },
        MailQuery::NextMailTime { receiver: BOB },
    ] {
        let read = through_wire!(
            MailRead::from(q.clone()),
            MailRead {
                ListMails,
                GetMail,
                GetNextMailTime
            }
        );
        assert_eq!(MailQuery::try_from(read), Ok(q));
    }
}

#[test]
fn mail_replies() {
    reply::<pb::SendMailResponse>(Response::Mail(MailResponse::Sent {
        mail: 5,
        postage: 60,
        cost: 2_000_060,
        deliver_ms: 1_767_225_600_000,
        expire_ms: 1_769_817_600_000,
    }));
    reply::<pb::MarkMailReadResponse>(Response::Done);
    reply::<pb::TakeMailMoneyResponse>(Response::Mail(MailResponse::MoneyTaken {
        mail: 5,
        money: 2_147_483_646,
    }));
    for (cod_paid, cod_payment_mail) in [(0, None), (500, Some(6))] {
        reply::<pb::TakeMailItemResponse>(Response::Mail(MailResponse::ItemTaken {
            mail: 5,
            item: mail_item(900),
            cod_paid,
            cod_payment_mail,
        }));
    }
    let deleted = Response::Mail(MailResponse::Deleted {
        mail: 5,
        money: 10,
        items: vec![mail_item(900), mail_item(901)],
    });
    reply::<pb::DeleteMailResponse>(deleted.clone());
    reply::<pb::ReturnMailToSenderResponse>(deleted);
    reply::<pb::ReturnMailToSenderResponse>(Response::Mail(MailResponse::Returned {
        mail: 5,
        to: BOB,
        expire_ms: 1_769_817_600_000,
    }));
    reply::<pb::ExpireMailsResponse>(Response::Mail(MailResponse::Swept {
        returned: 3,
        deleted: 4,
        more: true,
    }));

    let with_items = |sender| MailWithItems {
        mail: mail(sender),
        items: vec![mail_item(900), mail_item(901)],
    };
    query_reply::<pb::ListMailsResponse>(QueryResponse::Mail(MailQueryResponse::List {
        mails: senders().into_iter().map(with_items).collect(),
        total: 130,
    }));
    query_reply::<pb::ListMailsResponse>(QueryResponse::Mail(MailQueryResponse::List {
        mails: vec![],
        total: 0,
    }));
    for m in [None, Some(with_items(MailSender::Player(BOB)))] {
        query_reply::<pb::GetMailResponse>(QueryResponse::Mail(MailQueryResponse::Mail(m)));
    }
    for next_delivery_ms in [None, Some(1_767_225_700_000)] {
        query_reply::<pb::GetNextMailTimeResponse>(QueryResponse::Mail(
            MailQueryResponse::NextMailTime {
                unread: 4,
                senders: vec![
                    UnreadMail {
                        sender: MailSender::Player(BOB),
                        stationery: 41,
                        deliver_ms: 1_767_225_600_000,
                    },
                    UnreadMail {
                        sender: MailSender::Auction(2),
                        stationery: 62,
                        deliver_ms: 1_767_225_500_000,
                    },
                ],
                next_delivery_ms,
            },
        ));
    }
}

/// Replies with several possible answers still refuse the ones their RPC does not carry.
#[test]
fn channel_and_mail_mismatches_are_refused() {
    let got = pb::ReturnMailToSenderResponse::from_response(
        header(),
        Response::Mail(MailResponse::MoneyTaken { mail: 1, money: 1 }),
    );
    assert_eq!(
        got.expect_err("a take is not a return").reason,
        "ReturnMailToSender cannot carry Mail(MoneyTaken { mail: 1, money: 1 })"
    );
    let got = pb::DeleteMailResponse::from_response(
        header(),
        Response::Mail(MailResponse::Returned {
            mail: 1,
            to: BOB,
            expire_ms: 0,
        }),
    );
    assert!(got.is_err());
    let got = pb::JoinChannelResponse::from_response(header(), Response::Done);
    assert_eq!(
        got.expect_err("Done is not a join answer").reason,
        "JoinChannel cannot carry Done"
    );
}

/// The admin answers survive the wire, and a client refuses what no node sends: a status
/// without a role, a digest that is not 32 bytes.
#[test]
fn admin_status_and_digest_round_trip_and_refuse_what_no_node_sends() {
    use tavern_proto::convert::{
        Alarm, AlarmKind, ClusterMember, FollowerProgress, NodeRole, NodeStatus, StateDigest,
        TableSize, WatchCounts,
    };
    let member = |id: u64| ClusterMember {
        id,
        raft_addr: format!("10.0.0.{id}:7101"),
        client_addr: format!("10.0.0.{id}:7201"),
    };
    let status = NodeStatus {
        node_id: 1,
        cluster_id: "tavern-prod".into(),
        role: NodeRole::Leader,
        current_term: 3,
        leader_id: Some(1),
        leader_addr: Some("10.0.0.1:7201".into()),
        last_log_index: Some(42),
        committed_index: Some(41),
        applied_index: Some(40),
        applied_index_at_start: Some(0),
        snapshot_index: None,
        purged_index: None,
        voters: vec![member(1), member(2), member(3)],
        learners: vec![member(4)],
        followers: vec![
            FollowerProgress {
                id: 2,
                matched_index: Some(42),
            },
            FollowerProgress {
                id: 4,
                matched_index: None,
            },
        ],
        halted: None,
        alarms: vec![
            Alarm {
                kind: AlarmKind::Quota,
                detail: "the state holds 2000 bytes".into(),
            },
            Alarm {
                kind: AlarmKind::Disk,
                detail: "10 bytes free".into(),
            },
        ],
        state_bytes: 2000,
        disk_free_bytes: Some(10),
        tables: vec![
            TableSize {
                tag: 0x12,
                name: "ACCOUNT_BY_USERNAME".into(),
                entity: None,
                records: 3,
                bytes: 500,
            },
            TableSize {
                tag: 0x50,
                name: "MAIL".into(),
                entity: Some("mails".into()),
                records: 7,
                bytes: 1500,
            },
        ],
        watch: WatchCounts {
            open: 2,
            opened: 9,
            refused: 1,
            cut_off_lagged: 3,
            cut_off_compacted: 4,
        },
    };
    let back = NodeStatus::try_from(wire(&pb::StatusResponse::from(status.clone())));
    assert_eq!(back, Ok(status.clone()));

    let digest = StateDigest {
        sha256: [7; 32],
        applied_index: Some(40),
        records: 12,
    };
    let back = StateDigest::try_from(wire(&pb::StateDigestResponse::from(digest)));
    assert_eq!(back, Ok(digest));
    assert_eq!(digest.hex(), "07".repeat(32));

    let mut no_role = pb::StatusResponse::from(status.clone());
    no_role.role = pb::NodeRole::Unspecified.into();
    assert_eq!(
        NodeStatus::try_from(no_role).map_err(|e| e.to_string()),
        Err("invalid argument: status.role is 0, not a node role".into())
    );
    let mut wide_tag = pb::StatusResponse::from(status);
    wide_tag.tables[1].tag = 256;
    assert_eq!(
        NodeStatus::try_from(wide_tag).map_err(|e| e.to_string()),
        Err("invalid argument: table.tag is 256, a table tag is 0..=255".into())
    );
    let short = pb::StateDigestResponse {
        sha256: vec![1; 31],
        applied_index: None,
        records: 0,
    };
    assert_eq!(
        StateDigest::try_from(short).map_err(|e| e.to_string()),
        Err("invalid argument: digest.sha256 is 31 bytes, a SHA-256 digest is 32".into())
    );
}
