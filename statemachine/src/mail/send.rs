//! Send: the checks of AC `HandleSendMail` in AC's order, then one new mail with its items.

use std::collections::BTreeSet;

use super::store::{self, Mail, MailItem};
use super::{
    checked, stationery, MailEvent, MailResponse, MailResult, MailSender, SendMail,
    DELIVERY_DELAY_MS_MAX, EXPIRY_MS_MAX, MAIL_ITEM_TEXT_BYTES_MAX, POSTAGE_COPPER_PER_ITEM,
};
use crate::character::Character;
use crate::error::Error;
use crate::ids::CharacterId;
use crate::limits::{
    check_bytes, check_money, MAILBOX_MAILS_MAX, MAIL_BODY_BYTES_MAX, MAIL_ITEMS_MAX,
    MAIL_SUBJECT_BYTES_MAX, MONEY_COPPER_MAX,
};
use crate::txn::Txn;

/// Everything of a new mail but its id, realm and item count.
pub(super) struct NewMail {
    pub sender: MailSender,
    pub receiver: CharacterId,
    pub subject: String,
    pub body: String,
    pub money: u32,
    pub cod: u32,
    pub checked: u8,
    pub stationery: u8,
    pub template_id: u16,
    pub deliver_ms: u64,
    pub expire_ms: u64,
}

fn fail(r: MailResult) -> Error {
    Error::Mail(r)
}

/// How long a mail lives after delivery (AC `MailDraft::SendMailTo`): COD first, then a
/// custom expiry, then GM senders, then everything else.
pub(super) fn expiry_ms(txn: &Txn<'_>, cod: u32, custom: Option<u64>, gm_sender: bool) -> u64 {
    let cfg = &txn.config().mail;
    if cod > 0 {
        cfg.cod_expiry_ms
    } else if let Some(ms) = custom {
        ms
    } else if gm_sender {
        cfg.gm_expiry_ms
    } else {
        cfg.normal_expiry_ms
    }
}

/// Is the sender's account a GM account (gm level above 0)?
pub(super) fn is_gm(txn: &Txn<'_>, sender: &Character) -> Result<bool, Error> {
    Ok(crate::account::require(txn, sender.account)?.gm_level > 0)
}

/// Allocates an id and writes the mail, its items and its indexes; emits `Incoming`.
pub(super) fn create(txn: &mut Txn<'_>, new: NewMail, items: &[MailItem]) -> Result<Mail, Error> {
    let realm = new.receiver.realm;
    let id = store::allocate_id(txn, realm)?;
    let item_count = u8::try_from(items.len())
        .map_err(|_| Error::invalid("mail.items", "more items than a mail can hold"))?;
    let mail = Mail {
        id,
        realm,
        sender: new.sender,
        receiver: new.receiver,
        subject: new.subject,
        body: new.body,
        money: new.money,
        cod: new.cod,
        checked: new.checked,
        stationery: new.stationery,
        template_id: new.template_id,
        deliver_ms: new.deliver_ms,
        expire_ms: new.expire_ms,
        item_count,
    };
    store::put(txn, &mail);
    for (slot, item) in (0u8..).zip(items) {
        store::put_item(txn, realm, id, slot, item);
    }
    announce(txn, &mail)?;
    Ok(mail)
}

/// Tells the receiver (through its gateway when online) that a mail arrives.
pub(super) fn announce(txn: &mut Txn<'_>, mail: &Mail) -> Result<(), Error> {
    let gateway = crate::presence::get(txn, mail.receiver)?.map(|p| p.gateway);
    txn.emit(MailEvent::Incoming {
        receiver: mail.receiver,
        mail: mail.id,
        sender: mail.sender,
        deliver_ms: mail.deliver_ms,
        gateway,
    });
    Ok(())
}

/// Field sizes and ranges that do not depend on the state.
fn check_fields(s: &SendMail) -> Result<(), Error> {
    check_bytes("mail.subject", &s.subject, MAIL_SUBJECT_BYTES_MAX)?;
    check_bytes("mail.body", &s.body, MAIL_BODY_BYTES_MAX)?;
    check_money("mail.money", u64::from(s.money))?;
    check_money("mail.cod", u64::from(s.cod))?;
    if !stationery::ALL.contains(&s.stationery) {
        return Err(Error::invalid(
            "mail.stationery",
            format!("{} is not one of {:?}", s.stationery, stationery::ALL),
        ));
    }
    if let Some(ms) = s.expire_override_ms {
        if ms == 0 || ms > EXPIRY_MS_MAX {
            return Err(Error::invalid(
                "mail.expire_override_ms",
                format!("is {ms} ms, it must be in 1..={EXPIRY_MS_MAX} ms"),
            ));
        }
    }
    if let Some(ms) = s.deliver_delay_ms {
        if ms > DELIVERY_DELAY_MS_MAX {
            return Err(Error::invalid(
                "mail.deliver_delay_ms",
                format!("is {ms} ms, the limit is {DELIVERY_DELAY_MS_MAX} ms"),
            ));
        }
    }
    if s.items.len() > MAIL_ITEMS_MAX {
        return Err(fail(MailResult::TooManyAttachments));
    }
    for (i, item) in s.items.iter().enumerate() {
        if item.entry == 0 {
            return Err(Error::invalid(
                &format!("mail.items[{i}].entry"),
                "must not be 0",
            ));
        }
        if item.count == 0 {
            return Err(Error::invalid(
                &format!("mail.items[{i}].count"),
                "must be at least 1",
            ));
        }
        check_bytes(
            &format!("mail.items[{i}].text"),
            &item.text,
            MAIL_ITEM_TEXT_BYTES_MAX,
        )?;
    }
    Ok(())
}

