//! Mail with money, items and COD (DOMAIN.md 1.6, 2.3, flows 3.1–3.5, 3.10, 3.15).
//!
//! This is where players' gold lives: every copper and every item that enters through a send
//! is, at any time, in exactly one live mail, or was handed out once by a take (the response
//! says how much, so the worldserver credits exactly that), or was reported destroyed by a
//! [`MailEvent::Deleted`]. Every operation is one entry, so none of the races of DOMAIN.md 3
//! (double take, COD paid twice, item in two mails) can happen.
//!
//! Keys (tags `keys::MAIL_BASE + n`):
//! ```text
//! MAIL              | realm u32 | mail u32                 -> Mail
//! MAIL_ITEM         | realm u32 | mail u32 | slot u8       -> MailItem
//! MAIL_BY_RECEIVER  | realm u32 | receiver low u32 | mail  -> ()
//! MAIL_BY_EXPIRY    | expire_ms u64 | realm u32 | mail u32 -> ()
//! MAIL_ITEM_BY_GUID | realm u32 | item guid u32           -> ItemRef { mail, slot }
//! MAIL_NEXT_ID      | realm u32                           -> u64 (next id to try)
//! ```
//! One record per mail and per attached item; the receiver and expiry indexes match the mails
//! exactly; an item guid is attached to at most one live mail (the guid index is the proof).
//! Mail ids come from one counter per realm that only goes up, skipping the configured
//! [`MailConfig::reserved_ids`] range that MySQL-side writers use, so an id is never used twice.
//!
//! Flows:
//! ```text
//! Send ──checks (AC order)──▶ alloc id ─▶ Mail + items + indexes ─▶ Sent{id, cost} + Incoming
//! TakeItem (COD>0) ─▶ item out, COD zeroed, payment mail (money=COD, COD_PAYMENT) to the seller
//! ReturnToSender / expiry / receiver deleted ─▶ back to an existing player sender, RETURNED,
//!                                               else deleted with what it held (Deleted event)
//! ```
//!
//! Decisions where AC and the brief leave room (each documented where it is made):
//! - A second `TakeMoney` (money already 0) answers `INTERNAL_ERROR`; nothing is credited.
//! - COD is only allowed for player senders; if the seller no longer exists when the item is
//!   taken, the COD is waived (`cod_paid = 0`) instead of being charged to nobody (AC charges it
//!   and loses it).
//! - COD payment mails and RETURNED mails are never returned: on expiry they are deleted (AC).
//! - A returned mail keeps its id; its new expiry is `now + (old expire − old deliver)` (ToCloud9).

mod expire;
mod invariants;
mod read;
mod send;
mod store;
mod take;

use serde::{Deserialize, Serialize};

use crate::character::Character;
use crate::command::Response;
use crate::error::Error;
use crate::ids::{CharacterId, GatewayId, MailId, RealmId};
use crate::txn::Txn;

pub use invariants::check_invariants;
pub(crate) use store::check_record;
pub use store::{Mail, MailItem};

/// `checked` bits (`MailCheckMask`, AC `Mail.h`).
pub mod checked {
    pub const READ: u8 = 0x01;
    pub const RETURNED: u8 = 0x02;
    pub const COPIED: u8 = 0x04;
    pub const COD_PAYMENT: u8 = 0x08;
    pub const HAS_BODY: u8 = 0x10;
    /// Every bit the state may hold.
    pub const ALL: u8 = READ | RETURNED | COPIED | COD_PAYMENT | HAS_BODY;
}

/// `MailMessageType` (AC `Mail.h`).
pub mod message_type {
    pub const NORMAL: u8 = 0;
    pub const AUCTION: u8 = 2;
    pub const CREATURE: u8 = 3;
    pub const GAMEOBJECT: u8 = 4;
    pub const CALENDAR: u8 = 5;
}

/// `MailStationery` (AC `Mail.h`, from Stationery.dbc): the only values a mail may carry.
pub mod stationery {
    pub const TEST: u8 = 1;
    pub const DEFAULT: u8 = 41;
    pub const GM: u8 = 61;
    pub const AUCTION: u8 = 62;
    pub const VALENTINE: u8 = 64;
    pub const CHRISTMAS: u8 = 65;
    pub const ORPHAN: u8 = 67;
    pub const ALL: [u8; 7] = [TEST, DEFAULT, GM, AUCTION, VALENTINE, CHRISTMAS, ORPHAN];
}

