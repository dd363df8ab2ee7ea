//! The mail records, their keys, the id allocator, and the writes that keep a mail and its
//! indexes together (see the key layout in `mod.rs`).

use serde::{Deserialize, Serialize};

use super::{MailSender, MailWithItems};
use crate::codec::Record;
use crate::error::Error;
use crate::ids::{CharacterId, MailId, RealmId};
use crate::keys::{Key, KeyReader, MAIL_BASE};
use crate::limits::MAIL_ITEMS_MAX;
use crate::records::Problem;
use crate::txn::Txn;

pub(crate) const MAIL: u8 = MAIL_BASE;
pub(crate) const MAIL_ITEM: u8 = MAIL_BASE + 1;
pub(crate) const MAIL_BY_RECEIVER: u8 = MAIL_BASE + 2;
pub(crate) const MAIL_BY_EXPIRY: u8 = MAIL_BASE + 3;
pub(crate) const MAIL_ITEM_BY_GUID: u8 = MAIL_BASE + 4;
pub(crate) const MAIL_NEXT_ID: u8 = MAIL_BASE + 5;

/// Index entries one page of a mailbox walk reads.
const MAILBOX_PAGE: usize = 256;

/// One mail (AC `mail` row). Its items are separate records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub id: MailId,
    pub realm: RealmId,
    pub sender: MailSender,
    pub receiver: CharacterId,
    pub subject: String,
    pub body: String,
    pub money: u32,
    pub cod: u32,
    /// `checked` bits (see [`super::checked`]).
    pub checked: u8,
    pub stationery: u8,
    pub template_id: u16,
    pub deliver_ms: u64,
    pub expire_ms: u64,
    /// How many item records the mail has.
    pub item_count: u8,
}

impl Mail {
    /// Delivered and not expired at `now_ms`: what the receiver sees and may act on.
    pub fn visible(&self, now_ms: u64) -> bool {
        self.deliver_ms <= now_ms && !self.expired(now_ms)
    }

    /// AC hides and sweeps mail with `expire_time < now`.
    pub fn expired(&self, now_ms: u64) -> bool {
        self.expire_ms < now_ms
    }

    pub fn has(&self, bits: u8) -> bool {
        self.checked & bits != 0
    }
}

impl Record for Mail {
    const WHAT: &'static str = "mail";
}

/// One attached item: the item guid and the `item_instance` fields the mail list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailItem {
    /// The item's low guid (per realm).
    pub guid: u32,
    pub entry: u32,
    pub count: u32,
    pub flags: u32,
    pub durability: u32,
    pub charges: i32,
    pub random_property_id: i32,
    pub property_seed: u32,
    pub text: String,
}

impl Record for MailItem {
    const WHAT: &'static str = "mail item";
}

/// Where an attached item guid lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    pub mail: MailId,
    pub slot: u8,
}

impl Record for ItemRef {
    const WHAT: &'static str = "mail item reference";
}

pub(crate) fn mail_key(realm: RealmId, id: MailId) -> Vec<u8> {
    Key::new(MAIL).u32(realm).u32(id).build()
}

pub(crate) fn items_prefix(realm: RealmId, id: MailId) -> Vec<u8> {
    Key::new(MAIL_ITEM).u32(realm).u32(id).build()
}

pub(crate) fn item_key(realm: RealmId, id: MailId, slot: u8) -> Vec<u8> {
    Key::new(MAIL_ITEM).u32(realm).u32(id).u8(slot).build()
}

pub(crate) fn receiver_prefix(receiver: CharacterId) -> Vec<u8> {
    Key::new(MAIL_BY_RECEIVER).character(receiver).build()
}

pub(crate) fn receiver_key(receiver: CharacterId, id: MailId) -> Vec<u8> {
    Key::new(MAIL_BY_RECEIVER)
        .character(receiver)
        .u32(id)
        .build()
}

pub(crate) fn expiry_key(expire_ms: u64, realm: RealmId, id: MailId) -> Vec<u8> {
    Key::new(MAIL_BY_EXPIRY)
        .u64(expire_ms)
        .u32(realm)
        .u32(id)
        .build()
}

pub(crate) fn guid_key(realm: RealmId, guid: u32) -> Vec<u8> {
    Key::new(MAIL_ITEM_BY_GUID).u32(realm).u32(guid).build()
}

pub(crate) fn next_id_key(realm: RealmId) -> Vec<u8> {
    Key::new(MAIL_NEXT_ID).u32(realm).build()
}

pub(crate) fn corrupt(what: &str, key: &[u8]) -> Error {
    Error::Corrupt(format!("{what} key {key:02x?}"))
}

pub fn load(txn: &Txn<'_>, realm: RealmId, id: MailId) -> Result<Option<Mail>, Error> {
    txn.get::<Mail>(&mail_key(realm, id))
}

/// The items of a mail with their slots, in slot order.
pub(crate) fn items(
    txn: &Txn<'_>,
    realm: RealmId,
    id: MailId,
) -> Result<Vec<(u8, MailItem)>, Error> {
    let mut out = Vec::new();
    for (k, item) in txn.scan_records::<MailItem>(&items_prefix(realm, id), MAIL_ITEMS_MAX)? {
        let slot = KeyReader::new(&k, 8)
            .u8()
            .ok_or_else(|| corrupt("mail item", &k))?;
        out.push((slot, item));
    }
    Ok(out)
}

pub(crate) fn load_with_items(
    txn: &Txn<'_>,
    realm: RealmId,
    id: MailId,
) -> Result<Option<MailWithItems>, Error> {
    let Some(mail) = load(txn, realm, id)? else {
        return Ok(None);
    };
    let items = items(txn, realm, id)?.into_iter().map(|(_, i)| i).collect();
    Ok(Some(MailWithItems { mail, items }))
}

