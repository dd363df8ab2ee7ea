//! A linearizability checker for recorded histories (Wing & Gong's search, with Lowe's
//! memoisation of visited configurations), checked one entity at a time.
//!
//! ```text
//!  clients ──invoke──▶ Recorder ──complete / unknown──▶ History<K, I, O>
//!  check(model, history) ─▶ split by entity key K (linearizability is compositional)
//!     per entity: depth-first search for an order of the operations that
//!       - respects real time: an operation that completed before another was invoked comes first,
//!       - and that the model accepts: each step's output is the one observed;
//!     operations of unknown outcome (a write that timed out) may take effect at any time after
//!     their invocation, or never.
//! ```
//! A model ([`Model`]) is a sequential specification: a state and a `step` that says whether an
//! operation with its observed output is legal there, and the next state. Our entities' models
//! are in `crate::models`. The search stops at [`SEARCH_CONFIGS_MAX`] configurations per entity
//! and says so ([`Verdict::Inconclusive`]) instead of running without bound.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Configurations (operations placed, model state) the search of one entity may visit.
pub const SEARCH_CONFIGS_MAX: usize = 2_000_000;

/// A sequential specification of one entity.
pub trait Model {
    type State: Clone + Eq + Hash + Debug;
    type Input: Clone + Debug;
    type Output: Clone + Debug;

    /// The entity's state before any operation.
    fn init(&self) -> Self::State;

    /// The state after `input` ran in `state` and answered `output`; `None` if this model
    /// cannot answer that there. `output` is `None` for an operation of unknown outcome: it
    /// is legal if the operation can run at all.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;
}

/// One operation as a client saw it. Times are nanoseconds since the recorder's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// Which client ran it (for reports only).
    pub client: u64,
    pub invoke_ns: u64,
    /// `None`: the outcome is unknown (a failed or timed-out write); it may have taken effect
    /// at any time after `invoke_ns`, or never.
    pub complete_ns: Option<u64>,
    pub input: I,
    /// `None` exactly when `complete_ns` is.
    pub output: Option<O>,
}

impl<I, O> Operation<I, O> {
    /// An operation that completed with `output`.
    pub fn done(client: u64, invoke_ns: u64, complete_ns: u64, input: I, output: O) -> Self {
        Operation {
            client,
            invoke_ns,
            complete_ns: Some(complete_ns),
            input,
            output: Some(output),
        }
    }

    /// An operation whose outcome is unknown.
    pub fn unknown(client: u64, invoke_ns: u64, input: I) -> Self {
        Operation {
            client,
            invoke_ns,
            complete_ns: None,
            input,
            output: None,
        }
    }
}

/// A history: each entity key with its operations, in any order.
pub type History<K, I, O> = Vec<(K, Operation<I, O>)>;

/// What the checker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<K> {
    /// Every entity's operations have a legal order that respects real time.
    Linearizable,
    /// This entity's have none. `explanation` shows the longest legal prefix found and the
    /// operations that could come next and were all refused.
    NotLinearizable { entity: K, explanation: String },
    /// The search of this entity hit [`SEARCH_CONFIGS_MAX`].
    Inconclusive { entity: K },
}

impl<K> Verdict<K> {
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable)
    }
}

/// One entity's operations.
type EntityOps<'a, M> = Vec<&'a Operation<<M as Model>::Input, <M as Model>::Output>>;

/// Checks every entity of `history` against `model`; the first entity that fails decides.
pub fn check<M, K>(model: &M, history: &History<K, M::Input, M::Output>) -> Verdict<K>
where
    M: Model,
    K: Ord + Clone + Debug,
{
    let mut by_entity: BTreeMap<&K, EntityOps<'_, M>> = BTreeMap::new();
    for (k, op) in history {
        by_entity.entry(k).or_default().push(op);
    }
    for (k, ops) in by_entity {
        match check_entity(model, &ops) {
            Ok(()) => {}
            Err(None) => return Verdict::Inconclusive { entity: k.clone() },
            Err(Some(explanation)) => {
                return Verdict::NotLinearizable {
                    entity: k.clone(),
                    explanation,
                }
            }
        }
    }
    Verdict::Linearizable
}

/// A set of operation indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Placed(Vec<u64>);