/// Postage per attached item, and for a mail with no items ("price hardcoded in client").
pub const POSTAGE_COPPER_PER_ITEM: u32 = 30;
/// Mails a list answer carries at most (ToCloud9 `MaxVisibleMailsCount`; the AC client shows
/// 50 and the gateway trims); `total` still counts every visible one.
pub const MAIL_LIST_SHOWN_MAX: usize = 100;
/// Index entries a mailbox query reads at most; past it `total` stops counting.
pub const MAILBOX_SCAN_MAX: usize = 10_000;
/// Unread senders a next-mail-time answer names at most (AC "do not display more than 2").
pub const NEXT_MAIL_SENDERS_MAX: usize = 2;
/// Text carried by an attached item (a letter made from a body), in bytes.
pub const MAIL_ITEM_TEXT_BYTES_MAX: usize = 8000;
/// Longest custom expiry a sender may ask for.
pub const EXPIRY_MS_MAX: u64 = 365 * DAY_MS;
/// Longest delivery delay (config or a non-player sender's override).
pub const DELIVERY_DELAY_MS_MAX: u64 = 30 * DAY_MS;
/// Mails the invariant checker reads at most.
pub const CHECK_MAILS_MAX: usize = 1_000_000;

const DAY_MS: u64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailConfig {
    /// `MailDeliveryDelay`: delay of a player mail whose items go to another account.
    pub delivery_delay_ms: u64,
    /// Ids `first..=last` are left to MySQL-side writers (worldserver native mail).
    pub reserved_ids: Option<(u32, u32)>,
    /// `AllowTwoSide.Interaction.Mail`: mail across factions between accounts.
    pub allow_two_side_mail: bool,
    /// Expiry of a mail that asks for cash on delivery.
    pub cod_expiry_ms: u64,
    /// Expiry of every other mail.
    pub normal_expiry_ms: u64,
    /// Expiry of a mail sent by a GM account (gm level above 0).
    pub gm_expiry_ms: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            delivery_delay_ms: 3_600_000,
            reserved_ids: None,
            allow_two_side_mail: false,
            cod_expiry_ms: 3 * DAY_MS,
            normal_expiry_ms: 30 * DAY_MS,
            gm_expiry_ms: 90 * DAY_MS,
        }
    }
}

impl MailConfig {
    pub fn validate(&self) -> Result<(), Error> {
        if self.delivery_delay_ms > DELIVERY_DELAY_MS_MAX {
            return Err(Error::invalid(
                "config.mail.delivery_delay_ms",
                format!(
                    "is {} ms, the limit is {DELIVERY_DELAY_MS_MAX} ms",
                    self.delivery_delay_ms
                ),
            ));
        }
        for (field, ms) in [
            ("config.mail.cod_expiry_ms", self.cod_expiry_ms),
            ("config.mail.normal_expiry_ms", self.normal_expiry_ms),
            ("config.mail.gm_expiry_ms", self.gm_expiry_ms),
        ] {
            if ms == 0 || ms > EXPIRY_MS_MAX {
                return Err(Error::invalid(
                    field,
                    format!("is {ms} ms, it must be in 1..={EXPIRY_MS_MAX} ms"),
                ));
            }
        }
        if let Some((first, last)) = self.reserved_ids {
            if first == 0 || first > last {
                return Err(Error::invalid(
                    "config.mail.reserved_ids",
                    format!("{first}..={last} is not a range of ids from 1 with first <= last"),
                ));
            }
            if first == 1 && last == u32::MAX {
                return Err(Error::invalid(
                    "config.mail.reserved_ids",
                    "reserves every mail id, tavern would have none",
                ));
            }
        }
        Ok(())
    }
}

/// AC `MailResponseResult` values (`SharedDefines.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailResult {
    /// `MAIL_ERR_CANNOT_SEND_TO_SELF`.
    CannotSendToSelf,
    /// `MAIL_ERR_NOT_ENOUGH_MONEY`: postage plus money overflows the money cap.
    NotEnoughMoney,
    /// `MAIL_ERR_RECIPIENT_NOT_FOUND`.
    RecipientNotFound,
    /// `MAIL_ERR_NOT_YOUR_TEAM`: cross-faction mail without permission.
    NotYourTeam,
    /// `MAIL_ERR_INTERNAL_ERROR`: money and COD together, a mail that is not the player's or
    /// not visible, no money left to take, delete while COD is due, return not allowed.
    InternalError,
    /// `MAIL_ERR_RECIPIENT_CAP_REACHED`: the receiver holds 100 mails.
    RecipientCapReached,
    /// `MAIL_ERR_TOO_MANY_ATTACHMENTS`: more than 12 items.
    TooManyAttachments,
    /// `MAIL_ERR_MAIL_ATTACHMENT_INVALID`: item guid 0, twice in one send, or already in a
    /// live mail.
    AttachmentInvalid,
}

