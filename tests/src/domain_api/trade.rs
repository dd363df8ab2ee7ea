//! Mail (money, items, COD, the delivery delay, return) and arena teams (invites, a match).

use tavern_gateway::prelude::*;
use tavern_statemachine::arena::{ArenaResult, CreateTeam, Emblem, MatchResult};
use tavern_statemachine::mail::{MailItem, MailResponse, MailResult, MailSender, SendMail};
use tavern_statemachine::{CharacterId, Error as Refusal, MailId};

use super::{domain, ok, ARTHAS, JAINA, MARWYN, UTHER};

fn letter(from: CharacterId, to: CharacterId, money: u32) -> SendMail {
    SendMail {
        sender: MailSender::Player(from),
        receiver: to,
        subject: "For the journey".into(),
        body: "Spend it well.".into(),
        money,
        cod: 0,
        items: Vec::new(),
        stationery: 41,
        template_id: 0,
        expire_override_ms: None,
        deliver_delay_ms: None,
    }
}

fn sword(guid: u32) -> MailItem {
    MailItem {
        guid,
        entry: 49623,
        count: 1,
        flags: 0,
        durability: 145,
        charges: 0,
        random_property_id: 0,
        property_seed: 0,
        text: String::new(),
    }
}

fn sent_id(sent: &MailResponse) -> MailId {
    match sent {
        MailResponse::Sent { mail, .. } => *mail,
        other => panic!("a send answered {other:?}"),
    }
}

pub async fn mail<B: Backend>(api: &B) {
    // Arthas sends Jaina a gold coin: it arrives at once; its money is taken once.
    let sent = ok(api.send_mail(letter(ARTHAS, JAINA, 10_000)).await);
    let MailResponse::Sent { postage, cost, .. } = sent else {
        panic!("{sent:?}")
    };
    assert_eq!(
        (postage, cost),
        (30, 10_030),
        "30 copper postage, paid with the money"
    );
    let gold = sent_id(&sent);
    let (mails, total) = ok(api.list_mails(JAINA).await);
    assert_eq!(total, 1);
    assert_eq!(
        mails.first().map(|m| (m.mail.id, m.mail.money)),
        Some((gold, 10_000))
    );
    ok(api.mark_mail_read(JAINA, gold).await);
    assert_eq!(
        ok(api.get_next_mail_time(JAINA).await).0,
        0,
        "nothing unread"
    );
    assert_eq!(ok(api.take_mail_money(JAINA, gold).await), 10_000);
    assert_eq!(
        domain(api.take_mail_money(JAINA, gold).await),
        Refusal::Mail(MailResult::InternalError),
        "the money is gone"
    );

    // A sword with cash on delivery from Arthas to his alt: paid once, and the payment
    // comes back to Arthas in a mail of its own.
    let cod = SendMail {
        subject: "Shadowmourne".into(),
        cod: 500_000,
        money: 0,
        items: vec![sword(7001)],
        ..letter(ARTHAS, MARWYN, 0)
    };
    let cod = sent_id(&ok(api.send_mail(cod).await));
    let (mails, _) = ok(api.list_mails(MARWYN).await);
    assert_eq!(
        mails.first().map(|m| (
            m.mail.cod,
            m.items.iter().map(|i| i.guid).collect::<Vec<_>>()
        )),
        Some((500_000, vec![7001]))
    );
    assert_eq!(
        domain(api.delete_mail(MARWYN, cod).await),
        Refusal::Mail(MailResult::InternalError),
        "no deleting a mail whose COD is due"
    );
    let taken = ok(api.take_mail_item(MARWYN, cod, 7001).await);
    let MailResponse::ItemTaken {
        item,
        cod_paid,
        cod_payment_mail: Some(payment),
        ..
    } = taken
    else {
        panic!("a COD item taken answered {taken:?}")
    };
    assert_eq!((item.entry, cod_paid), (49623, 500_000));
    assert_eq!(
        domain(api.take_mail_item(MARWYN, cod, 7001).await),
        Refusal::Mail(MailResult::InternalError),
        "the sword was taken once"
    );
    let (mails, _) = ok(api.list_mails(ARTHAS).await);
    let paid: Vec<(MailId, u32, MailSender)> = mails
        .iter()
        .map(|m| (m.mail.id, m.mail.money, m.mail.sender))
        .collect();
    assert_eq!(paid, [(payment, 500_000, MailSender::Player(MARWYN))]);
    assert_eq!(ok(api.take_mail_money(ARTHAS, payment).await), 500_000);
    let deleted = ok(api.delete_mail(MARWYN, cod).await);
    assert!(
        matches!(deleted, MailResponse::Deleted { money: 0, ref items, .. } if items.is_empty()),
        "{deleted:?}"
    );
    assert_eq!(ok(api.get_mail(1, cod).await), None);

    // An item from Jaina to Arthas (another account) waits an hour before it is delivered.
    let gift = SendMail {
        items: vec![sword(7002)],
        ..letter(JAINA, ARTHAS, 0)
    };
    let gift = ok(api.send_mail(gift).await);
    let MailResponse::Sent {
        mail: gift,
        deliver_ms,
        ..
    } = gift
    else {
        panic!("{gift:?}")
    };
    let (mails, total) = ok(api.list_mails(ARTHAS).await);
    assert!(
        mails.iter().all(|m| m.mail.id != gift) && total == 1,
        "not delivered yet: {mails:?}"
    );
    let (_, _, next) = ok(api.get_next_mail_time(ARTHAS).await);
    assert_eq!(next, Some(deliver_ms));
    assert_eq!(
        ok(api.get_mail(1, gift).await).map(|m| (m.mail.receiver, m.items.len())),
        Some((ARTHAS, 1))
    );

    // Jaina sends the emptied letter back to Arthas, who deletes it.
    let back = ok(api.return_mail_to_sender(JAINA, gold).await);
    assert!(
        matches!(back, MailResponse::Returned { mail, to, .. } if mail == gold && to == ARTHAS),
        "{back:?}"
    );
    assert!(matches!(
        ok(api.delete_mail(ARTHAS, gold).await),
        MailResponse::Deleted { money: 0, .. }
    ));
    assert_eq!(
        ok(api.expire_mails(Some(1)).await),
        MailResponse::Swept {
            returned: 0,
            deleted: 0,
            more: false
        },
        "nothing has expired"
    );
    // A letter Uther still holds when he is deleted (the last chapter).
    ok(api.send_mail(letter(ARTHAS, UTHER, 100)).await);
}

