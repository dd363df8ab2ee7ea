//! [`check_invariants`]: reads the whole mail state and checks what every entry must keep.

use std::collections::{BTreeMap, BTreeSet};

use super::store::{self, ItemRef, Mail, MailItem};
use super::{checked, stationery, CHECK_MAILS_MAX};
use crate::keys::{Key, KeyReader};
use crate::limits::{MAIL_ITEMS_MAX, MONEY_COPPER_MAX};
use crate::txn::Txn;
use crate::view::View;

/// Checks, over the whole state:
/// - every mail sits under its own realm and id, its receiver exists, money and COD are each
///   at most `MONEY_COPPER_MAX` and never both non-zero, COD only with items from a player,
///   only known `checked` bits and stationery, delivery not after expiry;
/// - ids are not 0, outside the reserved range, and below the realm's allocator;
/// - every item record belongs to an existing mail, each mail's item count matches, and the
///   item guid index is a bijection with the item records (so no guid is in two mails);
/// - the receiver index and the expiry index match the mails exactly.
pub fn check_invariants(view: &dyn View) -> Result<(), String> {
    let txn = Txn::new(view, 0).map_err(|e| e.to_string())?;
    let e = |e: crate::Error| e.to_string();
    let reserved = txn.config().mail.reserved_ids;

    let mails = txn
        .scan_records::<Mail>(&Key::new(store::MAIL).build(), CHECK_MAILS_MAX)
        .map_err(e)?;
    let mut by_id: BTreeMap<(u32, u32), Mail> = BTreeMap::new();
    let mut receiver_keys = BTreeSet::new();
    let mut expiry_keys = BTreeSet::new();
    for (k, m) in mails {
        let mut r = KeyReader::new(&k, 0);
        if (r.u32(), r.u32()) != (Some(m.realm), Some(m.id)) {
            return Err(format!(
                "mail {}:{} stored under key {k:02x?}",
                m.realm, m.id
            ));
        }
        check_mail(&txn, &m, reserved)?;
        receiver_keys.insert(store::receiver_key(m.receiver, m.id));
        expiry_keys.insert(store::expiry_key(m.expire_ms, m.realm, m.id));
        by_id.insert((m.realm, m.id), m);
    }
    check_items(&txn, &by_id)?;
    check_index(&txn, store::MAIL_BY_RECEIVER, &receiver_keys, "receiver")?;
    check_index(&txn, store::MAIL_BY_EXPIRY, &expiry_keys, "expiry")?;
    Ok(())
}

fn check_mail(txn: &Txn<'_>, m: &Mail, reserved: Option<(u32, u32)>) -> Result<(), String> {
    let id = format!("mail {}:{}", m.realm, m.id);
    let fail = |what: &str| Err(format!("{id}: {what} ({m:?})"));
    if m.id == 0 {
        return fail("id 0");
    }
    if reserved.is_some_and(|(first, last)| (first..=last).contains(&m.id)) {
        return fail("id in the reserved range");
    }
    let next = store::next_id(txn, m.realm).map_err(|e| e.to_string())?;
    if u64::from(m.id) >= next {
        return fail(&format!("id not below the allocator's next id {next}"));
    }
    if m.receiver.realm != m.realm {
        return fail("receiver on another realm");
    }
    if crate::character::get(txn, m.receiver)
        .map_err(|e| e.to_string())?
        .is_none()
    {
        return fail("receiver does not exist");
    }
    if u64::from(m.money) > MONEY_COPPER_MAX || u64::from(m.cod) > MONEY_COPPER_MAX {
        return fail("money or COD above the money cap");
    }
    if m.money > 0 && m.cod > 0 {
        return fail("money and COD both set");
    }
    if m.cod > 0 && (m.item_count == 0 || m.sender.player().is_none()) {
        return fail("COD without items or from a non-player");
    }
    if m.checked & !checked::ALL != 0 {
        return fail("unknown checked bits");
    }
    if !stationery::ALL.contains(&m.stationery) {
        return fail("unknown stationery");
    }
    if usize::from(m.item_count) > MAIL_ITEMS_MAX {
        return fail("more items than a mail can hold");
    }
    if m.deliver_ms > m.expire_ms {
        return fail("delivered after it expires");
    }
    Ok(())
}

fn check_items(txn: &Txn<'_>, by_id: &BTreeMap<(u32, u32), Mail>) -> Result<(), String> {
    let items = txn
        .scan_records::<MailItem>(
            &Key::new(store::MAIL_ITEM).build(),
            CHECK_MAILS_MAX * MAIL_ITEMS_MAX,
        )
        .map_err(|e| e.to_string())?;
    let mut counts: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    let mut guids: BTreeMap<(u32, u32), ItemRef> = BTreeMap::new();
    for (k, item) in items {
        let mut r = KeyReader::new(&k, 0);
        let (Some(realm), Some(id), Some(slot)) = (r.u32(), r.u32(), r.u8()) else {
            return Err(format!("bad mail item key {k:02x?}"));
        };
        if !by_id.contains_key(&(realm, id)) {
            return Err(format!(
                "item {} belongs to missing mail {realm}:{id}",
                item.guid
            ));
        }
        *counts.entry((realm, id)).or_default() += 1;
        let here = ItemRef { mail: id, slot };
        if let Some(other) = guids.insert((realm, item.guid), here) {
            return Err(format!(
                "item guid {realm}:{} in mail {} and mail {id}",
                item.guid, other.mail
            ));
        }
        let indexed = txn
            .get::<ItemRef>(&store::guid_key(realm, item.guid))
            .map_err(|e| e.to_string())?;
        if indexed != Some(here) {
            return Err(format!(
                "item guid {realm}:{} indexed as {indexed:?}, stored at {here:?}",
                item.guid
            ));
        }
    }
    for ((realm, id), m) in by_id {
        let n = counts.get(&(*realm, *id)).copied().unwrap_or(0);
        if n != usize::from(m.item_count) {
            return Err(format!(
                "mail {realm}:{id} counts {} items but holds {n}",
                m.item_count
            ));
        }
    }
    let indexed = txn
        .count(
            &Key::new(store::MAIL_ITEM_BY_GUID).build(),
            CHECK_MAILS_MAX * MAIL_ITEMS_MAX,
        )
        .map_err(|e| e.to_string())?;
    if indexed != guids.len() {
        return Err(format!(
            "item guid index has {indexed} entries for {} items",
            guids.len()
        ));
    }
    Ok(())
}

fn check_index(
    txn: &Txn<'_>,
    tag: u8,
    expected: &BTreeSet<Vec<u8>>,
    name: &str,
) -> Result<(), String> {
    let found: BTreeSet<Vec<u8>> = txn
        .scan_all(&Key::new(tag).build(), CHECK_MAILS_MAX)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    if let Some(k) = found.difference(expected).next() {
        return Err(format!("{name} index entry {k:02x?} names no such mail"));
    }
    if let Some(k) = expected.difference(&found).next() {
        return Err(format!("{name} index misses entry {k:02x?}"));
    }
    Ok(())
}
