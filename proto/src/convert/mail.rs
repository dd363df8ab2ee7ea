//! `MailService` ⇄ `tavern_statemachine::mail`.
//!
//! Money is `uint32` copper on the wire, as in the domain, and every money field is checked
//! against [`MONEY_COPPER_MAX`] both ways. Field names are the state machine's (`mail.subject`,
//! `mail.items[3].text`).
//!
//! Attachments: the game allows [`MAIL_ITEMS_MAX`] and answers more with its own
//! `TOO_MANY_ATTACHMENTS` code, so a send may carry up to [`SEND_MAIL_ITEMS_MAX`] items on the
//! wire and the state machine gives that answer (as [`CHARACTER_NAME_BYTES_MAX`] does for
//! names). Answers from the server hold at most [`MAIL_ITEMS_MAX`] items per mail.
//!
//! [`CHARACTER_NAME_BYTES_MAX`]: super::CHARACTER_NAME_BYTES_MAX

use tavern_statemachine::limits::{
    MAIL_BODY_BYTES_MAX, MAIL_ITEMS_MAX, MAIL_SUBJECT_BYTES_MAX, MONEY_COPPER_MAX,
};
use tavern_statemachine::mail::{
    Mail, MailCommand, MailItem, MailQuery, MailQueryResponse, MailResponse, MailSender,
    MailWithItems, SendMail, UnreadMail, MAIL_ITEM_TEXT_BYTES_MAX, MAIL_LIST_SHOWN_MAX,
    NEXT_MAIL_SENDERS_MAX,
};
use tavern_statemachine::{QueryResponse, Response};

use super::{
    byte, bytes_max, character_id, count_max, done_reply, each, mismatch, query_reply, requests,
    required, try_from, write_reply, ConvertError, QueryReply, WriteReply,
};
use crate::pb;
use crate::pb::mail_sender::Kind;
use crate::pb::return_mail_to_sender_response::Outcome;

/// The most items a send may carry on the wire: the count byte of `CMSG_SEND_MAIL`. Sends with
/// 13 to 255 items reach the state machine, which answers `TOO_MANY_ATTACHMENTS`.
pub const SEND_MAIL_ITEMS_MAX: usize = u8::MAX as usize;

/// Copper, at most [`MONEY_COPPER_MAX`].
pub(super) fn money(field: &str, copper: u32) -> Result<u32, ConvertError> {
    if u64::from(copper) > MONEY_COPPER_MAX {
        return Err(ConvertError::new(
            field,
            format!("is {copper} copper, the limit is {MONEY_COPPER_MAX} copper"),
        ));
    }
    Ok(copper)
}

/// A `u32` on the wire that the game keeps in two bytes.
fn u16_of(field: &str, value: u32) -> Result<u16, ConvertError> {
    u16::try_from(value)
        .map_err(|_| ConvertError::new(field, format!("is {value}, the limit is {}", u16::MAX)))
}

impl From<MailSender> for pb::MailSender {
    fn from(s: MailSender) -> Self {
        let kind = match s {
            MailSender::Player(id) => Kind::Player(id.into()),
            MailSender::Auction(id) => Kind::AuctionId(id),
            MailSender::Creature(entry) => Kind::CreatureEntry(entry),
            MailSender::GameObject(entry) => Kind::GameobjectEntry(entry),
            MailSender::Calendar(id) => Kind::CalendarEventId(id),
        };
        pb::MailSender { kind: Some(kind) }
    }
}

/// A required sender: the message and one of its kinds must be set.
pub(super) fn sender(field: &str, s: Option<pb::MailSender>) -> Result<MailSender, ConvertError> {
    Ok(match required(field, required(field, s)?.kind)? {
        Kind::Player(id) => MailSender::Player(id.into()),
        Kind::AuctionId(id) => MailSender::Auction(id),
        Kind::CreatureEntry(entry) => MailSender::Creature(entry),
        Kind::GameobjectEntry(entry) => MailSender::GameObject(entry),
        Kind::CalendarEventId(id) => MailSender::Calendar(id),
    })
}

impl From<MailItem> for pb::MailItem {
    fn from(i: MailItem) -> Self {
        pb::MailItem {
            guid: i.guid,
            entry: i.entry,
            count: i.count,
            flags: i.flags,
            durability: i.durability,
            charges: i.charges,
            random_property_id: i.random_property_id,
            property_seed: i.property_seed,
            text: i.text,
        }
    }
}

impl TryFrom<pb::MailItem> for MailItem {
    type Error = ConvertError;

    fn try_from(i: pb::MailItem) -> Result<Self, ConvertError> {
        Ok(MailItem {
            guid: i.guid,
            entry: i.entry,
            count: i.count,
            flags: i.flags,
            durability: i.durability,
            charges: i.charges,
            random_property_id: i.random_property_id,
            property_seed: i.property_seed,
            text: bytes_max("item.text", i.text, MAIL_ITEM_TEXT_BYTES_MAX)?,
        })
    }
}

