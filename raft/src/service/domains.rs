//! The eight domain services, one [`domain_service!`] each: every RPC of the `.proto` service,
//! its request and response message, writes first. The domain types come from
//! `tavern_statemachine`, the conversions from `tavern_proto::convert`.

use tavern_statemachine::{account, arena, channel, character, mail, presence, realm, social};

domain_service! {
    /// `RealmService`: `RealmCommand` writes and `RealmQuery` reads.
    RealmSvc: realm_service_server::RealmService, RealmServiceServer;
    Realm: realm::RealmCommand, realm::RealmQuery;
    write {
        upsert_realm(UpsertRealmRequest) -> UpsertRealmResponse;
    }
    read {
        get_realm(GetRealmRequest) -> GetRealmResponse;
        list_realms(ListRealmsRequest) -> ListRealmsResponse;
    }
}

domain_service! {
    /// `AccountService`: `AccountCommand` writes and `AccountQuery` reads.
    AccountSvc: account_service_server::AccountService, AccountServiceServer;
    Account: account::AccountCommand, account::AccountQuery;
    write {
        upsert_account(UpsertAccountRequest) -> UpsertAccountResponse;
        set_account_locked(SetAccountLockedRequest) -> SetAccountLockedResponse;
        set_account_gm_level(SetAccountGmLevelRequest) -> SetAccountGmLevelResponse;
    }
    read {
        get_account(GetAccountRequest) -> GetAccountResponse;
        get_account_by_username(GetAccountByUsernameRequest) -> GetAccountByUsernameResponse;
    }
}

domain_service! {
    /// `CharacterService`: `CharacterCommand` writes and `CharacterQuery` reads.
    CharacterSvc: character_service_server::CharacterService, CharacterServiceServer;
    Character: character::CharacterCommand, character::CharacterQuery;
    write {
        create_character(CreateCharacterRequest) -> CreateCharacterResponse;
        rename_character(RenameCharacterRequest) -> RenameCharacterResponse;
        delete_character(DeleteCharacterRequest) -> DeleteCharacterResponse;
    }
    read {
        get_character(GetCharacterRequest) -> GetCharacterResponse;
        get_character_by_name(GetCharacterByNameRequest) -> GetCharacterByNameResponse;
        list_characters_of_account(ListCharactersOfAccountRequest) -> ListCharactersOfAccountResponse;
    }
}

domain_service! {
    /// `PresenceService`: `PresenceCommand` writes and `PresenceQuery` reads.
    PresenceSvc: presence_service_server::PresenceService, PresenceServiceServer;
    Presence: presence::PresenceCommand, presence::PresenceQuery;
    write {
        register_gateway(RegisterGatewayRequest) -> RegisterGatewayResponse;
        renew_gateway(RenewGatewayRequest) -> RenewGatewayResponse;
        unregister_gateway(UnregisterGatewayRequest) -> UnregisterGatewayResponse;
        expire_gateways(ExpireGatewaysRequest) -> ExpireGatewaysResponse;
        login(LoginRequest) -> LoginResponse;
        logout(LogoutRequest) -> LogoutResponse;
        update_presence(UpdatePresenceRequest) -> UpdatePresenceResponse;
        set_away_status(SetAwayStatusRequest) -> SetAwayStatusResponse;
    }
    read {
        get_presence(GetPresenceRequest) -> GetPresenceResponse;
        get_online_by_name(GetOnlineByNameRequest) -> GetOnlineByNameResponse;
        get_presence_by_ids(GetPresenceByIdsRequest) -> GetPresenceByIdsResponse;
        list_online(ListOnlineRequest) -> ListOnlineResponse;
        get_online_of_account(GetOnlineOfAccountRequest) -> GetOnlineOfAccountResponse;
        who(WhoRequest) -> WhoResponse;
        get_gateway(GetGatewayRequest) -> GetGatewayResponse;
        list_presence_of_gateway(ListPresenceOfGatewayRequest) -> ListPresenceOfGatewayResponse;
    }
}

domain_service! {
    /// `SocialService`: `SocialCommand` writes and `SocialQuery` reads.
    SocialSvc: social_service_server::SocialService, SocialServiceServer;
    Social: social::SocialCommand, social::SocialQuery;
    write {
        add_friend(AddFriendRequest) -> AddFriendResponse;
        remove_friend(RemoveFriendRequest) -> RemoveFriendResponse;
        set_friend_note(SetFriendNoteRequest) -> SetFriendNoteResponse;
        add_ignore(AddIgnoreRequest) -> AddIgnoreResponse;
        remove_ignore(RemoveIgnoreRequest) -> RemoveIgnoreResponse;
        request_account_friend(RequestAccountFriendRequest) -> RequestAccountFriendResponse;
        accept_account_friend(AcceptAccountFriendRequest) -> AcceptAccountFriendResponse;
        decline_account_friend(DeclineAccountFriendRequest) -> DeclineAccountFriendResponse;
        remove_account_friend(RemoveAccountFriendRequest) -> RemoveAccountFriendResponse;
    }
    read {
        get_friend_list(GetFriendListRequest) -> GetFriendListResponse;
        list_who_has_as_friend(ListWhoHasAsFriendRequest) -> ListWhoHasAsFriendResponse;
        list_account_friends(ListAccountFriendsRequest) -> ListAccountFriendsResponse;
        resolve_whisper(ResolveWhisperRequest) -> ResolveWhisperResponse;
        is_ignoring(IsIgnoringRequest) -> IsIgnoringResponse;
    }
}