impl Placed {
    fn new(n: usize) -> Self {
        Placed(vec![0; n.div_ceil(64)])
    }
    fn has(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn with(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0[i / 64] |= 1 << (i % 64);
        p
    }
}

/// `Ok` if linearizable; `Err(Some(why))` if not; `Err(None)` if the search gave up.
fn check_entity<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
) -> Result<(), Option<String>> {
    let n = ops.len();
    let known: Vec<usize> = (0..n).filter(|&i| ops[i].complete_ns.is_some()).collect();
    let mut seen: HashSet<(Placed, M::State)> = HashSet::new();
    // Depth-first: each frame is a configuration and the order that reached it.
    let mut stack: Vec<(Placed, M::State, Vec<usize>)> =
        vec![(Placed::new(n), model.init(), vec![])];
    let mut longest: Vec<usize> = Vec::new();
    while let Some((placed, state, order)) = stack.pop() {
        if known.iter().all(|&i| placed.has(i)) {
            return Ok(());
        }
        if order.len() > longest.len() {
            longest = order.clone();
        }
        // An operation may come next if no unplaced operation completed before it was invoked.
        let first_completion = (0..n)
            .filter(|&i| !placed.has(i))
            .filter_map(|i| ops[i].complete_ns)
            .min()
            .unwrap_or(u64::MAX);
        for i in (0..n).rev() {
            if placed.has(i) || ops[i].invoke_ns > first_completion {
                continue;
            }
            let Some(next) = model.step(&state, &ops[i].input, ops[i].output.as_ref()) else {
                continue;
            };
            let placed = placed.with(i);
            if seen.insert((placed.clone(), next.clone())) {
                if seen.len() > SEARCH_CONFIGS_MAX {
                    return Err(None);
                }
                let mut order = order.clone();
                order.push(i);
                stack.push((placed, next, order));
            }
        }
    }
    Err(Some(explain(model, ops, &longest)))
}

/// The longest legal prefix and what was refused after it.
fn explain<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
    prefix: &[usize],
) -> String {
    let show = |i: usize| {
        let op = ops[i];
        format!(
            "  #{i} client {} [{} .. {}] {:?} -> {:?}",
            op.client,
            op.invoke_ns,
            op.complete_ns.map_or("?".into(), |c| c.to_string()),
            op.input,
            op.output
        )
    };
    let mut state = model.init();
    let mut placed = Placed::new(ops.len());
    let mut out = String::from("longest legal order:\n");
    for &i in prefix {
        out += &show(i);
        out.push('\n');
        if let Some(next) = model.step(&state, &ops[i].input, ops[i].output.as_ref()) {
            state = next;
        }
        placed = placed.with(i);
    }
    out += &format!("state then: {state:?}\nnone of these can come next:\n");
    let first_completion = (0..ops.len())
        .filter(|&i| !placed.has(i))
        .filter_map(|i| ops[i].complete_ns)
        .min()
        .unwrap_or(u64::MAX);
    for i in (0..ops.len()).filter(|&i| !placed.has(i) && ops[i].invoke_ns <= first_completion) {
        out += &show(i);
        out.push('\n');
    }
    out
}

/// Records a history from concurrent clients: times from one monotonic clock, an operation's
/// invocation taken before its request is sent and its completion after its answer arrived.
#[derive(Debug)]
pub struct Recorder<K, I, O> {
    start: Instant,
    ops: Arc<Mutex<History<K, I, O>>>,
}

impl<K, I, O> Clone for Recorder<K, I, O> {
    fn clone(&self) -> Self {
        Recorder {
            start: self.start,
            ops: self.ops.clone(),
        }
    }
}