/// The items of a mail the server answered with: at most [`MAIL_ITEMS_MAX`].
pub(super) fn items(list: &str, items: Vec<pb::MailItem>) -> Result<Vec<MailItem>, ConvertError> {
    count_max(list, items.len(), MAIL_ITEMS_MAX)?;
    each(list, items, MailItem::try_from)
}

pub(super) fn items_to_wire(items: Vec<MailItem>) -> Vec<pb::MailItem> {
    items.into_iter().map(Into::into).collect()
}

impl From<Mail> for pb::Mail {
    fn from(m: Mail) -> Self {
        pb::Mail {
            id: m.id,
            realm: m.realm,
            sender: Some(m.sender.into()),
            receiver: Some(m.receiver.into()),
            subject: m.subject,
            body: m.body,
            money: m.money,
            cod: m.cod,
            checked: m.checked.into(),
            stationery: m.stationery.into(),
            template_id: m.template_id.into(),
            deliver_ms: m.deliver_ms,
            expire_ms: m.expire_ms,
            item_count: m.item_count.into(),
        }
    }
}

impl TryFrom<pb::Mail> for Mail {
    type Error = ConvertError;

    fn try_from(m: pb::Mail) -> Result<Self, ConvertError> {
        Ok(Mail {
            id: m.id,
            realm: m.realm,
            sender: sender("mail.sender", m.sender)?,
            receiver: character_id("mail.receiver", m.receiver)?,
            subject: bytes_max("mail.subject", m.subject, MAIL_SUBJECT_BYTES_MAX)?,
            body: bytes_max("mail.body", m.body, MAIL_BODY_BYTES_MAX)?,
            money: money("mail.money", m.money)?,
            cod: money("mail.cod", m.cod)?,
            checked: byte("mail.checked", m.checked)?,
            stationery: byte("mail.stationery", m.stationery)?,
            template_id: u16_of("mail.template_id", m.template_id)?,
            deliver_ms: m.deliver_ms,
            expire_ms: m.expire_ms,
            item_count: byte("mail.item_count", m.item_count)?,
        })
    }
}

impl From<MailWithItems> for pb::MailWithItems {
    fn from(m: MailWithItems) -> Self {
        pb::MailWithItems {
            mail: Some(m.mail.into()),
            items: items_to_wire(m.items),
        }
    }
}

impl TryFrom<pb::MailWithItems> for MailWithItems {
    type Error = ConvertError;

    fn try_from(m: pb::MailWithItems) -> Result<Self, ConvertError> {
        Ok(MailWithItems {
            mail: Mail::try_from(required("mail", m.mail)?)?,
            items: items("mail.items", m.items)?,
        })
    }
}

impl From<UnreadMail> for pb::UnreadMail {
    fn from(u: UnreadMail) -> Self {
        pb::UnreadMail {
            sender: Some(u.sender.into()),
            stationery: u.stationery.into(),
            deliver_ms: u.deliver_ms,
        }
    }
}

impl TryFrom<pb::UnreadMail> for UnreadMail {
    type Error = ConvertError;

    fn try_from(u: pb::UnreadMail) -> Result<Self, ConvertError> {
        Ok(UnreadMail {
            sender: sender("unread.sender", u.sender)?,
            stationery: byte("unread.stationery", u.stationery)?,
            deliver_ms: u.deliver_ms,
        })
    }
}

impl From<SendMail> for pb::SendMailRequest {
    fn from(s: SendMail) -> Self {
        pb::SendMailRequest {
            header: None,
            sender: Some(s.sender.into()),
            receiver: Some(s.receiver.into()),
            subject: s.subject,
            body: s.body,
            money: s.money,
            cod: s.cod,
            items: items_to_wire(s.items),
            stationery: s.stationery.into(),
            template_id: s.template_id.into(),
            expire_override_ms: s.expire_override_ms,
            deliver_delay_ms: s.deliver_delay_ms,
        }
    }
}

requests! {
    /// The write RPCs of `MailService`.
    MailWrite => MailCommand {
        SendMail(pb::SendMailRequest),
        MarkMailRead(pb::MarkMailReadRequest),
        TakeMailMoney(pb::TakeMailMoneyRequest),
        TakeMailItem(pb::TakeMailItemRequest),
        DeleteMail(pb::DeleteMailRequest),
        ReturnMailToSender(pb::ReturnMailToSenderRequest),
        ExpireMails(pb::ExpireMailsRequest),
    }
}

requests! {
    /// The read RPCs of `MailService`.
    MailRead => MailQuery {
        ListMails(pb::ListMailsRequest),
        GetMail(pb::GetMailRequest),
        GetNextMailTime(pb::GetNextMailTimeRequest),
    }
}

