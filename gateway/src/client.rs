//! [`Client`]: one channel per node, the leader it learned, the retry loop.
//!
//! ```text
//!  write, LEASE read, or any read with `reads_on_leader`:
//!  call ──▶ target = known leader, else the next endpoint (round robin)
//!    ok ─────────────────────────────▶ answer (and that node is the leader)
//!    NOT_LEADER { leader_addr } ─────▶ target = leader_addr, retry at once
//!    UNAVAILABLE / DEADLINE / lost ──▶ forget the leader, next endpoint, backoff with jitter
//!    domain error, INVALID_ARGUMENT ─▶ returned as is (the state machine answered)
//!
//!  LINEARIZABLE, AT_LEAST, STALE read (every node serves them):
//!  call ──▶ target = the next endpoint round robin, skipping nodes that failed within
//!           `node_avoid` (all failed: the one that failed longest ago)
//!    TOO_STALE on a node ────────────▶ the rest of the call goes to the leader (freshest)
//!    NOT_LEADER { leader_addr } ─────▶ the rest of the call goes to the leader
//!    UNAVAILABLE / DEADLINE / lost ──▶ that node is skipped for a while, next node
//! ```
//! A write's request id is drawn once, before the first attempt, so every retry carries the
//! same id and the cluster applies it once (a retry of an applied write gets the stored answer).
//! Channels are lazy: `connect` checks the endpoints but opens nothing, and a node that is down
//! costs one failed attempt, not the client.

use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tavern_proto::status::{error_from_status, node_error_from_status};
use tavern_proto::{pb, ConvertError, NodeError, ReadLevel, RequestHeader};
use tavern_statemachine::{Command, Query, RequestId};
use tokio::time::Instant;
use tonic::{Code, Status};

use crate::rpc::{ReadRequest, Served, WriteRequest, Written};
use crate::security::{channel, describe, Transport};
use crate::session::Session;
use crate::{ClientOptions, Error};

/// A connection to a tavern cluster. Cheap to clone; clones share channels, the leader and
/// the session (request ids).
///
/// ```no_run
/// # async fn demo() -> Result<(), tavern_gateway::Error> {
/// use tavern_gateway::{Client, ClientOptions};
/// let client = Client::connect(["127.0.0.1:7001", "127.0.0.1:7002"], ClientOptions::default())?;
/// let realms = client.list_realms().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: ClientOptions,
    /// Normalised (`http://host:port`), in the order given.
    endpoints: Vec<String>,
    session: Arc<Session>,
    state: Mutex<Routing>,
}

#[derive(Debug)]
struct Routing {
    channels: BTreeMap<String, Transport>,
    leader: Option<String>,
    /// The endpoint the next call without a known leader starts at.
    next: usize,
    /// The endpoint the next spread read starts at.
    read_next: usize,
    /// When each node last failed an attempt (spread reads skip it for `node_avoid`).
    failed: BTreeMap<String, Instant>,
    /// Jitter state (xorshift), seeded at random.
    rng: u64,
}

/// Where the attempts of a call go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// The known leader, else the next endpoint.
    Leader,
    /// Round robin over every endpoint, skipping those that failed recently.
    Spread,
}

/// What one failed attempt means for the next.
enum Retry {
    /// Go to this node now.
    Redirect(String),
    /// Try another node after a backoff.
    Elsewhere(String),
    /// A node that is not the leader and does not know who is: another node, after a backoff.
    LeaderUnknown(String),
    /// A node whose data is older than the read allows: the leader, at once.
    TooStale(Error),
    /// Give up with this error.
    Fail(Error),
}

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish()
}

/// `host:port` or a URI, as a URI with a scheme.
fn normalise(endpoint: &str) -> String {
    if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("http://{endpoint}")
    }
}