impl MailResult {
    pub fn code(self) -> u32 {
        match self {
            MailResult::CannotSendToSelf => 2,
            MailResult::NotEnoughMoney => 3,
            MailResult::RecipientNotFound => 4,
            MailResult::NotYourTeam => 5,
            MailResult::InternalError => 6,
            MailResult::RecipientCapReached => 15,
            MailResult::TooManyAttachments => 18,
            MailResult::AttachmentInvalid => 19,
        }
    }
}

/// Who a mail is from. Non-player senders carry an entry or id, not a character
/// (AC `MailSender`); the variant gives the message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MailSender {
    Player(CharacterId),
    /// An auction id.
    Auction(u32),
    /// A creature entry.
    Creature(u32),
    /// A game object entry.
    GameObject(u32),
    /// A calendar event id.
    Calendar(u32),
}

impl MailSender {
    /// AC `MailMessageType` of mail from this sender.
    pub fn message_type(&self) -> u8 {
        match self {
            MailSender::Player(_) => message_type::NORMAL,
            MailSender::Auction(_) => message_type::AUCTION,
            MailSender::Creature(_) => message_type::CREATURE,
            MailSender::GameObject(_) => message_type::GAMEOBJECT,
            MailSender::Calendar(_) => message_type::CALENDAR,
        }
    }

    pub fn player(&self) -> Option<CharacterId> {
        match self {
            MailSender::Player(c) => Some(*c),
            _ => None,
        }
    }
}