domain_service! {
    /// `ChannelService`: `ChannelCommand` writes and `ChannelQuery` reads.
    ChannelSvc: channel_service_server::ChannelService, ChannelServiceServer;
    Channel: channel::ChannelCommand, channel::ChannelQuery;
    write {
        join_channel(JoinChannelRequest) -> JoinChannelResponse;
        leave_channel(LeaveChannelRequest) -> LeaveChannelResponse;
        kick_from_channel(KickFromChannelRequest) -> KickFromChannelResponse;
        ban_from_channel(BanFromChannelRequest) -> BanFromChannelResponse;
        unban_from_channel(UnbanFromChannelRequest) -> UnbanFromChannelResponse;
        set_channel_moderator(SetChannelModeratorRequest) -> SetChannelModeratorResponse;
        unset_channel_moderator(UnsetChannelModeratorRequest) -> UnsetChannelModeratorResponse;
        set_channel_mute(SetChannelMuteRequest) -> SetChannelMuteResponse;
        unset_channel_mute(UnsetChannelMuteRequest) -> UnsetChannelMuteResponse;
        set_channel_owner(SetChannelOwnerRequest) -> SetChannelOwnerResponse;
        set_channel_password(SetChannelPasswordRequest) -> SetChannelPasswordResponse;
        toggle_channel_moderation(ToggleChannelModerationRequest) -> ToggleChannelModerationResponse;
        toggle_channel_announcements(ToggleChannelAnnouncementsRequest) -> ToggleChannelAnnouncementsResponse;
        invite_to_channel(InviteToChannelRequest) -> InviteToChannelResponse;
        set_channel_rights(SetChannelRightsRequest) -> SetChannelRightsResponse;
        remove_channel_rights(RemoveChannelRightsRequest) -> RemoveChannelRightsResponse;
        speak_in_channel(SpeakInChannelRequest) -> SpeakInChannelResponse;
        cleanup_channels(CleanupChannelsRequest) -> CleanupChannelsResponse;
        expire_channel_bans(ExpireChannelBansRequest) -> ExpireChannelBansResponse;
    }
    read {
        get_channel(GetChannelRequest) -> GetChannelResponse;
        list_channel_members(ListChannelMembersRequest) -> ListChannelMembersResponse;
        list_channels_of_character(ListChannelsOfCharacterRequest) -> ListChannelsOfCharacterResponse;
        check_channel_speak(CheckChannelSpeakRequest) -> CheckChannelSpeakResponse;
        list_channel_bans(ListChannelBansRequest) -> ListChannelBansResponse;
        get_channel_rights(GetChannelRightsRequest) -> GetChannelRightsResponse;
    }
}

domain_service! {
    /// `MailService`: `MailCommand` writes and `MailQuery` reads.
    MailSvc: mail_service_server::MailService, MailServiceServer;
    Mail: mail::MailCommand, mail::MailQuery;
    write {
        send_mail(SendMailRequest) -> SendMailResponse;
        mark_mail_read(MarkMailReadRequest) -> MarkMailReadResponse;
        take_mail_money(TakeMailMoneyRequest) -> TakeMailMoneyResponse;
        take_mail_item(TakeMailItemRequest) -> TakeMailItemResponse;
        delete_mail(DeleteMailRequest) -> DeleteMailResponse;
        return_mail_to_sender(ReturnMailToSenderRequest) -> ReturnMailToSenderResponse;
        expire_mails(ExpireMailsRequest) -> ExpireMailsResponse;
    }
    read {
        list_mails(ListMailsRequest) -> ListMailsResponse;
        get_mail(GetMailRequest) -> GetMailResponse;
        get_next_mail_time(GetNextMailTimeRequest) -> GetNextMailTimeResponse;
    }
}

domain_service! {
    /// `ArenaService`: `ArenaCommand` writes and `ArenaQuery` reads.
    ArenaSvc: arena_service_server::ArenaService, ArenaServiceServer;
    Arena: arena::ArenaCommand, arena::ArenaQuery;
    write {
        create_arena_team(CreateArenaTeamRequest) -> CreateArenaTeamResponse;
        invite_to_arena_team(InviteToArenaTeamRequest) -> InviteToArenaTeamResponse;
        accept_arena_team_invite(AcceptArenaTeamInviteRequest) -> AcceptArenaTeamInviteResponse;
        decline_arena_team_invite(DeclineArenaTeamInviteRequest) -> DeclineArenaTeamInviteResponse;
        leave_arena_team(LeaveArenaTeamRequest) -> LeaveArenaTeamResponse;
        remove_arena_team_member(RemoveArenaTeamMemberRequest) -> RemoveArenaTeamMemberResponse;
        set_arena_team_captain(SetArenaTeamCaptainRequest) -> SetArenaTeamCaptainResponse;
        disband_arena_team(DisbandArenaTeamRequest) -> DisbandArenaTeamResponse;
        apply_arena_match_result(ApplyArenaMatchResultRequest) -> ApplyArenaMatchResultResponse;
        finish_arena_week(FinishArenaWeekRequest) -> FinishArenaWeekResponse;
        expire_arena_invites(ExpireArenaInvitesRequest) -> ExpireArenaInvitesResponse;
        expire_arena_match_ids(ExpireArenaMatchIdsRequest) -> ExpireArenaMatchIdsResponse;
    }
    read {
        get_arena_team(GetArenaTeamRequest) -> GetArenaTeamResponse;
        get_arena_team_by_name(GetArenaTeamByNameRequest) -> GetArenaTeamByNameResponse;
        get_arena_team_roster(GetArenaTeamRosterRequest) -> GetArenaTeamRosterResponse;
        list_arena_teams_of_character(ListArenaTeamsOfCharacterRequest) -> ListArenaTeamsOfCharacterResponse;
        get_arena_team_invite(GetArenaTeamInviteRequest) -> GetArenaTeamInviteResponse;
    }
}