impl Client {
    /// A client of the cluster whose nodes serve clients at `endpoints` (`host:port` or
    /// `http://host:port`). Opens no connection yet (channels connect on first use).
    ///
    /// ```
    /// use tavern_gateway::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = Client::connect(["127.0.0.1:7001"], ClientOptions::default()).unwrap();
    /// assert!(Client::connect(Vec::<String>::new(), ClientOptions::default()).is_err());
    /// # }
    /// ```
    pub fn connect<I, S>(endpoints: I, options: ClientOptions) -> Result<Client, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let endpoints: Vec<String> = endpoints
            .into_iter()
            .map(|e| normalise(e.as_ref()))
            .collect();
        if endpoints.is_empty() {
            return Err(Error::Endpoint {
                endpoint: String::new(),
                reason: "no endpoints given".into(),
            });
        }
        let mut channels = BTreeMap::new();
        for e in &endpoints {
            channels.insert(e.clone(), channel(e, &options)?);
        }
        let client = options.client_id.unwrap_or_else(random_u64);
        Ok(Client {
            inner: Arc::new(Inner {
                endpoints,
                session: Arc::new(Session::new(client)),
                state: Mutex::new(Routing {
                    channels,
                    leader: None,
                    next: 0,
                    read_next: 0,
                    failed: BTreeMap::new(),
                    rng: random_u64() | 1,
                }),
                options,
            }),
        })
    }

    /// This client's session id (the `client` of its request ids).
    ///
    /// ```
    /// use tavern_gateway::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let options = ClientOptions { client_id: Some(42), ..ClientOptions::default() };
    /// assert_eq!(Client::connect(["127.0.0.1:7001"], options).unwrap().client_id(), 42);
    /// # }
    /// ```
    pub fn client_id(&self) -> u64 {
        self.inner.session.client()
    }

    /// The leader this client last learned (`http://host:port`), if any.
    ///
    /// ```
    /// use tavern_gateway::{Client, ClientOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = Client::connect(["127.0.0.1:7001"], ClientOptions::default()).unwrap();
    /// assert_eq!(client.leader(), None);
    /// # }
    /// ```
    pub fn leader(&self) -> Option<String> {
        self.routing().leader.clone()
    }

    /// Applies `command` exactly once, under a new request id of this client, following the
    /// leader and retrying with the same id. Typed calls ([`Client::upsert_realm`]...) are
    /// built on it.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_statemachine::{realm::{Realm, RealmCommand}, Command};
    /// let realm = Realm { id: 1, name: "Lordaeron".into(), cross_realm: false };
    /// let written = client.write(Command::Realm(RealmCommand::Upsert(realm))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn write(&self, command: Command) -> Result<Written, Error> {
        let in_flight = self.inner.session.begin();
        let result = self.write_with_request(in_flight.id, command).await;
        drop(in_flight);
        result
    }

    /// Applies `command` under the caller's request id `request`: sent again with the same id
    /// (after an unknown fate, or from another process of the same client), it is not applied
    /// twice and answers what it answered the first time. The caller keeps `ack_below` right.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_statemachine::{realm::{Realm, RealmCommand}, Command, RequestId};
    /// let id = RequestId { client: 9, seq: 0, ack_below: 0 };
    /// let realm = Realm { id: 1, name: "Lordaeron".into(), cross_realm: false };
    /// let first = client.write_with_request(id, Command::Realm(RealmCommand::Upsert(realm.clone()))).await?;
    /// let again = client.write_with_request(id, Command::Realm(RealmCommand::Upsert(realm))).await?;
    /// assert_eq!(first.response, again.response);
    /// # Ok(()) }
    /// ```
    pub async fn write_with_request(
        &self,
        request: RequestId,
        command: Command,
    ) -> Result<Written, Error> {
        let header = pb::RequestHeader::from(RequestHeader {
            request: Some(request),
            read_level: ReadLevel::default(),
        });
        let message = WriteRequest::new(command, header)?;
        self.call(Route::Leader, |channel| message.clone().send(channel))
            .await
    }

    /// Runs `query` at the default read level of the options.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_statemachine::{realm::RealmQuery, Query};
    /// let served = client.read(Query::Realm(RealmQuery::List)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn read(&self, query: Query) -> Result<Served, Error> {
        self.read_at(query, self.inner.options.read_level).await
    }

    /// Runs `query` at `level`. `LINEARIZABLE`, `AT_LEAST` and `STALE` reads are spread
    /// over every node (unless `reads_on_leader`): each node serves them, a follower asking
    /// the leader for a read index at `LINEARIZABLE`. A node too stale for a `STALE` bound
    /// sends the read on to the leader.
    ///
    /// ```no_run
    /// # async fn demo(client: tavern_gateway::Client) -> Result<(), tavern_gateway::Error> {
    /// use tavern_proto::ReadLevel;
    /// use tavern_statemachine::{realm::RealmQuery, Query};
    /// let served = client.read_at(Query::Realm(RealmQuery::List), ReadLevel::AtLeast { index: 1 }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn read_at(&self, query: Query, level: ReadLevel) -> Result<Served, Error> {
        let header = pb::RequestHeader::from(RequestHeader {
            request: None,
            read_level: level,
        });
        let message = ReadRequest::new(query, header)?;
        let route = match level {
            ReadLevel::Lease => Route::Leader,
            _ if self.inner.options.reads_on_leader => Route::Leader,
            ReadLevel::Linearizable | ReadLevel::AtLeast { .. } | ReadLevel::Stale { .. } => {
                Route::Spread
            }
        };
        self.call(route, |channel| message.clone().send(channel))
            .await
    }

    fn routing(&self) -> std::sync::MutexGuard<'_, Routing> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The node to try next on `route` and its channel.
    fn target(&self, route: Route) -> Result<(String, Transport), Error> {
        let mut r = self.routing();
        let target = match (route, &r.leader) {
            (Route::Spread, _) => self.spread_target(&mut r),
            (Route::Leader, Some(l)) => l.clone(),
            (Route::Leader, None) => {
                let i = r.next % self.inner.endpoints.len();
                r.next = r.next.wrapping_add(1);
                self.inner.endpoints[i].clone()
            }
        };
        let ch = match r.channels.get(&target) {
            Some(ch) => ch.clone(),
            None => {
                let ch = channel(&target, &self.inner.options)?;
                r.channels.insert(target.clone(), ch.clone());
                ch
            }
        };
        Ok((target, ch))
    }

    /// The next endpoint round robin that has not failed within `node_avoid`; if every one
    /// has, the one that failed longest ago.
    fn spread_target(&self, r: &mut Routing) -> String {
        let endpoints = &self.inner.endpoints;
        let now = Instant::now();
        let avoid = self.inner.options.node_avoid;
        let n = endpoints.len();
        let usable = (0..n).map(|k| (r.read_next + k) % n).find(|&i| {
            r.failed
                .get(&endpoints[i])
                .is_none_or(|&at| now.saturating_duration_since(at) >= avoid)
        });
        let i = usable.unwrap_or_else(|| {
            (0..n)
                .min_by_key(|&i| r.failed.get(&endpoints[i]).copied())
                .unwrap_or(0)
        });
        r.read_next = i.wrapping_add(1);
        endpoints[i].clone()
    }

    /// Remembers that `target` failed an attempt now.
    fn failed(&self, target: &str) {
        self.routing()
            .failed
            .insert(target.to_string(), Instant::now());
    }

    /// A backoff for retry `n` (0-based): a random duration up to `initial * 2^n`, capped.
    fn backoff(&self, n: u32) -> Duration {
        let o = &self.inner.options;
        let cap = o
            .backoff_initial
            .saturating_mul(1u32 << n.min(16))
            .min(o.backoff_max);
        let mut r = self.routing();
        r.rng ^= r.rng << 13;
        r.rng ^= r.rng >> 7;
        r.rng ^= r.rng << 17;
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX).max(1);
        Duration::from_millis(r.rng % cap_ms + 1)
    }

    /// The retry loop every call goes through; its attempts start on `route`.
    async fn call<T, F, Fut>(&self, mut route: Route, attempt: F) -> Result<T, Error>
    where
        F: Fn(Transport) -> Fut,
        Fut: Future<Output = Result<Result<T, ConvertError>, Status>>,
    {
        let o = &self.inner.options;
        let deadline = Instant::now() + o.call_deadline;
        let deadline_ms = u64::try_from(o.call_deadline.as_millis()).unwrap_or(u64::MAX);
        let mut last_not_leader: Option<Option<String>> = None;
        let mut last_reason = String::from("no attempt made");
        let mut backoffs = 0;
        let attempts_max = o.retries_max.saturating_add(1);
        for attempts in 1..=attempts_max {
            // No pause after the last attempt: its error is returned at once.
            let last = attempts == attempts_max;
            let (target, channel) = self.target(route)?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Deadline {
                    after_ms: deadline_ms,
                });
            }
            let outcome = tokio::time::timeout(o.attempt_timeout.min(left), attempt(channel)).await;
            let retry = match outcome {
                Ok(Ok(Ok(value))) => {
                    let mut r = self.routing();
                    r.failed.remove(&target);
                    if route == Route::Leader {
                        // Only the leader answers on this route: it is the leader.
                        r.leader = Some(target);
                    }
                    return Ok(value);
                }
                Ok(Ok(Err(e))) => return Err(Error::Protocol(e.to_string())),
                Ok(Err(status)) => classify(&status, &target, route),
                Err(_) => {
                    Retry::Elsewhere(format!("{target}: no answer within the attempt timeout"))
                }
            };
            match &retry {
                Retry::LeaderUnknown(_) => last_not_leader = Some(None),
                Retry::Elsewhere(_) => last_not_leader = None,
                Retry::Redirect(_) | Retry::Fail(_) | Retry::TooStale(_) => {}
            }
            match retry {
                Retry::Fail(e) => return Err(e),
                Retry::TooStale(e) => {
                    tracing::debug!(node = %target, "too stale for the read, asking the leader");
                    self.failed(&target);
                    route = Route::Leader;
                    if last {
                        return Err(e);
                    }
                }
                Retry::Redirect(leader) => {
                    tracing::debug!(from = %target, to = %leader, "following the leader");
                    last_not_leader = Some(Some(leader.clone()));
                    self.routing().leader = Some(leader);
                    route = Route::Leader;
                    if attempts > 1 && !last {
                        // Not the first attempt: leadership may be moving, slow down a bit.
                        let pause = self.backoff(backoffs);
                        backoffs += 1;
                        tokio::time::sleep(pause.min(left)).await;
                    }
                }
                Retry::Elsewhere(reason) | Retry::LeaderUnknown(reason) => {
                    tracing::debug!(node = %target, %reason, "retrying on another node");
                    last_reason = reason;
                    self.failed(&target);
                    {
                        let mut r = self.routing();
                        if r.leader.as_deref() == Some(target.as_str()) {
                            r.leader = None;
                        }
                    }
                    if !last {
                        let pause = self.backoff(backoffs);
                        backoffs += 1;
                        tokio::time::sleep(pause.min(left)).await;
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(Error::Deadline {
                    after_ms: deadline_ms,
                });
            }
            if last {
                return Err(match last_not_leader {
                    Some(leader) => Error::NotLeader { leader, attempts },
                    None => Error::Unavailable {
                        reason: last_reason,
                        attempts,
                    },
                });
            }
        }
        Err(Error::Unavailable {
            reason: last_reason,
            attempts: 0,
        })
    }
}