/// Writes a mail and its receiver and expiry index entries. The caller removed the old
/// entries first (see [`unindex`]) when the receiver or expiry changed.
pub(crate) fn put(txn: &mut Txn<'_>, mail: &Mail) {
    txn.put(mail_key(mail.realm, mail.id), mail);
    txn.put(receiver_key(mail.receiver, mail.id), &());
    txn.put(expiry_key(mail.expire_ms, mail.realm, mail.id), &());
}

/// Removes a mail's receiver and expiry index entries (not the mail).
pub(crate) fn unindex(txn: &mut Txn<'_>, mail: &Mail) {
    txn.delete(receiver_key(mail.receiver, mail.id));
    txn.delete(expiry_key(mail.expire_ms, mail.realm, mail.id));
}

/// Attaches an item: its record and its guid index entry.
pub(crate) fn put_item(txn: &mut Txn<'_>, realm: RealmId, id: MailId, slot: u8, item: &MailItem) {
    txn.put(item_key(realm, id, slot), item);
    txn.put(guid_key(realm, item.guid), &ItemRef { mail: id, slot });
}

pub(crate) fn remove_item(txn: &mut Txn<'_>, realm: RealmId, id: MailId, slot: u8, guid: u32) {
    txn.delete(item_key(realm, id, slot));
    txn.delete(guid_key(realm, guid));
}

/// Removes a mail, its items and every index entry; returns the items it held.
pub(crate) fn remove(txn: &mut Txn<'_>, mail: &Mail) -> Result<Vec<MailItem>, Error> {
    let items = items(txn, mail.realm, mail.id)?;
    for (slot, item) in &items {
        remove_item(txn, mail.realm, mail.id, *slot, item.guid);
    }
    unindex(txn, mail);
    txn.delete(mail_key(mail.realm, mail.id));
    Ok(items.into_iter().map(|(_, i)| i).collect())
}

/// The next id of `realm` the allocator will try (ids start at 1).
pub(crate) fn next_id(txn: &Txn<'_>, realm: RealmId) -> Result<u64, Error> {
    Ok(txn.get::<u64>(&next_id_key(realm))?.unwrap_or(1))
}

/// Allocates the next mail id of `realm`: above every id it gave before, outside the
/// reserved range. Ids are never reused, so running out is an error.
pub(crate) fn allocate_id(txn: &mut Txn<'_>, realm: RealmId) -> Result<MailId, Error> {
    let mut candidate = next_id(txn, realm)?;
    if let Some((first, last)) = txn.config().mail.reserved_ids {
        if (u64::from(first)..=u64::from(last)).contains(&candidate) {
            candidate = u64::from(last) + 1;
        }
    }
    let id = u32::try_from(candidate).map_err(|_| {
        Error::invalid(
            "mail.id",
            format!(
                "realm {realm} has used every mail id up to {} (ids are never reused)",
                u32::MAX
            ),
        )
    })?;
    txn.put(next_id_key(realm), &(candidate + 1));
    Ok(id)
}

/// The mail ids of a receiver's box, in id order, reading every page (mutations must see
/// the whole box; a box is bounded in practice by the 100-mail cap on player sends).
pub(crate) fn mailbox_ids(txn: &Txn<'_>, receiver: CharacterId) -> Result<Vec<MailId>, Error> {
    let prefix = receiver_prefix(receiver);
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = txn.scan(&prefix, after.as_deref(), MAILBOX_PAGE)?;
        for (k, _) in &page {
            out.push(
                KeyReader::new(k, 8)
                    .u32()
                    .ok_or_else(|| corrupt("mail-by-receiver", k))?,
            );
        }
        match page.last() {
            Some((k, _)) if page.len() == MAILBOX_PAGE => after = Some(k.clone()),
            _ => return Ok(out),
        }
    }
}

/// The record check of the mail tables (see `crate::records`; the layouts are in `mod.rs`).
pub(crate) fn check_record(tag: u8, key: &[u8], value: &[u8]) -> Option<Result<(), Problem>> {
    use crate::records::{record, Field::*};
    Some(match tag {
        MAIL => record::<Mail>(key, &[("realm", U32), ("mail", U32)], value),
        MAIL_ITEM => record::<MailItem>(key, &[("realm", U32), ("mail", U32), ("slot", U8)], value),
        MAIL_BY_RECEIVER => record::<()>(
            key,
            &[
                ("receiver realm", U32),
                ("receiver low", U32),
                ("mail", U32),
            ],
            value,
        ),
        MAIL_BY_EXPIRY => record::<()>(
            key,
            &[("expire_ms", U64), ("realm", U32), ("mail", U32)],
            value,
        ),
        MAIL_ITEM_BY_GUID => record::<ItemRef>(key, &[("realm", U32), ("item guid", U32)], value),
        MAIL_NEXT_ID => record::<u64>(key, &[("realm", U32)], value),
        _ => return None,
    })
}

#[cfg(test)]
mod tables_test {
    use super::*;

    /// `keys::TABLES` names this module's tags as they are.
    #[test]
    fn the_table_of_tables_knows_the_mail_tags() {
        for (tag, name) in [
            (MAIL, "MAIL"),
            (MAIL_ITEM, "MAIL_ITEM"),
            (MAIL_BY_RECEIVER, "MAIL_BY_RECEIVER"),
            (MAIL_BY_EXPIRY, "MAIL_BY_EXPIRY"),
            (MAIL_ITEM_BY_GUID, "MAIL_ITEM_BY_GUID"),
            (MAIL_NEXT_ID, "MAIL_NEXT_ID"),
        ] {
            assert_eq!(crate::keys::table(tag).map(|t| t.0), Some(name));
        }
    }
}