impl From<MailCommand> for MailWrite {
    fn from(c: MailCommand) -> Self {
        use MailWrite as W;
        let header = None;
        match c {
            MailCommand::Send(s) => W::SendMail(s.into()),
            MailCommand::MarkRead { player, mail } => W::MarkMailRead(pb::MarkMailReadRequest {
                header,
                player: Some(player.into()),
                mail_id: mail,
            }),
            MailCommand::TakeMoney { player, mail } => W::TakeMailMoney(pb::TakeMailMoneyRequest {
                header,
                player: Some(player.into()),
                mail_id: mail,
            }),
            MailCommand::TakeItem {
                player,
                mail,
                item_guid,
            } => W::TakeMailItem(pb::TakeMailItemRequest {
                header,
                player: Some(player.into()),
                mail_id: mail,
                item_guid,
            }),
            MailCommand::Delete { player, mail } => W::DeleteMail(pb::DeleteMailRequest {
                header,
                player: Some(player.into()),
                mail_id: mail,
            }),
            MailCommand::ReturnToSender { player, mail } => {
                W::ReturnMailToSender(pb::ReturnMailToSenderRequest {
                    header,
                    player: Some(player.into()),
                    mail_id: mail,
                })
            }
            MailCommand::ExpireMails { realm } => {
                W::ExpireMails(pb::ExpireMailsRequest { header, realm })
            }
        }
    }
}

impl From<MailQuery> for MailRead {
    fn from(q: MailQuery) -> Self {
        use MailRead as R;
        let header = None;
        match q {
            MailQuery::List { receiver } => R::ListMails(pb::ListMailsRequest {
                header,
                receiver: Some(receiver.into()),
            }),
            MailQuery::Get { realm, mail } => R::GetMail(pb::GetMailRequest {
                header,
                realm,
                mail_id: mail,
            }),
            MailQuery::NextMailTime { receiver } => {
                R::GetNextMailTime(pb::GetNextMailTimeRequest {
                    header,
                    receiver: Some(receiver.into()),
                })
            }
        }
    }
}

try_from!(pb::SendMailRequest => MailCommand, |r| {
    count_max("mail.items", r.items.len(), SEND_MAIL_ITEMS_MAX)?;
    MailCommand::Send(SendMail {
        sender: sender("mail.sender", r.sender)?,
        receiver: character_id("mail.receiver", r.receiver)?,
        subject: bytes_max("mail.subject", r.subject, MAIL_SUBJECT_BYTES_MAX)?,
        body: bytes_max("mail.body", r.body, MAIL_BODY_BYTES_MAX)?,
        money: money("mail.money", r.money)?,
        cod: money("mail.cod", r.cod)?,
        items: each("mail.items", r.items, MailItem::try_from)?,
        stationery: byte("mail.stationery", r.stationery)?,
        template_id: u16_of("mail.template_id", r.template_id)?,
        expire_override_ms: r.expire_override_ms,
        deliver_delay_ms: r.deliver_delay_ms,
    })
});
try_from!(pb::MarkMailReadRequest => MailCommand, |r| MailCommand::MarkRead {
    player: character_id("player", r.player)?,
    mail: r.mail_id,
});
try_from!(pb::TakeMailMoneyRequest => MailCommand, |r| MailCommand::TakeMoney {
    player: character_id("player", r.player)?,
    mail: r.mail_id,
});
try_from!(pb::TakeMailItemRequest => MailCommand, |r| MailCommand::TakeItem {
    player: character_id("player", r.player)?,
    mail: r.mail_id,
    item_guid: r.item_guid,
});
try_from!(pb::DeleteMailRequest => MailCommand, |r| MailCommand::Delete {
    player: character_id("player", r.player)?,
    mail: r.mail_id,
});
try_from!(pb::ReturnMailToSenderRequest => MailCommand, |r| MailCommand::ReturnToSender {
    player: character_id("player", r.player)?,
    mail: r.mail_id,
});
try_from!(pb::ExpireMailsRequest => MailCommand, |r| MailCommand::ExpireMails {
    realm: r.realm,
});

try_from!(pb::ListMailsRequest => MailQuery, |r| MailQuery::List {
    receiver: character_id("receiver", r.receiver)?,
});
try_from!(pb::GetMailRequest => MailQuery, |r| MailQuery::Get {
    realm: r.realm,
    mail: r.mail_id,
});
try_from!(pb::GetNextMailTimeRequest => MailQuery, |r| MailQuery::NextMailTime {
    receiver: character_id("receiver", r.receiver)?,
});

done_reply!(pb::MarkMailReadResponse);

