//! Typed calls: one method per RPC, for every command and query of the eight domains.
//!
//! ```text
//!  RealmApi, AccountApi, CharacterApi, PresenceApi, SocialApi, ChannelApi, MailApi, ArenaApi
//!     (one trait per domain, one file each; every method a line of `typed_calls!`)
//!        │ build the domain Command / Query, match the answer's shape
//!        ▼
//!  Backend::write / Backend::read ──▶ Client (a cluster, over gRPC)
//!                                 └─▶ any other Backend (tavern-tests: the bare state machine)
//! ```
//!
//! The typed methods are provided methods of the domain traits, implemented for every
//! [`Backend`]: the same code builds the command and reads the answer whether it goes to a
//! cluster or to an in-memory state machine, so a test suite written against the traits runs
//! unchanged on both (`tests/src/domain_api/`). Bring them in scope with
//! `use tavern_gateway::prelude::*`.

use std::future::Future;

use tavern_statemachine::{AccountId, CharacterId, Command, Query};

use crate::{Client, Error, Served, Written};

mod arena;
mod channel;
mod mail;
mod presence;
mod realm;
mod social;

pub use arena::ArenaApi;
pub use channel::{ChannelApi, Joined};
pub use mail::MailApi;
pub use presence::PresenceApi;
pub use realm::{AccountApi, CharacterApi, RealmApi};
pub use social::SocialApi;

/// Where typed calls go: something that applies a [`Command`] exactly once and answers a
/// [`Query`]. [`Client`] is one (a cluster over gRPC); a test can implement it over the bare
/// state machine and run gateway code, or a whole suite, without a cluster.
///
/// ```no_run
/// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
/// use tavern_gateway::prelude::*;
/// async fn realm_count(api: &impl Backend) -> Result<usize, Error> {
///     Ok(api.list_realms().await?.len())
/// }
/// let n = realm_count(&client).await?;
/// # Ok(()) }
/// ```
pub trait Backend: Sync {
    /// Applies `command` once; answers the state machine's response and the applied index.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::Backend;
    /// use tavern_statemachine::{presence::PresenceCommand, Command};
    /// let cmd = Command::Presence(PresenceCommand::ExpireGateways);
    /// let written = Backend::write(&client, cmd).await?;
    /// # Ok(()) }
    /// ```
    fn write(&self, command: Command) -> impl Future<Output = Result<Written, Error>> + Send;

    /// Answers `query` at the backend's default read level.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_gateway::Backend;
    /// use tavern_statemachine::{realm::RealmQuery, Query};
    /// let served = Backend::read(&client, Query::Realm(RealmQuery::List)).await?;
    /// # Ok(()) }
    /// ```
    fn read(&self, query: Query) -> impl Future<Output = Result<Served, Error>> + Send;
}

impl Backend for Client {
    fn write(&self, command: Command) -> impl Future<Output = Result<Written, Error>> + Send {
        Client::write(self, command)
    }

    fn read(&self, query: Query) -> impl Future<Output = Result<Served, Error>> + Send {
        Client::read(self, query)
    }
}

/// A new character, the argument of [`CharacterApi::create_character`].
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
pub(crate) fn unexpected(what: &str, got: &impl std::fmt::Debug) -> Error {
    Error::Protocol(format!("{what} answered {got:?}"))
}

/// Declares one domain trait and its blanket implementation for every [`Backend`]. Each
/// method is
///
/// ```text
/// /// doc
/// write|read name(arg: Type, ...) -> Answer = <Command or Query>;
///     <pattern of the Response or QueryResponse> => <answer>;
///     example "<the visible lines of its no_run example>";
/// ```
///
/// The example runs in a hidden `async fn` with `client: Client`, the prelude in scope and
/// `arthas`, `jaina` (characters 1 and 2 of realm 1) defined.
macro_rules! typed_calls {
    ($(#[$tdoc:meta])* trait $trait:ident;
     $($(#[$doc:meta])* $kind:ident $name:ident($($arg:ident: $ty:ty),*) -> $out:ty
        = $build:expr; $pat:pat => $value:expr; example $ex:literal;)+) => {
        $(#[$tdoc])*
        pub trait $trait: $crate::calls::Backend {
            $($(#[$doc])*
            #[doc = ""]
            #[doc = concat!(
                "```no_run\n",
                "# async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {\n",
                "# use tavern_gateway::prelude::*;\n",
                "# use tavern_statemachine::CharacterId;\n",
                "# let arthas = CharacterId { realm: 1, low: 1 };\n",
                "# let jaina = CharacterId { realm: 1, low: 2 };\n",
                $ex,
                "\n# let _ = (arthas, jaina);\n# Ok(()) }\n```"
            )]
            fn $name(&self, $($arg: $ty),*)
                -> impl ::std::future::Future<Output = Result<$out, $crate::Error>> + Send {
                async move {
                    let answer = $crate::calls::typed_calls!(@send $kind, self, $build);
                    match answer {
                        $pat => Ok($value),
                        #[allow(unreachable_patterns)]
                        other => Err($crate::calls::unexpected(stringify!($name), &other)),
                    }
                }
            })+
        }

        impl<B: $crate::calls::Backend + ?Sized> $trait for B {}
    };
    (@send write, $self:ident, $build:expr) => {
        $crate::calls::Backend::write($self, $build).await?.response
    };
    (@send read, $self:ident, $build:expr) => {
        $crate::calls::Backend::read($self, $build).await?.response
    };
}
pub(crate) use typed_calls;
