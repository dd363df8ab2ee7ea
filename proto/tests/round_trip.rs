//! Every command, query, response and query response of the core domains survives
//! domain → wire message → protobuf bytes → wire message → domain unchanged.

use prost::Message;
use tavern_proto::convert::{
    AccountRead, AccountWrite, CharacterRead, CharacterWrite, PresenceRead, PresenceWrite,
    QueryReply, ReadLevel, RealmRead, RealmWrite, RequestHeader, WriteReply,
};
use tavern_proto::pb;
use tavern_statemachine::account::{Account, AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::character::{
    Character, CharacterCommand, CharacterQuery, CharacterQueryResponse, CharacterResponse,
};
use tavern_statemachine::presence::{
    Gateway, Login, Presence, PresenceCommand, PresenceQuery, PresenceQueryResponse,
    PresenceResponse, PresenceUpdate, Who,
};
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::{CharacterId, QueryResponse, RequestId, Response};

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
