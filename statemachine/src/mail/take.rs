//! The receiver's operations on one mail: mark read, take money, take an item (paying COD),
//! delete, return to sender. Each checks and writes in the same entry (a compare-and-set on
//! the mail), so a retry or a concurrent gateway cannot take the same copper or item twice.

use super::expire::{self, Outcome};
use super::send::{self, NewMail};
use super::store::{self, ItemRef, Mail, MailItem};
use super::{
    checked, stationery, DeleteReason, MailEvent, MailResponse, MailResult, MailSender,
    ReturnReason,
};
use crate::error::Error;
use crate::ids::{CharacterId, MailId};
use crate::txn::Txn;

fn internal() -> Error {
    Error::Mail(MailResult::InternalError)
}

/// The mail, when it is the player's and visible (delivered, not expired); AC answers
/// INTERNAL_ERROR for anything else (`!m || m->deliver_time > now`).
fn player_mail(txn: &Txn<'_>, player: CharacterId, id: MailId) -> Result<Mail, Error> {
    match store::load(txn, player.realm, id)? {
        Some(m) if m.receiver == player && m.visible(txn.now_ms()) => Ok(m),
        _ => Err(internal()),
    }
}

pub(super) fn mark_read(txn: &mut Txn<'_>, player: CharacterId, id: MailId) -> Result<(), Error> {
    let mut mail = player_mail(txn, player, id)?;
    if !mail.has(checked::READ) {
        mail.checked |= checked::READ;
        txn.put(store::mail_key(mail.realm, mail.id), &mail);
    }
    Ok(())
}

/// Hands out all the money once. A mail with no money left answers INTERNAL_ERROR (AC would
/// answer OK and credit 0; an error makes a retried or duplicated take visible).
pub(super) fn take_money(
    txn: &mut Txn<'_>,
    player: CharacterId,
    id: MailId,
) -> Result<MailResponse, Error> {
    let mut mail = player_mail(txn, player, id)?;
    if mail.money == 0 {
        return Err(internal());
    }
    let money = mail.money;
    mail.money = 0;
    txn.put(store::mail_key(mail.realm, mail.id), &mail);
    txn.emit(MailEvent::MoneyTaken {
        mail: id,
        receiver: player,
        money,
    });
    Ok(MailResponse::MoneyTaken { mail: id, money })
}

/// Sends the COD to the seller in a payment mail; answers what was paid and the mail. When
/// the seller no longer exists the COD is waived: nobody could be credited.
fn pay_cod(txn: &mut Txn<'_>, mail: &Mail) -> Result<(u32, Option<MailId>), Error> {
    let MailSender::Player(seller) = mail.sender else {
        return Ok((0, None));
    };
    if crate::character::get(txn, seller)?.is_none() {
        return Ok((0, None));
    }
    let payer = crate::character::require(txn, mail.receiver)?;
    let gm = send::is_gm(txn, &payer)?;
    let now = txn.now_ms();
    let expire_ms = now.saturating_add(send::expiry_ms(txn, 0, None, gm));
    let payment = send::create(
        txn,
        NewMail {
            sender: MailSender::Player(mail.receiver),
            receiver: seller,
            subject: mail.subject.clone(),
            body: String::new(),
            money: mail.cod,
            cod: 0,
            checked: checked::COD_PAYMENT,
            stationery: stationery::DEFAULT,
            template_id: 0,
            deliver_ms: now,
            expire_ms,
        },
        &[],
    )?;
    txn.emit(MailEvent::CodPaid {
        mail: mail.id,
        payer: mail.receiver,
        seller,
        amount: mail.cod,
        payment_mail: payment.id,
    });
    Ok((mail.cod, Some(payment.id)))
}

/// DOMAIN.md 3.3 as one unit: COD paid, payment mail sent, COD zeroed, item out of the mail.
pub(super) fn take_item(
    txn: &mut Txn<'_>,
    player: CharacterId,
    id: MailId,
    item_guid: u32,
) -> Result<MailResponse, Error> {
    let mut mail = player_mail(txn, player, id)?;
    let slot = match txn.get::<ItemRef>(&store::guid_key(mail.realm, item_guid))? {
        Some(r) if r.mail == id => r.slot,
        _ => return Err(internal()),
    };
    let item = txn
        .get::<MailItem>(&store::item_key(mail.realm, id, slot))?
        .ok_or_else(|| {
            Error::Corrupt(format!(
                "item {item_guid} of mail {id} is indexed but missing"
            ))
        })?;
    store::remove_item(txn, mail.realm, id, slot, item_guid);
    mail.item_count = mail
        .item_count
        .checked_sub(1)
        .ok_or_else(|| Error::Corrupt(format!("mail {id} counts no items but holds one")))?;
    let (cod_paid, cod_payment_mail) = if mail.cod > 0 {
        pay_cod(txn, &mail)?
    } else {
        (0, None)
    };
    mail.cod = 0;
    txn.put(store::mail_key(mail.realm, mail.id), &mail);
    txn.emit(MailEvent::ItemTaken {
        mail: id,
        receiver: player,
        item: item.clone(),
        cod_paid,
    });
    Ok(MailResponse::ItemTaken {
        mail: id,
        item,
        cod_paid,
        cod_payment_mail,
    })
}

/// Deletes the mail with what it holds; refused while COD is due (AC: "delete shouldn't show
/// up for COD mails").
pub(super) fn delete(
    txn: &mut Txn<'_>,
    player: CharacterId,
    id: MailId,
) -> Result<MailResponse, Error> {
    let mail = player_mail(txn, player, id)?;
    if mail.cod > 0 {
        return Err(internal());
    }
    let (money, items) = expire::destroy(txn, &mail, DeleteReason::Player)?;
    Ok(MailResponse::Deleted {
        mail: id,
        money,
        items,
    })
}

/// Sends a player mail back (AC `HandleMailReturnToSender`); COD is cleared. Mail from
/// non-players and mail already returned cannot go back. When the sender no longer exists,
/// the mail is deleted with what it holds (AC deletes it too).
pub(super) fn return_to_sender(
    txn: &mut Txn<'_>,
    player: CharacterId,
    id: MailId,
) -> Result<MailResponse, Error> {
    let mail = player_mail(txn, player, id)?;
    if mail.sender.player().is_none() || mail.has(checked::RETURNED) {
        return Err(internal());
    }
    Ok(
        match expire::send_back(
            txn,
            &mail,
            ReturnReason::Player,
            DeleteReason::SenderMissing,
        )? {
            Outcome::Returned { to, expire_ms } => MailResponse::Returned {
                mail: id,
                to,
                expire_ms,
            },
            Outcome::Deleted { money, items } => MailResponse::Deleted {
                mail: id,
                money,
                items,
            },
        },
    )
}