fn two_v_two(captain: CharacterId, name: &str, arena_type: u8) -> CreateTeam {
    CreateTeam {
        realm: 1,
        captain,
        name: name.into(),
        arena_type,
        emblem: Emblem::default(),
    }
}

pub async fn arena<B: Backend>(api: &B) {
    // Arthas founds a 2v2 team and Jaina joins it on invite.
    let throne = ok(api
        .create_arena_team(two_v_two(ARTHAS, "Frozen Throne", 2))
        .await);
    assert_eq!(
        domain(
            api.create_arena_team(two_v_two(UTHER, "frozen throne", 2))
                .await
        ),
        Refusal::Arena(ArenaResult::NameExistsS)
    );
    ok(api
        .invite_to_arena_team(ARTHAS, throne, "Jaina".into())
        .await);
    let invite = ok(api.get_arena_team_invite(JAINA).await).expect("an invite");
    assert_eq!(
        (
            invite.team_name.as_str(),
            invite.inviter_name.as_str(),
            invite.arena_type
        ),
        ("Frozen Throne", "Arthas", 2)
    );
    assert_eq!(ok(api.accept_arena_team_invite(JAINA).await), throne);
    assert_eq!(ok(api.get_arena_team_invite(JAINA).await), None);

    // Uther founds one too; Jaina, already in a 2v2 team, cannot join his.
    let hand = ok(api
        .create_arena_team(two_v_two(UTHER, "Silver Hand", 2))
        .await);
    assert_eq!(
        domain(api.invite_to_arena_team(UTHER, hand, "Jaina".into()).await),
        Refusal::Arena(ArenaResult::AlreadyInArenaTeamS)
    );
    // His 3v3 team: Jaina is invited and declines.
    let hope = ok(api
        .create_arena_team(two_v_two(UTHER, "Light's Hope", 3))
        .await);
    ok(api.invite_to_arena_team(UTHER, hope, "Jaina".into()).await);
    ok(api.decline_arena_team_invite(JAINA).await);
    assert_eq!(ok(api.get_arena_team_invite(JAINA).await), None);

    // A rated match: the Frozen Throne beats the Silver Hand. Applied again (a worldserver
    // retrying), it changes nothing and answers the same outcome.
    let result = MatchResult {
        realm: 1,
        match_id: 1,
        winner: throne,
        loser: hand,
        winner_participants: vec![ARTHAS, JAINA],
        loser_participants: vec![UTHER],
    };
    let (outcome, applied) = ok(api.apply_arena_match_result(result.clone()).await);
    assert!(applied);
    assert!(
        outcome.winner.new_rating > outcome.winner.old_rating,
        "{outcome:?}"
    );
    assert_eq!(outcome.members.len(), 3);
    let (again, applied) = ok(api.apply_arena_match_result(result).await);
    assert!(!applied, "the same match id is applied once");
    assert_eq!(again, outcome);
    let team = ok(api.get_arena_team(1, throne).await).expect("the team");
    assert_eq!(
        (team.rating, team.week_games, team.week_wins),
        (outcome.winner.new_rating, 1, 1)
    );
    let roster = ok(api.get_arena_team_roster(1, throne).await).expect("a roster");
    let played: Vec<(CharacterId, u16, bool)> = roster
        .members
        .iter()
        .map(|m| (m.member.id, m.member.week_games, m.captain))
        .collect();
    assert_eq!(played, [(ARTHAS, 1, true), (JAINA, 1, false)]);
    let teams = ok(api.list_arena_teams_of_character(JAINA).await);
    assert_eq!(
        teams.iter().map(|t| t.team.id).collect::<Vec<_>>(),
        [throne]
    );

    // The week ends: week games start over.
    let week = ok(api.finish_arena_week(1).await);
    assert!(week >= 1);
    let team = ok(api.get_arena_team(1, throne).await).expect("the team");
    assert_eq!(team.clone().this_week(week).week_games, 0, "{team:?}");

    // Captaincy moves to Jaina, who removes Arthas and leaves, which disbands the team.
    ok(api.set_arena_team_captain(ARTHAS, throne, JAINA).await);
    assert_eq!(
        domain(api.leave_arena_team(JAINA, throne).await),
        Refusal::Arena(ArenaResult::LeaderLeaveS),
        "the captain cannot leave a team with members"
    );
    ok(api.remove_arena_team_member(JAINA, throne, ARTHAS).await);
    assert!(ok(api.leave_arena_team(JAINA, throne).await), "disbanded");
    assert_eq!(ok(api.get_arena_team(1, throne).await), None);
    ok(api.disband_arena_team(UTHER, hand).await);
    assert_eq!(
        ok(api.get_arena_team_by_name(1, "Silver Hand".into()).await),
        None
    );
    assert!(ok(api.get_arena_team_by_name(1, "light's hope".into()).await).is_some());
    assert_eq!(ok(api.expire_arena_invites().await), 0);
    assert_eq!(ok(api.expire_arena_match_ids().await), 0);
}
