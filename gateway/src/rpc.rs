//! From a domain [`Command`] or [`Query`] to the one gRPC call that carries it, and back.
//!
//! `tavern_proto` gives, per domain, the `<Domain>Write`/`<Domain>Read` enums (one variant per
//! RPC, built `From` the domain command) and `WriteReply`/`QueryReply` (the response message
//! back to the domain [`Response`]). What is left is calling the right tonic method for each
//! variant: [`domains!`] writes the request enums and that `match` from one `Variant => method`
//! line per RPC (the lists of `raft/src/service/domains.rs`; tonic checks each line: a wrong
//! method or message does not compile).

use crate::security::Transport;
use tavern_proto::convert::{
    AccountRead, AccountWrite, ArenaRead, ArenaWrite, ChannelRead, ChannelWrite, CharacterRead,
    CharacterWrite, MailRead, MailWrite, PresenceRead, PresenceWrite, RealmRead, RealmWrite,
    SocialRead, SocialWrite,
};
use tavern_proto::pb;
use tavern_proto::pb::{
    account_service_client, arena_service_client, channel_service_client, character_service_client,
    mail_service_client, presence_service_client, realm_service_client, social_service_client,
};
use tavern_proto::{ConvertError, QueryReply, WriteReply};
use tavern_statemachine::{Command, Query, QueryResponse, Response};
use tonic::Status;

use crate::Error;

/// The answer to a write, with the log index it was applied at.
///
/// ```
/// use tavern_gateway::Written;
/// let w = Written { response: tavern_statemachine::Response::Done, applied_index: 3 };
/// assert_eq!(w.applied_index, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub response: Response,
    pub applied_index: u64,
}

/// The answer to a read, with the applied index it was served at (for `AT_LEAST` reads that
/// must see it).
///
/// ```
/// use tavern_gateway::Served;
/// use tavern_statemachine::{QueryResponse, realm::RealmQueryResponse};
/// let s = Served { response: QueryResponse::Realm(RealmQueryResponse::Realm(None)), applied_index: 3 };
/// assert_eq!(s.applied_index, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub response: QueryResponse,
    pub applied_index: u64,
}

/// Declares [`WriteRequest`] and [`ReadRequest`] (one variant per domain), their
/// construction from a domain command or query, and `send`, which calls the tonic method of
/// the RPC and converts its reply back to the domain answer with its applied index.
macro_rules! domains {
    ($($domain:ident: $write:ident, $read:ident, $client:path {
        write { $($wv:ident => $wm:ident,)+ }
        read { $($rv:ident => $rm:ident,)+ }
    })+) => {
        /// A write, as the message of one RPC.
        #[derive(Debug, Clone)]
        pub(crate) enum WriteRequest {
            $($domain($write),)+
        }

        /// A read, as the message of one RPC.
        #[derive(Debug, Clone)]
        pub(crate) enum ReadRequest {
            $($domain($read),)+
        }

        impl WriteRequest {
            /// The RPC for `command`, with `header` (its request id) set.
            pub(crate) fn new(command: Command, header: pb::RequestHeader) -> Result<Self, Error> {
                Ok(match command {
                    $(Command::$domain(c) => WriteRequest::$domain($write::from(c).with_header(header)),)+
                    other => return Err(no_rpc(&format!("{other:?}"))),
                })
            }

            /// Sends it on `channel`.
            pub(crate) async fn send(
                self,
                channel: Transport,
            ) -> Result<Result<Written, ConvertError>, Status> {
                match self {
                    $(WriteRequest::$domain(w) => {
                        use $client as client;
                        match w {
                            $($write::$wv(r) => {
                                let reply = client::new(channel).$wm(r).await?.into_inner();
                                let applied_index = reply.header.as_ref().map_or(0, |h| h.applied_index);
                                Ok(reply.into_response().map(|response| Written { response, applied_index }))
                            })+
                        }
                    })+
                }
            }
        }

        impl ReadRequest {
            /// The RPC for `query`, with `header` (its read level) set.
            pub(crate) fn new(query: Query, header: pb::RequestHeader) -> Result<Self, Error> {
                Ok(match query {
                    $(Query::$domain(q) => ReadRequest::$domain($read::from(q).with_header(header)),)+
                    other => return Err(no_rpc(&format!("{other:?}"))),
                })
            }

            /// Sends it on `channel`.
            pub(crate) async fn send(
                self,
                channel: Transport,
            ) -> Result<Result<Served, ConvertError>, Status> {
                match self {
                    $(ReadRequest::$domain(q) => {
                        use $client as client;
                        match q {
                            $($read::$rv(r) => {
                                let reply = client::new(channel).$rm(r).await?.into_inner();
                                let applied_index = reply.header.as_ref().map_or(0, |h| h.applied_index);
                                Ok(reply.into_query_response().map(|response| Served { response, applied_index }))
                            })+
                        }
                    })+
                }
            }
        }
    };
}

/// A command or query no RPC carries (cluster config and session sweeps are the node's own).
fn no_rpc(what: &str) -> Error {
    Error::Protocol(format!("{what} is not sent by clients"))
}

