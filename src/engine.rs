//! The engine of one App or Agent: synchronous and I/O-free. A call goes in once; each answer is a
//! [`Step`] with the next action; the driver reports each outcome back with the call's id. The
//! calls in flight live in a table keyed by id, taken out while they advance, so no borrow is
//! ever held outside a method. The table is a plain vector: a lookup scans the calls in flight,
//! a few hundred words even under heavy load, and a hash map costs several KB of wasm.

use crate::action::{Action, Level, Outcome, Step};
use crate::audit::Job;
use crate::call::{CallInput, CallRun};
use crate::client::{Client, ClientConfig, RateLimit};
use crate::request::{RequestInput, RequestRun};
use alter_protocol::{ProtocolError, Result};
use std::cell::{Cell, RefCell};

enum Machine {
    Request(Box<RequestRun>),
    Call(Box<CallRun>),
    Job(Job),
}

pub struct Engine {
    client: Client,
    machines: RefCell<Vec<(u32, Machine)>>,
    next_id: Cell<u32>,
}

impl Engine {
    pub fn new(config: ClientConfig) -> Result<Engine> {
        Ok(Engine {
            client: Client::new(config)?,
            machines: RefCell::new(Vec::new()),
            next_id: Cell::new(0),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn new_id(&self) -> u32 {
        // Ids are only reused after 2^32 calls, long after the earlier call with that id ended.
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        id
    }

    fn put(&self, id: u32, m: Machine) {
        if let Ok(mut t) = self.machines.try_borrow_mut() {
            t.push((id, m));
        }
    }

    fn take(&self, id: u32) -> Option<Machine> {
        let mut t = self.machines.try_borrow_mut().ok()?;
        let at = t.iter().position(|(i, _)| *i == id)?;
        Some(t.swap_remove(at).1)
    }

    /// Background jobs get their ids and their place in the table.
    fn spawn(&self, jobs: Vec<(Job, Action)>) -> Vec<Step> {
        jobs.into_iter()
            .map(|(job, action)| {
                let id = self.new_id();
                if !matches!(action, Action::End) {
                    self.put(id, Machine::Job(job));
                }
                Step::new(id, action)
            })
            .collect()
    }

    /// `request()` (§4): the first action, or the failure of a local check.
    pub fn request(&self, input: RequestInput, now_ms: f64) -> Step {
        let id = self.new_id();
        let adv = RequestRun::start(&self.client, input, now_ms);
        if let Some(run) = adv.next {
            self.put(id, Machine::Request(Box::new(run)));
        }
        let mut step = Step::new(id, adv.action);
        step.spawned = self.spawn(adv.spawned);
        step
    }

    /// A signed vault call for the namespaces.
    pub fn call(&self, input: CallInput, now_ms: f64) -> Step {
        let id = self.new_id();
        let (run, action) = CallRun::start(&self.client, input, now_ms);
        if let Some(run) = run {
            self.put(id, Machine::Call(Box::new(run)));
        }
        Step::new(id, action)
    }

    /// Reports an outcome for call `id` and returns its next step.
    pub fn step(&self, id: u32, outcome: Outcome, now_ms: f64) -> Step {
        let Some(machine) = self.take(id) else {
            return Step::new(
                id,
                Action::Fail(
                    ProtocolError::sdk("internal_error", "no call in flight with this id").into(),
                ),
            );
        };
        let mut log: Vec<(Level, String)> = Vec::new();
        let mut unconfirmed = false;
        let c = &self.client;
        let (action, spawned) = match machine {
            Machine::Request(run) => {
                let adv = run.on(c, outcome, now_ms, &mut log);
                if let Some(next) = adv.next {
                    self.put(id, Machine::Request(Box::new(next)));
                }
                (adv.action, adv.spawned)
            }
            Machine::Call(run) => {
                let (next, action) = run.on(c, outcome, now_ms, &mut log);
                if let Some(next) = next {
                    self.put(id, Machine::Call(Box::new(next)));
                }
                (action, Vec::new())
            }
            Machine::Job(job) => {
                let (next, action) = job.on(c, outcome, now_ms, &mut log, &mut unconfirmed);
                if let Some(next) = next {
                    self.put(id, Machine::Job(next));
                }
                (action, Vec::new())
            }
        };
        let mut step = Step::new(id, action);
        step.log = log;
        step.unconfirmed = unconfirmed;
        step.spawned = self.spawn(spawned);
        step
    }

    /// Forgets call `id` (the driver gave up on it: the caller's abort before an exchange).
    pub fn forget(&self, id: u32) {
        let _ = self.take(id);
    }

    /// Calls in flight (requests, namespace calls and background jobs).
    pub fn in_flight(&self) -> usize {
        self.machines.try_borrow().map(|t| t.len()).unwrap_or(0)
    }

    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.client.last_rate_limit()
    }
}
