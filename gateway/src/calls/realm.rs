//! Typed calls of the realm, account and character domains (the small ones, in one file).

use tavern_statemachine::account::{Account, AccountCommand, AccountQuery, AccountQueryResponse};
use tavern_statemachine::character::{
    Character, CharacterCommand, CharacterQuery, CharacterQueryResponse, CharacterResponse,
};
use tavern_statemachine::realm::{Realm, RealmCommand, RealmQuery, RealmQueryResponse};
use tavern_statemachine::{
    AccountId, CharacterId, Command, Query, QueryResponse, RealmId, Response,
};

use super::{typed_calls, NewCharacter};

typed_calls! {
    /// Realms: the realm list every character-scoped record hangs from.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// let realms = client.list_realms().await?;
    /// # Ok(()) }
    /// ```
    trait RealmApi;

    /// Creates or updates a realm.
    write upsert_realm(realm: Realm) -> ()
        = Command::Realm(RealmCommand::Upsert(realm)); Response::Done => ();
        example "use tavern_statemachine::realm::Realm;
client.upsert_realm(Realm { id: 1, name: \"Lordaeron\".into(), cross_realm: false }).await?;";

    /// A realm by id.
    read get_realm(id: RealmId) -> Option<Realm>
        = Query::Realm(RealmQuery::Get { id });
        QueryResponse::Realm(RealmQueryResponse::Realm(realm)) => realm;
        example "let realm = client.get_realm(1).await?;";

    /// Every realm, in id order.
    read list_realms() -> Vec<Realm>
        = Query::Realm(RealmQuery::List);
        QueryResponse::Realm(RealmQueryResponse::Realms(realms)) => realms;
        example "let realms = client.list_realms().await?;";
}

typed_calls! {
    /// Accounts: username, locale, lock and GM level.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// let account = client.get_account(1).await?;
    /// # Ok(()) }
    /// ```
    trait AccountApi;

    /// Creates an account or updates its username and locale (lock and GM level are kept).
    write upsert_account(id: AccountId, username: String, locale: String) -> ()
        = Command::Account(AccountCommand::Upsert { id, username, locale }); Response::Done => ();
        example "client.upsert_account(1, \"ARTHAS\".into(), \"enUS\".into()).await?;";

    /// Locks or unlocks an account; locking also logs its online character out.
    write set_account_locked(id: AccountId, locked: bool) -> ()
        = Command::Account(AccountCommand::SetLocked { id, locked }); Response::Done => ();
        example "client.set_account_locked(1, true).await?;";

    /// Sets an account's GM level (0 for players).
    write set_account_gm_level(id: AccountId, gm_level: u8) -> ()
        = Command::Account(AccountCommand::SetGmLevel { id, gm_level }); Response::Done => ();
        example "client.set_account_gm_level(1, 3).await?;";

    /// An account by id.
    read get_account(id: AccountId) -> Option<Account>
        = Query::Account(AccountQuery::Get { id });
        QueryResponse::Account(AccountQueryResponse::Account(account)) => account;
        example "let account = client.get_account(1).await?;";

    /// An account by username (any case).
    read get_account_by_username(username: String) -> Option<Account>
        = Query::Account(AccountQuery::ByUsername { username });
        QueryResponse::Account(AccountQueryResponse::Account(account)) => account;
        example "let account = client.get_account_by_username(\"arthas\".into()).await?;";
}

typed_calls! {
    /// Characters: create, rename, delete (with the cascade through every domain), look up.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::prelude::*;
    /// let mine = client.list_characters_of_account(1, None).await?;
    /// # Ok(()) }
    /// ```
    trait CharacterApi;

    /// Creates a character; answers its stored (normalised) name.
    write create_character(c: NewCharacter) -> String
        = Command::Character(CharacterCommand::Create {
            id: c.id, account: c.account, name: c.name, race: c.race, class: c.class,
            gender: c.gender, level: c.level,
        });
        Response::Character(CharacterResponse::Named { name, .. }) => name;
        example "let name = client.create_character(NewCharacter { id: arthas, account: 1,
    name: \"arthas\".into(), race: 1, class: 1, gender: 0, level: 1 }).await?;
assert_eq!(name, \"Arthas\");";

    /// Renames an offline character; answers the stored (normalised) name.
    write rename_character(id: CharacterId, name: String) -> String
        = Command::Character(CharacterCommand::Rename { id, name });
        Response::Character(CharacterResponse::Named { name, .. }) => name;
        example "let name = client.rename_character(arthas, \"lichking\".into()).await?;";

    /// Deletes an offline character and everything that refers to it (friends, mail, arena,
    /// channels).
    write delete_character(id: CharacterId) -> ()
        = Command::Character(CharacterCommand::Delete { id }); Response::Done => ();
        example "client.delete_character(arthas).await?;";

    /// A character by id.
    read get_character(id: CharacterId) -> Option<Character>
        = Query::Character(CharacterQuery::Get { id });
        QueryResponse::Character(CharacterQueryResponse::Character(c)) => c;
        example "let character = client.get_character(arthas).await?;";

    /// A character by name on a realm (any case).
    read get_character_by_name(realm: RealmId, name: String) -> Option<Character>
        = Query::Character(CharacterQuery::ByName { realm, name });
        QueryResponse::Character(CharacterQueryResponse::Character(c)) => c;
        example "let character = client.get_character_by_name(1, \"arthas\".into()).await?;";

    /// An account's characters, on one realm or (`None`) on all.
    read list_characters_of_account(account: AccountId, realm: Option<RealmId>) -> Vec<Character>
        = Query::Character(CharacterQuery::ForAccount { account, realm });
        QueryResponse::Character(CharacterQueryResponse::Characters(cs)) => cs;
        example "let on_realm_1 = client.list_characters_of_account(1, Some(1)).await?;";
}
