//! Typed calls: one method per RPC, over [`Client::write`] and [`Client::read`].
//!
//! Each is a line of [`typed_write!`] or [`typed_read!`]: the method, its arguments, the
//! domain command or query they build, and the pattern of the answer it returns. Every
//! domain already goes through [`Client::write`] and [`Client::read`]; the typed methods of
//! presence, social, channel and arena are still to add, with the same two macros.

use tavern_statemachine::account::{Account, AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::character::{
    Character, CharacterCommand, CharacterQuery, CharacterQueryResponse, CharacterResponse,
};
use tavern_statemachine::mail::{
    MailCommand, MailQuery, MailQueryResponse, MailResponse, MailWithItems, SendMail,
};
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::{
    AccountId, CharacterId, Command, MailId, Query, QueryResponse, RealmId, Response,
};

use crate::{Client, Error};

/// A new character, the arguments of [`Client::create_character`].
///
/// ```
/// use tavern_gateway::NewCharacter;
/// use tavern_statemachine::CharacterId;
/// let c = NewCharacter { id: CharacterId { realm: 1, low: 1 }, account: 1, name: "Arthas".into(),
///     race: 1, class: 1, gender: 0, level: 1 };
/// assert_eq!(c.level, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharacter {
    pub id: CharacterId,
    pub account: AccountId,
    pub name: String,
    pub race: u8,
    pub class: u8,
    pub gender: u8,
    pub level: u8,
}

/// The answer did not have the shape the call expects (a server bug or another version).
fn unexpected(what: &str, got: &impl std::fmt::Debug) -> Error {
    Error::Protocol(format!("{what} answered {got:?}"))
}

/// Declares typed write methods: `$name(args) -> T = command; Response pattern => value`.
macro_rules! typed_write {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $out:ty
        = $command:expr; $pat:pat => $value:expr;)+) => {
        impl Client {
            $($(#[$doc])*
            pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                let written = self.write($command).await?;
                match written.response {
                    $pat => Ok($value),
                    #[allow(unreachable_patterns)]
                    other => Err(unexpected(stringify!($name), &other)),
                }
            })+
        }
    };
}

/// Declares typed read methods at the default read level, like [`typed_write!`].
macro_rules! typed_read {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $out:ty
        = $query:expr; $pat:pat => $value:expr;)+) => {
        impl Client {
            $($(#[$doc])*
            pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
                let served = self.read($query).await?;
                match served.response {
                    $pat => Ok($value),
                    #[allow(unreachable_patterns)]
                    other => Err(unexpected(stringify!($name), &other)),
                }
            })+
        }
    };
}

typed_write! {
    /// Creates or updates a realm.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_statemachine::realm::Realm;
    /// client.upsert_realm(Realm { id: 1, name: "Lordaeron".into(), cross_realm: false }).await?;
    /// # Ok(()) }
    /// ```
    upsert_realm(realm: Realm) -> ()
        = Command::Realm(RealmCommand::Upsert(realm)); Response::Done => ();

    /// Creates an account or updates its username and locale.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// client.upsert_account(1, "ARTHAS".into(), "enUS".into()).await?;
    /// # Ok(()) }
    /// ```
    upsert_account(id: AccountId, username: String, locale: String) -> ()
        = Command::Account(AccountCommand::Upsert { id, username, locale }); Response::Done => ();

    /// Creates a character; answers its stored (normalised) name.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::NewCharacter;
    /// use tavern_statemachine::CharacterId;
    /// let name = client.create_character(NewCharacter { id: CharacterId { realm: 1, low: 1 },
    ///     account: 1, name: "arthas".into(), race: 1, class: 1, gender: 0, level: 1 }).await?;
    /// assert_eq!(name, "Arthas");
    /// # Ok(()) }
    /// ```
    create_character(c: NewCharacter) -> String
        = Command::Character(CharacterCommand::Create {
            id: c.id, account: c.account, name: c.name, race: c.race, class: c.class,
            gender: c.gender, level: c.level,
        });
        Response::Character(CharacterResponse::Named { name, .. }) => name;

    /// Sends a mail; answers the whole [`MailResponse::Sent`] (its id, postage, times).
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client, mail: tavern_statemachine::mail::SendMail)
    /// #     -> Result<(), tavern_gateway::Error> {
    /// let sent = client.send_mail(mail).await?;
    /// # Ok(()) }
    /// ```
    send_mail(mail: SendMail) -> MailResponse
        = Command::Mail(MailCommand::Send(mail));
        Response::Mail(sent @ MailResponse::Sent { .. }) => sent;

    /// Takes a mail's money; answers how much.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client, player: tavern_statemachine::CharacterId)
    /// #     -> Result<(), tavern_gateway::Error> {
    /// let money = client.take_mail_money(player, 1).await?;
    /// # Ok(()) }
    /// ```
    take_mail_money(player: CharacterId, mail: MailId) -> u32
        = Command::Mail(MailCommand::TakeMoney { player, mail });
        Response::Mail(MailResponse::MoneyTaken { money, .. }) => money;

    /// Takes one item of a mail (paying its COD); answers the whole
    /// [`MailResponse::ItemTaken`].
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client, player: tavern_statemachine::CharacterId)
    /// #     -> Result<(), tavern_gateway::Error> {
    /// let taken = client.take_mail_item(player, 1, 1000).await?;
    /// # Ok(()) }
    /// ```
    take_mail_item(player: CharacterId, mail: MailId, item_guid: u32) -> MailResponse
        = Command::Mail(MailCommand::TakeItem { player, mail, item_guid });
        Response::Mail(taken @ MailResponse::ItemTaken { .. }) => taken;
}

typed_read! {
    /// A realm by id.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// let realm = client.get_realm(1).await?;
    /// # Ok(()) }
    /// ```
    get_realm(id: RealmId) -> Option<Realm>
        = Query::Realm(RealmQuery::Get { id });
        QueryResponse::Realm(RealmQueryResponse::Realm(realm)) => realm;

    /// Every realm.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// let realms = client.list_realms().await?;
    /// # Ok(()) }
    /// ```
    list_realms() -> Vec<Realm>
        = Query::Realm(RealmQuery::List);
        QueryResponse::Realm(RealmQueryResponse::Realms(realms)) => realms;

    /// An account by id.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// let account = client.get_account(1).await?;
    /// # Ok(()) }
    /// ```
    get_account(id: AccountId) -> Option<Account>
        = Query::Account(AccountQuery::Get { id });
        QueryResponse::Account(AccountQueryResponse::Account(account)) => account;

    /// A character by id.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_statemachine::CharacterId;
    /// let arthas = client.get_character(CharacterId { realm: 1, low: 1 }).await?;
    /// # Ok(()) }
    /// ```
    get_character(id: CharacterId) -> Option<Character>
        = Query::Character(CharacterQuery::Get { id });
        QueryResponse::Character(CharacterQueryResponse::Character(c)) => c;

    /// The mails in `receiver`'s mailbox (the first page) and how many there are in all.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_statemachine::CharacterId;
    /// let (mails, total) = client.list_mails(CharacterId { realm: 1, low: 1 }).await?;
    /// # Ok(()) }
    /// ```
    list_mails(receiver: CharacterId) -> (Vec<MailWithItems>, u32)
        = Query::Mail(MailQuery::List { receiver });
        QueryResponse::Mail(MailQueryResponse::List { mails, total }) => (mails, total);
}