domains! {
    Realm: RealmWrite, RealmRead, realm_service_client::RealmServiceClient {
        write {
            UpsertRealm => upsert_realm,
        }
        read {
            GetRealm => get_realm,
            ListRealms => list_realms,
        }
    }
    Account: AccountWrite, AccountRead, account_service_client::AccountServiceClient {
        write {
            UpsertAccount => upsert_account,
            SetAccountLocked => set_account_locked,
            SetAccountGmLevel => set_account_gm_level,
        }
        read {
            GetAccount => get_account,
            GetAccountByUsername => get_account_by_username,
        }
    }
    Character: CharacterWrite, CharacterRead, character_service_client::CharacterServiceClient {
        write {
            CreateCharacter => create_character,
            RenameCharacter => rename_character,
            DeleteCharacter => delete_character,
        }
        read {
            GetCharacter => get_character,
            GetCharacterByName => get_character_by_name,
            ListCharactersOfAccount => list_characters_of_account,
        }
    }
    Presence: PresenceWrite, PresenceRead, presence_service_client::PresenceServiceClient {
        write {
            RegisterGateway => register_gateway,
            RenewGateway => renew_gateway,
            UnregisterGateway => unregister_gateway,
            ExpireGateways => expire_gateways,
            Login => login,
            Logout => logout,
            UpdatePresence => update_presence,
            SetAwayStatus => set_away_status,
        }
        read {
            GetPresence => get_presence,
            GetOnlineByName => get_online_by_name,
            GetPresenceByIds => get_presence_by_ids,
            ListOnline => list_online,
            GetOnlineOfAccount => get_online_of_account,
            Who => who,
            GetGateway => get_gateway,
            ListPresenceOfGateway => list_presence_of_gateway,
        }
    }
    Social: SocialWrite, SocialRead, social_service_client::SocialServiceClient {
        write {
            AddFriend => add_friend,
            RemoveFriend => remove_friend,
            SetFriendNote => set_friend_note,
            AddIgnore => add_ignore,
            RemoveIgnore => remove_ignore,
            RequestAccountFriend => request_account_friend,
            AcceptAccountFriend => accept_account_friend,
            DeclineAccountFriend => decline_account_friend,
            RemoveAccountFriend => remove_account_friend,
        }
        read {
            GetFriendList => get_friend_list,
            ListWhoHasAsFriend => list_who_has_as_friend,
            ListAccountFriends => list_account_friends,
            ResolveWhisper => resolve_whisper,
            IsIgnoring => is_ignoring,
        }
    }
    Channel: ChannelWrite, ChannelRead, channel_service_client::ChannelServiceClient {
        write {
            JoinChannel => join_channel,
            LeaveChannel => leave_channel,
            KickFromChannel => kick_from_channel,
            BanFromChannel => ban_from_channel,
            UnbanFromChannel => unban_from_channel,
            SetChannelModerator => set_channel_moderator,
            UnsetChannelModerator => unset_channel_moderator,
            SetChannelMute => set_channel_mute,
            UnsetChannelMute => unset_channel_mute,
            SetChannelOwner => set_channel_owner,
            SetChannelPassword => set_channel_password,
            ToggleChannelModeration => toggle_channel_moderation,
            ToggleChannelAnnouncements => toggle_channel_announcements,
            InviteToChannel => invite_to_channel,
            SetChannelRights => set_channel_rights,
            RemoveChannelRights => remove_channel_rights,
            SpeakInChannel => speak_in_channel,
            CleanupChannels => cleanup_channels,
            ExpireChannelBans => expire_channel_bans,
        }
        read {
            GetChannel => get_channel,
            ListChannelMembers => list_channel_members,
            ListChannelsOfCharacter => list_channels_of_character,
            CheckChannelSpeak => check_channel_speak,
            ListChannelBans => list_channel_bans,
            GetChannelRights => get_channel_rights,
        }
    }
    Mail: MailWrite, MailRead, mail_service_client::MailServiceClient {
        write {
            SendMail => send_mail,
            MarkMailRead => mark_mail_read,
            TakeMailMoney => take_mail_money,
            TakeMailItem => take_mail_item,
            DeleteMail => delete_mail,
            ReturnMailToSender => return_mail_to_sender,
            ExpireMails => expire_mails,
        }
        read {
            ListMails => list_mails,
            GetMail => get_mail,
            GetNextMailTime => get_next_mail_time,
        }
    }
    Arena: ArenaWrite, ArenaRead, arena_service_client::ArenaServiceClient {
        write {
            CreateArenaTeam => create_arena_team,
            InviteToArenaTeam => invite_to_arena_team,
            AcceptArenaTeamInvite => accept_arena_team_invite,
            DeclineArenaTeamInvite => decline_arena_team_invite,
            LeaveArenaTeam => leave_arena_team,
            RemoveArenaTeamMember => remove_arena_team_member,
            SetArenaTeamCaptain => set_arena_team_captain,
            DisbandArenaTeam => disband_arena_team,
            ApplyArenaMatchResult => apply_arena_match_result,
            FinishArenaWeek => finish_arena_week,
            ExpireArenaInvites => expire_arena_invites,
            ExpireArenaMatchIds => expire_arena_match_ids,
        }
        read {
            GetArenaTeam => get_arena_team,
            GetArenaTeamByName => get_arena_team_by_name,
            GetArenaTeamRoster => get_arena_team_roster,
            ListArenaTeamsOfCharacter => list_arena_teams_of_character,
            GetArenaTeamInvite => get_arena_team_invite,
        }
    }
}