/// A new mail (`MailService.Send`, `HandleSendMail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMail {
    pub sender: MailSender,
    pub receiver: CharacterId,
    pub subject: String,
    pub body: String,
    /// Copper carried by the mail.
    pub money: u32,
    /// Cash on delivery, in copper; forced to 0 when there are no items.
    pub cod: u32,
    pub items: Vec<MailItem>,
    pub stationery: u8,
    pub template_id: u16,
    /// Custom expiry (AC `custom_expiration`); a COD mail still expires after the COD expiry.
    pub expire_override_ms: Option<u64>,
    /// Delivery delay for non-player senders (auction "sale pending" notes); refused for
    /// players, whose delay follows `MailDeliveryDelay`.
    pub deliver_delay_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailCommand {
    Send(SendMail),
    /// Sets READ on a visible mail of the player.
    MarkRead {
        player: CharacterId,
        mail: MailId,
    },
    /// Takes all the money of a visible mail, once.
    TakeMoney {
        player: CharacterId,
        mail: MailId,
    },
    /// Takes one item of a visible mail; pays the COD first if there is one.
    TakeItem {
        player: CharacterId,
        mail: MailId,
        item_guid: u32,
    },
    /// Deletes a visible mail with whatever it still holds; refused while COD is due.
    Delete {
        player: CharacterId,
        mail: MailId,
    },
    /// Sends a visible player mail back to its sender, with RETURNED set.
    ReturnToSender {
        player: CharacterId,
        mail: MailId,
    },
    /// Returns or deletes expired mail, at most `SWEEP_BATCH_MAX` index entries per entry
    /// (leader-driven, on entry time).
    ExpireMails {
        realm: Option<RealmId>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailResponse {
    /// `cost` = `postage` + money: exactly what the worldserver debits from a player sender
    /// (non-player senders pay no postage).
    Sent {
        mail: MailId,
        postage: u32,
        cost: u32,
        deliver_ms: u64,
        expire_ms: u64,
    },
    /// Exactly what the worldserver credits.
    MoneyTaken { mail: MailId, money: u32 },
    /// The item goes to the player's inventory; `cod_paid` is what the worldserver debits,
    /// `cod_payment_mail` the mail that credits it to the seller.
    ItemTaken {
        mail: MailId,
        item: MailItem,
        cod_paid: u32,
        cod_payment_mail: Option<MailId>,
    },
    /// The mail is gone, with what it held.
    Deleted {
        mail: MailId,
        money: u32,
        items: Vec<MailItem>,
    },
    /// The mail went back to `to` (same id).
    Returned {
        mail: MailId,
        to: CharacterId,
        expire_ms: u64,
    },
    Swept {
        returned: u32,
        deleted: u32,
        /// More expired mail waits for the next sweep.
        more: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReturnReason {
    /// The receiver sent it back.
    Player,
    Expired,
    ReceiverDeleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeleteReason {
    /// The receiver deleted it.
    Player,
    /// It expired and could not be returned.
    Expired,
    /// Its receiver was deleted and it could not be returned.
    ReceiverDeleted,
    /// The receiver sent it back but its sender no longer exists.
    SenderMissing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailEvent {
    /// New mail for `receiver`, visible from `deliver_ms`; `gateway` reaches the receiver when
    /// online.
    Incoming {
        receiver: CharacterId,
        mail: MailId,
        sender: MailSender,
        deliver_ms: u64,
        gateway: Option<GatewayId>,
    },
    /// The mail moved from `from` back to `to` with its money and items.
    Returned {
        mail: MailId,
        from: CharacterId,
        to: CharacterId,
        money: u32,
        items: Vec<u32>,
        reason: ReturnReason,
    },
    /// The mail is gone; `money` and `items` were destroyed with it.
    Deleted {
        mail: MailId,
        receiver: CharacterId,
        money: u32,
        items: Vec<MailItem>,
        reason: DeleteReason,
    },
    MoneyTaken {
        mail: MailId,
        receiver: CharacterId,
        money: u32,
    },
    ItemTaken {
        mail: MailId,
        receiver: CharacterId,
        item: MailItem,
        cod_paid: u32,
    },
    /// `payer` paid `amount` for mail `mail`; `payment_mail` carries it to `seller`.
    CodPaid {
        mail: MailId,
        payer: CharacterId,
        seller: CharacterId,
        amount: u32,
        payment_mail: MailId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailQuery {
    /// The receiver's visible mail (delivered, not expired), newest first (AC order).
    List { receiver: CharacterId },
    /// One mail whatever its state (the worldserver's precondition read).
    Get { realm: RealmId, mail: MailId },
    /// Unread count and next delivery (`MSG_QUERY_NEXT_MAIL_TIME`).
    NextMailTime { receiver: CharacterId },
}

/// A mail with its items, in slot order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailWithItems {
    pub mail: Mail,
    pub items: Vec<MailItem>,
}

/// An unread delivered mail as `MSG_QUERY_NEXT_MAIL_TIME` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadMail {
    pub sender: MailSender,
    pub stationery: u8,
    pub deliver_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailQueryResponse {
    /// At most [`MAIL_LIST_SHOWN_MAX`] mails; `total` counts every visible one.
    List {
        mails: Vec<MailWithItems>,
        total: u32,
    },
    Mail(Option<MailWithItems>),
    NextMailTime {
        unread: u32,
        /// Up to two unread mails from distinct senders, newest first.
        senders: Vec<UnreadMail>,
        /// The earliest delivery still to come.
        next_delivery_ms: Option<u64>,
    },
}

pub(crate) fn apply(txn: &mut Txn<'_>, cmd: &MailCommand) -> Result<Response, Error> {
    let response = match cmd {
        MailCommand::Send(s) => send::send(txn, s)?,
        MailCommand::MarkRead { player, mail } => {
            take::mark_read(txn, *player, *mail)?;
            return Ok(Response::Done);
        }
        MailCommand::TakeMoney { player, mail } => take::take_money(txn, *player, *mail)?,
        MailCommand::TakeItem {
            player,
            mail,
            item_guid,
        } => take::take_item(txn, *player, *mail, *item_guid)?,
        MailCommand::Delete { player, mail } => take::delete(txn, *player, *mail)?,
        MailCommand::ReturnToSender { player, mail } => {
            take::return_to_sender(txn, *player, *mail)?
        }
        MailCommand::ExpireMails { realm } => expire::sweep(txn, *realm)?,
    };
    Ok(Response::Mail(response))
}

pub(crate) fn query(txn: &Txn<'_>, q: &MailQuery) -> Result<MailQueryResponse, Error> {
    match q {
        MailQuery::List { receiver } => read::list(txn, *receiver),
        MailQuery::Get { realm, mail } => Ok(MailQueryResponse::Mail(store::load_with_items(
            txn, *realm, *mail,
        )?)),
        MailQuery::NextMailTime { receiver } => read::next_mail_time(txn, *receiver),
    }
}

/// The character was deleted: its received mail with money or items goes back to existing
/// player senders; the rest is deleted with what it holds. Mail it sent stays; if it would
/// later come back to it, it is deleted then.
pub(crate) fn on_character_deleted(txn: &mut Txn<'_>, c: &Character) -> Result<(), Error> {
    expire::on_receiver_deleted(txn, c.id)
}