/// Item guids: not 0, not twice in this send, not attached to a live mail.
fn check_item_guids(txn: &Txn<'_>, s: &SendMail) -> Result<(), Error> {
    let mut seen = BTreeSet::new();
    for item in &s.items {
        if item.guid == 0
            || !seen.insert(item.guid)
            || txn.exists(&store::guid_key(s.receiver.realm, item.guid))?
        {
            return Err(fail(MailResult::AttachmentInvalid));
        }
    }
    Ok(())
}

/// The player sender's checks; returns the sender's character.
fn check_player_sender(txn: &Txn<'_>, s: &SendMail, from: CharacterId) -> Result<Character, Error> {
    if from == s.receiver {
        return Err(fail(MailResult::CannotSendToSelf));
    }
    if from.realm != s.receiver.realm {
        return Err(Error::invalid(
            "mail.sender",
            format!(
                "player {from} is not on the receiver's realm {}",
                s.receiver.realm
            ),
        ));
    }
    if s.deliver_delay_ms.is_some() {
        return Err(Error::invalid(
            "mail.deliver_delay_ms",
            "only non-player senders set a delivery delay",
        ));
    }
    let sender = crate::character::get(txn, from)?
        .ok_or_else(|| Error::not_found(format!("sending character {from}")))?;
    Ok(sender)
}

/// The receiver's side of a player send: the 100-mail cap, then the faction rule.
fn check_receiver_for_player(
    txn: &Txn<'_>,
    s: &SendMail,
    from: &Character,
    receiver: &Character,
) -> Result<(), Error> {
    let held = txn.count(&store::receiver_prefix(s.receiver), MAILBOX_MAILS_MAX)?;
    if held >= MAILBOX_MAILS_MAX {
        return Err(fail(MailResult::RecipientCapReached));
    }
    if from.account != receiver.account
        && from.team() != receiver.team()
        && !txn.config().mail.allow_two_side_mail
    {
        return Err(fail(MailResult::NotYourTeam));
    }
    Ok(())
}

/// Delivery and expiry times: items from a player to another account wait
/// `MailDeliveryDelay`, everything else from a player arrives now; non-player senders choose
/// their delay. Expiry counts from delivery.
fn schedule(
    txn: &Txn<'_>,
    s: &SendMail,
    sender: Option<&Character>,
    receiver: &Character,
    cod: u32,
) -> Result<(u64, u64), Error> {
    let (delay_ms, gm) = match sender {
        Some(from) => {
            let delay = if !s.items.is_empty() && from.account != receiver.account {
                txn.config().mail.delivery_delay_ms
            } else {
                0
            };
            (delay, is_gm(txn, from)?)
        }
        None => (s.deliver_delay_ms.unwrap_or(0), false),
    };
    let deliver_ms = txn.now_ms().saturating_add(delay_ms);
    let expire_ms = deliver_ms.saturating_add(expiry_ms(txn, cod, s.expire_override_ms, gm));
    Ok((deliver_ms, expire_ms))
}

pub(super) fn send(txn: &mut Txn<'_>, s: &SendMail) -> Result<MailResponse, Error> {
    check_fields(s)?;
    let receiver =
        crate::character::get(txn, s.receiver)?.ok_or(fail(MailResult::RecipientNotFound))?;
    let sender = match s.sender {
        MailSender::Player(from) => Some(check_player_sender(txn, s, from)?),
        _ if s.cod > 0 => {
            return Err(Error::invalid(
                "mail.cod",
                "only a player sender can ask for cash on delivery",
            ))
        }
        _ => None,
    };
    if s.money > 0 && s.cod > 0 {
        // AC: "cannot send money in a COD mail", logged as a dupe attempt.
        return Err(fail(MailResult::InternalError));
    }
    let postage = match sender {
        Some(_) => POSTAGE_COPPER_PER_ITEM * (s.items.len().max(1) as u32),
        None => 0,
    };
    let cost = u64::from(postage) + u64::from(s.money);
    if cost > MONEY_COPPER_MAX {
        return Err(fail(MailResult::NotEnoughMoney));
    }
    if let Some(from) = &sender {
        check_receiver_for_player(txn, s, from, &receiver)?;
    }
    check_item_guids(txn, s)?;

    // COD only makes sense with items (AC "don't ask for COD if there are no items").
    let cod = if s.items.is_empty() { 0 } else { s.cod };
    let (deliver_ms, expire_ms) = schedule(txn, s, sender.as_ref(), &receiver, cod)?;
    let body_bit = if s.body.is_empty() {
        checked::COPIED
    } else {
        checked::HAS_BODY
    };
    let mail = create(
        txn,
        NewMail {
            sender: s.sender,
            receiver: s.receiver,
            subject: s.subject.clone(),
            body: s.body.clone(),
            money: s.money,
            cod,
            checked: body_bit,
            stationery: s.stationery,
            template_id: s.template_id,
            deliver_ms,
            expire_ms,
        },
        &s.items,
    )?;
    Ok(MailResponse::Sent {
        mail: mail.id,
        postage,
        // At most MONEY_COPPER_MAX, checked above.
        cost: u32::try_from(cost).map_err(|_| fail(MailResult::NotEnoughMoney))?,
        deliver_ms,
        expire_ms,
    })
}
