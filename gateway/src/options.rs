//! [`ClientOptions`]: timeouts, retries and the default read level, each with its unit.

use std::time::Duration;

use tavern_proto::ReadLevel;

/// How long to wait to open a connection to a node.
///
/// ```
/// assert!(tavern_gateway::options::CONNECT_TIMEOUT_DEFAULT <= tavern_gateway::options::ATTEMPT_TIMEOUT_DEFAULT);
/// ```
pub const CONNECT_TIMEOUT_DEFAULT: Duration = Duration::from_secs(1);
/// How long one attempt of a call may take on one node.
///
/// ```
/// assert!(tavern_gateway::options::ATTEMPT_TIMEOUT_DEFAULT <= tavern_gateway::options::CALL_DEADLINE_DEFAULT);
/// ```
pub const ATTEMPT_TIMEOUT_DEFAULT: Duration = Duration::from_secs(5);
/// How long a call may take, every retry included.
///
/// ```
/// assert!(tavern_gateway::options::CALL_DEADLINE_DEFAULT > std::time::Duration::ZERO);
/// ```
pub const CALL_DEADLINE_DEFAULT: Duration = Duration::from_secs(30);
/// How many times a call is retried after its first attempt.
///
/// ```
/// assert!(tavern_gateway::options::RETRIES_MAX_DEFAULT > 0);
/// ```
pub const RETRIES_MAX_DEFAULT: u32 = 20;
/// The first backoff between two attempts; it doubles up to [`BACKOFF_MAX_DEFAULT`].
///
/// ```
/// assert!(tavern_gateway::options::BACKOFF_INITIAL_DEFAULT <= tavern_gateway::options::BACKOFF_MAX_DEFAULT);
/// ```
pub const BACKOFF_INITIAL_DEFAULT: Duration = Duration::from_millis(25);
/// The longest backoff between two attempts.
///
/// ```
/// assert!(tavern_gateway::options::BACKOFF_MAX_DEFAULT < tavern_gateway::options::CALL_DEADLINE_DEFAULT);
/// ```
pub const BACKOFF_MAX_DEFAULT: Duration = Duration::from_secs(1);

/// How long a node whose attempt failed (unreachable, no answer, too stale) is skipped when
/// reads are spread over the nodes.
///
/// ```
/// assert!(tavern_gateway::options::NODE_AVOID_DEFAULT < tavern_gateway::options::CALL_DEADLINE_DEFAULT);
/// ```
pub const NODE_AVOID_DEFAULT: Duration = Duration::from_secs(2);

/// What [`crate::Client::connect`] is configured with. `Default` gives the `*_DEFAULT` consts.
///
/// ```
/// use std::time::Duration;
/// use tavern_gateway::ClientOptions;
/// let options = ClientOptions {
///     call_deadline: Duration::from_secs(10),
///     ..ClientOptions::default()
/// };
/// assert_eq!(options.retries_max, tavern_gateway::options::RETRIES_MAX_DEFAULT);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Opening a connection to one node.
    pub connect_timeout: Duration,
    /// One attempt on one node; past it the attempt's fate is unknown and the call is retried.
    pub attempt_timeout: Duration,
    /// The whole call, retries included; past it the call fails with [`crate::Error::Deadline`].
    pub call_deadline: Duration,
    /// Retries after the first attempt (following a `NOT_LEADER` counts as one).
    pub retries_max: u32,
    /// The first backoff; each further one doubles, up to `backoff_max`, with full jitter.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// The read level of reads that do not name one.
    pub read_level: ReadLevel,
    /// Send every read to the leader. When `false` (the default), reads any node serves
    /// (`LINEARIZABLE`, `AT_LEAST`, `STALE`) go round robin over every endpoint, skipping
    /// nodes that failed within `node_avoid`; `LEASE` reads always go to the leader.
    pub reads_on_leader: bool,
    /// How long a node whose attempt failed is skipped by spread reads.
    pub node_avoid: Duration,
    /// This client's session id for exactly-once writes; random when `None`. Give the same
    /// id only to one client at a time.
    pub client_id: Option<u64>,
    /// TLS towards the nodes (the CA of their certificates); `None` dials plain `http://`.
    pub tls: Option<crate::TlsOptions>,
    /// Sent as `authorization: Bearer <token>` on every call, for nodes that require tokens.
    pub token: Option<crate::BearerToken>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: CONNECT_TIMEOUT_DEFAULT,
            attempt_timeout: ATTEMPT_TIMEOUT_DEFAULT,
            call_deadline: CALL_DEADLINE_DEFAULT,
            retries_max: RETRIES_MAX_DEFAULT,
            backoff_initial: BACKOFF_INITIAL_DEFAULT,
            backoff_max: BACKOFF_MAX_DEFAULT,
            read_level: ReadLevel::Linearizable,
            reads_on_leader: false,
            node_avoid: NODE_AVOID_DEFAULT,
            client_id: None,
            tls: None,
            token: None,
        }
    }
}