/// What a failed attempt on `target`, reached by `route`, means.
fn classify(status: &Status, target: &str, route: Route) -> Retry {
    if let Some(e) = node_error_from_status(status) {
        return match e {
            NodeError::NotLeader {
                leader_addr: Some(addr),
                ..
            } if normalise(&addr) != target => Retry::Redirect(normalise(&addr)),
            NodeError::NotLeader { .. } => Retry::LeaderUnknown(format!("{target}: {e}")),
            NodeError::Unavailable(_) | NodeError::Halted(_) | NodeError::Timeout { .. } => {
                Retry::Elsewhere(format!("{target}: {e}"))
            }
            NodeError::TooStale { .. } if route == Route::Spread => Retry::TooStale(Error::Node(e)),
            NodeError::TooStale { .. } | NodeError::ReadLevelUnavailable(_) => {
                Retry::Fail(Error::Node(e))
            }
        };
    }
    if let Some(e) = error_from_status(status) {
        return Retry::Fail(match e {
            tavern_statemachine::Error::InvalidArgument { field, reason } => {
                Error::InvalidArgument { field, reason }
            }
            other => Error::Domain(other),
        });
    }
    match status.code() {
        // The connection failed or was lost, or the node ran out of time: the call may or
        // may not have happened; the same request id makes retrying it safe.
        Code::Unavailable
        | Code::DeadlineExceeded
        | Code::Cancelled
        | Code::Unknown
        | Code::Aborted => Retry::Elsewhere(format!("{target}: {}", describe(status))),
        // A node over its `client_concurrency_max`: busy, not broken.
        Code::ResourceExhausted => Retry::Elsewhere(format!("{target}: {}", status.message())),
        Code::Unauthenticated | Code::PermissionDenied => {
            Retry::Fail(Error::Unauthenticated(status.message().to_string()))
        }
        Code::InvalidArgument | Code::OutOfRange => Retry::Fail(Error::InvalidArgument {
            field: "request".into(),
            reason: status.message().to_string(),
        }),
        _ => Retry::Fail(Error::Protocol(format!(
            "{target} answered {:?}: {}",
            status.code(),
            status.message()
        ))),
    }
}