write_reply!(Mail,
    pb::SendMailResponse, "SendMail",
    MailResponse::Sent { mail, postage, cost, deliver_ms, expire_ms } => {
        mail_id: mail,
        postage,
        cost,
        deliver_ms,
        expire_ms,
    },
    |m| MailResponse::Sent {
        mail: m.mail_id,
        postage: money("postage", m.postage)?,
        cost: money("cost", m.cost)?,
        deliver_ms: m.deliver_ms,
        expire_ms: m.expire_ms,
    }
);
write_reply!(Mail,
    pb::TakeMailMoneyResponse, "TakeMailMoney",
    MailResponse::MoneyTaken { mail, money } => { mail_id: mail, money },
    |m| MailResponse::MoneyTaken { mail: m.mail_id, money: money("money", m.money)? }
);
write_reply!(Mail,
    pb::TakeMailItemResponse, "TakeMailItem",
    MailResponse::ItemTaken { mail, item, cod_paid, cod_payment_mail } => {
        mail_id: mail,
        item: Some(item.into()),
        cod_paid,
        cod_payment_mail_id: cod_payment_mail,
    },
    |m| MailResponse::ItemTaken {
        mail: m.mail_id,
        item: MailItem::try_from(required("item", m.item)?)?,
        cod_paid: money("cod_paid", m.cod_paid)?,
        cod_payment_mail: m.cod_payment_mail_id,
    }
);
write_reply!(Mail,
    pb::DeleteMailResponse, "DeleteMail",
    MailResponse::Deleted { mail, money, items } => {
        mail_id: mail,
        money,
        items: items_to_wire(items),
    },
    |m| MailResponse::Deleted {
        mail: m.mail_id,
        money: money("money", m.money)?,
        items: items("items", m.items)?,
    }
);
write_reply!(Mail,
    pb::ExpireMailsResponse, "ExpireMails",
    MailResponse::Swept { returned, deleted, more } => { returned, deleted, more },
    |m| MailResponse::Swept { returned: m.returned, deleted: m.deleted, more: m.more }
);

/// Return to sender answers either outcome: the mail went back, or its sender is gone and it
/// was deleted.
impl WriteReply for pb::ReturnMailToSenderResponse {
    fn from_response(header: pb::ResponseHeader, response: Response) -> Result<Self, ConvertError> {
        let outcome = match response {
            Response::Mail(MailResponse::Returned {
                mail,
                to,
                expire_ms,
            }) => Outcome::Returned(pb::MailReturned {
                mail_id: mail,
                to: Some(to.into()),
                expire_ms,
            }),
            Response::Mail(MailResponse::Deleted { mail, money, items }) => {
                Outcome::Deleted(pb::MailDeleted {
                    mail_id: mail,
                    money,
                    items: items_to_wire(items),
                })
            }
            other => return Err(mismatch("ReturnMailToSender", &other)),
        };
        Ok(Self {
            header: Some(header),
            outcome: Some(outcome),
        })
    }

    fn into_response(self) -> Result<Response, ConvertError> {
        Ok(Response::Mail(match required("outcome", self.outcome)? {
            Outcome::Returned(r) => MailResponse::Returned {
                mail: r.mail_id,
                to: character_id("returned.to", r.to)?,
                expire_ms: r.expire_ms,
            },
            Outcome::Deleted(d) => MailResponse::Deleted {
                mail: d.mail_id,
                money: money("deleted.money", d.money)?,
                items: items("deleted.items", d.items)?,
            },
        }))
    }
}

query_reply!(Mail,
    pb::ListMailsResponse, "ListMails",
    MailQueryResponse::List { mails, total } => {
        mails: mails.into_iter().map(Into::into).collect(),
        total,
    },
    |m| {
        count_max("mails", m.mails.len(), MAIL_LIST_SHOWN_MAX)?;
        MailQueryResponse::List {
            mails: each("mails", m.mails, MailWithItems::try_from)?,
            total: m.total,
        }
    }
);
query_reply!(Mail,
    pb::GetMailResponse, "GetMail",
    MailQueryResponse::Mail(mail) => { mail: mail.map(Into::into) },
    |m| MailQueryResponse::Mail(m.mail.map(MailWithItems::try_from).transpose()?)
);
query_reply!(Mail,
    pb::GetNextMailTimeResponse, "GetNextMailTime",
    MailQueryResponse::NextMailTime { unread, senders, next_delivery_ms } => {
        unread,
        senders: senders.into_iter().map(Into::into).collect(),
        next_delivery_ms,
    },
    |m| {
        count_max("senders", m.senders.len(), NEXT_MAIL_SENDERS_MAX)?;
        MailQueryResponse::NextMailTime {
            unread: m.unread,
            senders: each("senders", m.senders, UnreadMail::try_from)?,
            next_delivery_ms: m.next_delivery_ms,
        }
    }
);
