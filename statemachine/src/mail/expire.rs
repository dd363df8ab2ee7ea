//! Mail leaving a mailbox without being taken: returned to its sender, or deleted with what it
//! holds. Used by return-to-sender, the expiry sweep and the receiver's deletion.
//!
//! ```text
//! expired / receiver deleted ──money or items, not RETURNED, not COD_PAYMENT,
//!                               sender an existing player──▶ back to the sender (RETURNED)
//!                            └─otherwise──────────────────▶ deleted, Deleted{money, items}
//! ```

use super::send::announce;
use super::store::{self, Mail, MailItem};
use super::{checked, DeleteReason, MailEvent, MailResponse, MailSender, ReturnReason};
use crate::error::Error;
use crate::ids::{CharacterId, MailId, RealmId};
use crate::keys::{Key, KeyReader};
use crate::limits::SWEEP_BATCH_MAX;
use crate::txn::Txn;

/// Expiry index entries one sweep reads at most, counting other realms' entries it skips.
pub const SWEEP_SCAN_MAX: usize = 8 * SWEEP_BATCH_MAX;
/// Index entries read per page while sweeping.
const SWEEP_PAGE: usize = 256;

pub(super) enum Outcome {
    Returned { to: CharacterId, expire_ms: u64 },
    Deleted { money: u32, items: Vec<MailItem> },
}

/// Deletes the mail with its items and says what was destroyed.
pub(super) fn destroy(
    txn: &mut Txn<'_>,
    mail: &Mail,
    reason: DeleteReason,
) -> Result<(u32, Vec<MailItem>), Error> {
    let items = store::remove(txn, mail)?;
    txn.emit(MailEvent::Deleted {
        mail: mail.id,
        receiver: mail.receiver,
        money: mail.money,
        items: items.clone(),
        reason,
    });
    Ok((mail.money, items))
}

/// The sender, when it is a player that still exists.
fn existing_player_sender(txn: &Txn<'_>, mail: &Mail) -> Result<Option<CharacterId>, Error> {
    match mail.sender {
        MailSender::Player(s) if crate::character::get(txn, s)?.is_some() => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// Moves the mail (same id) back to `to`: sender and receiver swap, RETURNED set (the body
/// flags kept), COD cleared, delivered now, expiring after as long as it had
/// (`now + (old expire − old deliver)`, ToCloud9).
fn move_back(
    txn: &mut Txn<'_>,
    mail: &Mail,
    to: CharacterId,
    reason: ReturnReason,
) -> Result<u64, Error> {
    let now = txn.now_ms();
    let lifetime_ms = mail.expire_ms.saturating_sub(mail.deliver_ms);
    let returned = Mail {
        sender: MailSender::Player(mail.receiver),
        receiver: to,
        cod: 0,
        checked: checked::RETURNED | (mail.checked & (checked::HAS_BODY | checked::COPIED)),
        deliver_ms: now,
        expire_ms: now.saturating_add(lifetime_ms),
        ..mail.clone()
    };
    store::unindex(txn, mail);
    store::put(txn, &returned);
    let items = store::items(txn, mail.realm, mail.id)?
        .into_iter()
        .map(|(_, i)| i.guid)
        .collect();
    txn.emit(MailEvent::Returned {
        mail: mail.id,
        from: mail.receiver,
        to,
        money: mail.money,
        items,
        reason,
    });
    announce(txn, &returned)?;
    Ok(returned.expire_ms)
}

/// Returns the mail to its sender when that is an existing player, else deletes it.
pub(super) fn send_back(
    txn: &mut Txn<'_>,
    mail: &Mail,
    reason: ReturnReason,
    otherwise: DeleteReason,
) -> Result<Outcome, Error> {
    match existing_player_sender(txn, mail)? {
        Some(to) => Ok(Outcome::Returned {
            to,
            expire_ms: move_back(txn, mail, to, reason)?,
        }),
        None => {
            let (money, items) = destroy(txn, mail, otherwise)?;
            Ok(Outcome::Deleted { money, items })
        }
    }
}

/// An expired mail, or one whose receiver is deleted: back to the sender when it holds money
/// or items and is neither a returned mail nor a COD payment (AC deletes those); otherwise
/// deleted. Answers whether it was returned.
fn return_or_delete(
    txn: &mut Txn<'_>,
    mail: &Mail,
    reason: ReturnReason,
    otherwise: DeleteReason,
) -> Result<bool, Error> {
    let holds_value = mail.money > 0 || mail.item_count > 0;
    if holds_value && !mail.has(checked::RETURNED | checked::COD_PAYMENT) {
        Ok(matches!(
            send_back(txn, mail, reason, otherwise)?,
            Outcome::Returned { .. }
        ))
    } else {
        destroy(txn, mail, otherwise)?;
        Ok(false)
    }
}

/// The expired mails to handle now: expiry index entries with `expire_ms < now`, oldest
/// first, at most [`SWEEP_BATCH_MAX`] of them; `more` when expired mail is left over.
fn expired_batch(
    txn: &Txn<'_>,
    realm: Option<RealmId>,
) -> Result<(Vec<(RealmId, MailId)>, bool), Error> {
    let prefix = Key::new(store::MAIL_BY_EXPIRY).build();
    let now = txn.now_ms();
    let mut out = Vec::new();
    let mut scanned = 0usize;
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan(&prefix, after.as_deref(), SWEEP_PAGE)?;
        for (k, _) in &page {
            let mut r = KeyReader::new(k, 0);
            let (Some(expire_ms), Some(r_realm), Some(id)) = (r.u64(), r.u32(), r.u32()) else {
                return Err(store::corrupt("mail-by-expiry", k));
            };
            if expire_ms >= now {
                return Ok((out, false));
            }
            if out.len() == SWEEP_BATCH_MAX || scanned == SWEEP_SCAN_MAX {
                return Ok((out, true));
            }
            scanned += 1;
            if realm.is_none_or(|want| want == r_realm) {
                out.push((r_realm, id));
            }
        }
        match page.last() {
            Some((k, _)) if page.len() == SWEEP_PAGE => after = Some(k.clone()),
            _ => return Ok((out, false)),
        }
    }
}

/// `ExpireMails`: one leader-driven batch of the hourly sweep (DOMAIN.md 3.5).
pub(super) fn sweep(txn: &mut Txn<'_>, realm: Option<RealmId>) -> Result<MailResponse, Error> {
    let (batch, more) = expired_batch(txn, realm)?;
    let (mut returned, mut deleted) = (0u32, 0u32);
    for (r, id) in batch {
        let mail = store::load(txn, r, id)?
            .ok_or_else(|| Error::Corrupt(format!("expiry index names missing mail {r}:{id}")))?;
        if return_or_delete(txn, &mail, ReturnReason::Expired, DeleteReason::Expired)? {
            returned += 1;
        } else {
            deleted += 1;
        }
    }
    Ok(MailResponse::Swept {
        returned,
        deleted,
        more,
    })
}

/// The receiver is being deleted: every mail in its box is returned or deleted.
pub(super) fn on_receiver_deleted(txn: &mut Txn<'_>, receiver: CharacterId) -> Result<(), Error> {
    for id in store::mailbox_ids(txn, receiver)? {
        let mail = store::load(txn, receiver.realm, id)?.ok_or_else(|| {
            Error::Corrupt(format!(
                "receiver index names missing mail {}:{id}",
                receiver.realm
            ))
        })?;
        return_or_delete(
            txn,
            &mail,
            ReturnReason::ReceiverDeleted,
            DeleteReason::ReceiverDeleted,
        )?;
    }
    Ok(())
}