impl<K, I, O> Default for Recorder<K, I, O> {
    fn default() -> Self {
        Recorder {
            start: Instant::now(),
            ops: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

/// An invoked operation; [`Pending::complete`] or [`Pending::unknown`] records it.
#[derive(Debug)]
pub struct Pending<K, I, O> {
    recorder: Recorder<K, I, O>,
    key: K,
    client: u64,
    invoke_ns: u64,
    input: I,
}

impl<K, I, O> Recorder<K, I, O> {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Call just before sending the request.
    pub fn invoke(&self, key: K, client: u64, input: I) -> Pending<K, I, O> {
        Pending {
            recorder: self.clone(),
            invoke_ns: self.now_ns(),
            key,
            client,
            input,
        }
    }

    /// Everything recorded so far.
    pub fn history(&self) -> History<K, I, O>
    where
        K: Clone,
        I: Clone,
        O: Clone,
    {
        self.ops.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl<K, I, O> Pending<K, I, O> {
    /// The answer arrived: `output`.
    pub fn complete(self, output: O) {
        let complete_ns = self.recorder.now_ns();
        let Pending {
            recorder,
            key,
            client,
            invoke_ns,
            input,
        } = self;
        let op = Operation::done(client, invoke_ns, complete_ns, input, output);
        recorder.push(key, op);
    }

    /// No answer, or an error that leaves the outcome open (a write that may have applied).
    pub fn unknown(self) {
        let Pending {
            recorder,
            key,
            client,
            invoke_ns,
            input,
        } = self;
        recorder.push(key, Operation::unknown(client, invoke_ns, input));
    }

    /// The operation certainly did not happen (e.g. a read that failed): nothing recorded.
    pub fn discard(self) {}
}

impl<K, I, O> Recorder<K, I, O> {
    fn push(&self, key: K, op: Operation<I, O>) {
        let mut ops = self.ops.lock().unwrap_or_else(|p| p.into_inner());
        ops.push((key, op));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A register: write v, read → v.
    struct Register;
    #[derive(Debug, Clone)]
    enum Op {
        Write(u8),
        Read,
    }
    impl Model for Register {
        type State = u8;
        type Input = Op;
        type Output = u8;
        fn init(&self) -> u8 {
            0
        }
        fn step(&self, s: &u8, i: &Op, o: Option<&u8>) -> Option<u8> {
            match i {
                Op::Write(v) => Some(*v),
                Op::Read => (o.is_none_or(|o| o == s)).then_some(*s),
            }
        }
    }

    #[test]
    fn overlapping_operations_may_take_effect_in_either_order() {
        // write(1) [0..10] overlaps read [5..6] → 0 and read [8..9] → 1.
        let h = vec![
            ("r", Operation::done(1, 0, 10, Op::Write(1), 0)),
            ("r", Operation::done(2, 5, 6, Op::Read, 0)),
            ("r", Operation::done(2, 8, 9, Op::Read, 1)),
        ];
        assert_eq!(check(&Register, &h), Verdict::Linearizable);
    }

    #[test]
    fn a_read_after_a_completed_write_must_see_it() {
        let h = vec![
            ("r", Operation::done(1, 0, 10, Op::Write(1), 0)),
            ("r", Operation::done(2, 11, 12, Op::Read, 0)),
        ];
        let v = check(&Register, &h);
        assert!(
            matches!(v, Verdict::NotLinearizable { entity: "r", .. }),
            "{v:?}"
        );
    }

    #[test]
    fn reads_cannot_go_back_in_time() {
        // Both reads overlap the write, but once one saw 1, a later one cannot see 0.
        let h = vec![
            ("r", Operation::done(1, 0, 100, Op::Write(1), 0)),
            ("r", Operation::done(2, 10, 20, Op::Read, 1)),
            ("r", Operation::done(3, 30, 40, Op::Read, 0)),
        ];
        assert!(!check(&Register, &h).is_linearizable());
    }

    #[test]
    fn an_unknown_write_may_take_effect_late_or_never() {
        let late = vec![
            ("r", Operation::unknown(1, 0, Op::Write(1))),
            ("r", Operation::done(2, 50, 60, Op::Read, 0)),
            ("r", Operation::done(2, 70, 80, Op::Read, 1)),
        ];
        assert!(check(&Register, &late).is_linearizable());
        let never = vec![
            ("r", Operation::unknown(1, 0, Op::Write(1))),
            ("r", Operation::done(2, 50, 60, Op::Read, 0)),
        ];
        assert!(check(&Register, &never).is_linearizable());
        // But not before it was invoked.
        let early = vec![
            ("r", Operation::done(2, 0, 10, Op::Read, 1)),
            ("r", Operation::unknown(1, 20, Op::Write(1))),
        ];
        assert!(!check(&Register, &early).is_linearizable());
    }

    #[test]
    fn entities_are_checked_apart_and_the_failing_one_is_named() {
        let h = vec![
            ("a", Operation::done(1, 0, 10, Op::Write(1), 0)),
            ("b", Operation::done(2, 11, 12, Op::Read, 0)),
            ("a", Operation::done(2, 11, 12, Op::Read, 1)),
            ("b", Operation::done(1, 20, 30, Op::Write(2), 0)),
            ("b", Operation::done(3, 31, 32, Op::Read, 0)),
        ];
        match check(&Register, &h) {
            Verdict::NotLinearizable {
                entity,
                explanation,
            } => {
                assert_eq!(entity, "b");
                assert!(explanation.contains("Write(2)"), "{explanation}");
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn the_recorder_orders_operations_by_the_time_they_were_seen() {
        let recorder: Recorder<&str, Op, u8> = Recorder::default();
        let w = recorder.invoke("r", 1, Op::Write(1));
        w.complete(0);
        let r = recorder.invoke("r", 2, Op::Read);
        r.complete(0); // stale: the write completed before this read began
        let lost = recorder.invoke("r", 3, Op::Write(2));
        lost.unknown();
        recorder.invoke("r", 4, Op::Read).discard();
        let h = recorder.history();
        assert_eq!(h.len(), 3);
        assert!(!check(&Register, &h).is_linearizable());
    }
}
