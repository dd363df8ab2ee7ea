//! Typed calls of the mail domain: send, read, take money and items (paying COD), delete,
//! return, and the expiry sweep.
//!
//! Calls whose answer has several parts return the whole [`MailResponse`] variant (its
//! fields are named there); the others return the one value that matters.

use tavern_statemachine::mail::{
    MailCommand, MailQuery, MailQueryResponse, MailResponse, MailWithItems, SendMail, UnreadMail,
};
use tavern_statemachine::{CharacterId, Command, MailId, Query, QueryResponse, RealmId, Response};

use super::typed_calls;

typed_calls! {
    /// Mail: the mailbox of every character, money, items and cash on delivery.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// use tavern_statemachine::CharacterId;
    /// let (mails, total) = client.list_mails(CharacterId { realm: 1, low: 1 }).await?;
    /// # Ok(()) }
    /// ```
    trait MailApi;

    /// Sends a mail; answers the whole [`MailResponse::Sent`] (its id, postage, cost,
    /// delivery and expiry times).
    write send_mail(mail: SendMail) -> MailResponse
        = Command::Mail(MailCommand::Send(mail));
        Response::Mail(sent @ MailResponse::Sent { .. }) => sent;
        example "use tavern_statemachine::mail::{MailSender, SendMail};
let sent = client.send_mail(SendMail { sender: MailSender::Player(arthas), receiver: jaina,
    subject: \"Gold\".into(), body: String::new(), money: 100, cod: 0, items: vec![],
    stationery: 41, template_id: 0, expire_override_ms: None, deliver_delay_ms: None }).await?;";

    /// Marks a visible mail read.
    write mark_mail_read(player: CharacterId, mail: MailId) -> ()
        = Command::Mail(MailCommand::MarkRead { player, mail }); Response::Done => ();
        example "client.mark_mail_read(jaina, 1).await?;";

    /// Takes all the money of a visible mail, once; answers how much (what the worldserver
    /// credits).
    write take_mail_money(player: CharacterId, mail: MailId) -> u32
        = Command::Mail(MailCommand::TakeMoney { player, mail });
        Response::Mail(MailResponse::MoneyTaken { money, .. }) => money;
        example "let money = client.take_mail_money(jaina, 1).await?;";

    /// Takes one item of a visible mail, paying its COD first; answers the whole
    /// [`MailResponse::ItemTaken`] (the item, the COD paid, the payment mail to the seller).
    write take_mail_item(player: CharacterId, mail: MailId, item_guid: u32) -> MailResponse
        = Command::Mail(MailCommand::TakeItem { player, mail, item_guid });
        Response::Mail(taken @ MailResponse::ItemTaken { .. }) => taken;
        example "let taken = client.take_mail_item(jaina, 1, 1000).await?;";

    /// Deletes a visible mail with what it still holds (refused while COD is due); answers
    /// the whole [`MailResponse::Deleted`].
    write delete_mail(player: CharacterId, mail: MailId) -> MailResponse
        = Command::Mail(MailCommand::Delete { player, mail });
        Response::Mail(deleted @ MailResponse::Deleted { .. }) => deleted;
        example "let deleted = client.delete_mail(jaina, 1).await?;";

    /// Sends a visible player mail back to its sender; answers the whole
    /// [`MailResponse::Returned`] (or [`MailResponse::Deleted`] when the sender is gone).
    write return_mail_to_sender(player: CharacterId, mail: MailId) -> MailResponse
        = Command::Mail(MailCommand::ReturnToSender { player, mail });
        Response::Mail(r @ (MailResponse::Returned { .. } | MailResponse::Deleted { .. })) => r;
        example "let returned = client.return_mail_to_sender(jaina, 1).await?;";

    /// Returns or deletes expired mail of one realm or all, a batch at a time; answers the
    /// whole [`MailResponse::Swept`] (normally the leader's job).
    write expire_mails(realm: Option<RealmId>) -> MailResponse
        = Command::Mail(MailCommand::ExpireMails { realm });
        Response::Mail(swept @ MailResponse::Swept { .. }) => swept;
        example "let swept = client.expire_mails(Some(1)).await?;";

    /// The mails in a mailbox (delivered, not expired; newest first, the first page) and how
    /// many there are in all.
    read list_mails(receiver: CharacterId) -> (Vec<MailWithItems>, u32)
        = Query::Mail(MailQuery::List { receiver });
        QueryResponse::Mail(MailQueryResponse::List { mails, total }) => (mails, total);
        example "let (mails, total) = client.list_mails(jaina).await?;";

    /// One mail whatever its state.
    read get_mail(realm: RealmId, mail: MailId) -> Option<MailWithItems>
        = Query::Mail(MailQuery::Get { realm, mail });
        QueryResponse::Mail(MailQueryResponse::Mail(m)) => m;
        example "let mail = client.get_mail(1, 1).await?;";

    /// `MSG_QUERY_NEXT_MAIL_TIME`: the unread count, up to two unread senders, and the
    /// earliest delivery still to come.
    read get_next_mail_time(receiver: CharacterId) -> (u32, Vec<UnreadMail>, Option<u64>)
        = Query::Mail(MailQuery::NextMailTime { receiver });
        QueryResponse::Mail(MailQueryResponse::NextMailTime { unread, senders, next_delivery_ms })
            => (unread, senders, next_delivery_ms);
        example "let (unread, senders, next_delivery_ms) = client.get_next_mail_time(jaina).await?;";
}
