//! The SDK's own task executor, used instead of wasm-bindgen-futures' `future_to_promise` and
//! `JsFuture` on every path (`request()`, `call()`, the audit and scope-report tasks, retry
//! sleeps).
//!
//! Why: wasm-bindgen-futures makes two JS closures per awaited promise and one per task (each
//! registered in and removed from a `FinalizationRegistry` and destroyed through the boundary),
//! and hops through `queueMicrotask` before every poll. Replacing it gained a few percent of
//! `request()` throughput and 3.5 KB of wasm (figures: bench/results/analysis.md). Here:
//!
//! * a task is polled at once when it is spawned or woken, in a run loop guarded against
//!   re-entry (a JS callback that calls back into the SDK while a task runs only queues work:
//!   the loop already running picks it up before returning);
//! * an awaited JS promise reports back through one callback created once per instance
//!   (`js/io.js` `watch` → [`settle`]), so awaiting costs no closure at all;
//! * the Promise a task returns to JS is made and settled by `js/io.js` (`deferred`/`finish`),
//!   keyed by the task's slot.
//!
//! Single-threaded (wasm32): the state is thread-local. Borrows of it last one statement and
//! never span a poll, so a task may spawn tasks and await promises freely.

use js_sys::Promise;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use wasm_bindgen::prelude::*;

type Task = Pin<Box<dyn Future<Output = ()>>>;

enum TaskSlot {
    Free,
    /// Being polled (taken out of the table), or reserved by `spawn` before it is filled.
    Running,
    Parked(Task),
}

enum WaitSlot {
    Free,
    /// Not settled yet; the waker of the task awaiting it, once polled.
    Pending(Option<Waker>),
    /// Settled: fulfilled (`true`) or rejected, with the value.
    Settled(bool, JsValue),
    /// The awaiting future was dropped first: the value is dropped on arrival.
    Abandoned,
}

struct Executor {
    tasks: RefCell<Vec<TaskSlot>>,
    free_tasks: RefCell<Vec<u32>>,
    ready: RefCell<std::collections::VecDeque<u32>>,
    running: Cell<bool>,
    waits: RefCell<Vec<WaitSlot>>,
    free_waits: RefCell<Vec<u32>>,
    /// Whether `js/io.js` has the settle callback yet.
    installed: Cell<bool>,
}

thread_local! {
    static EXEC: Executor = const {
        Executor {
            tasks: RefCell::new(Vec::new()),
            free_tasks: RefCell::new(Vec::new()),
            ready: RefCell::new(std::collections::VecDeque::new()),
            running: Cell::new(false),
            waits: RefCell::new(Vec::new()),
            free_waits: RefCell::new(Vec::new()),
            installed: Cell::new(false),
        }
    };
}

#[wasm_bindgen(module = "/js/io.js")]
extern "C" {
    /// Stores the settle callback (once per instance).
    #[wasm_bindgen(js_name = setSettle)]
    fn set_settle(f: &JsValue);
    /// `Promise.resolve(p).then(v => settle(id, true, v), e => settle(id, false, e))`.
    fn watch(p: &Promise, id: u32);
    /// A new Promise whose resolvers are kept under `id` until [`finish`].
    fn deferred(id: u32) -> Promise;
    /// Settles the Promise of [`deferred`] `id` and forgets its resolvers.
    fn finish(id: u32, ok: bool, value: JsValue);
}

// The waker carries the task's slot number; it owns nothing, so clone and drop are free. A wake
// that arrives after the task finished (and the slot was reused) only causes a spurious poll,
// which every future here tolerates.
const VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_raw, drop_raw);

fn clone_raw(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn wake_raw(data: *const ()) {
    schedule(data as usize as u32);
}

fn drop_raw(_: *const ()) {}

fn waker_for(id: u32) -> Waker {
    // SAFETY: the vtable functions never dereference the data pointer (it is a number) and
    // uphold the RawWaker contract trivially (no resources).
    unsafe { Waker::from_raw(RawWaker::new(id as usize as *const (), &VTABLE)) }
}

fn schedule(id: u32) {
    EXEC.with(|e| e.ready.borrow_mut().push_back(id));
    run();
}

/// Polls ready tasks until none is left, unless a loop is already running further up the stack
/// (it will reach the queued ones before it returns).
fn run() {
    EXEC.with(|e| {
        if e.running.replace(true) {
            return;
        }
        loop {
            let next = e.ready.borrow_mut().pop_front();
            let Some(id) = next else { break };
            let taken = match e.tasks.borrow_mut().get_mut(id as usize) {
                Some(slot @ TaskSlot::Parked(_)) => std::mem::replace(slot, TaskSlot::Running),
                _ => continue,
            };
            let TaskSlot::Parked(mut task) = taken else {
                continue;
            };
            let waker = waker_for(id);
            let mut cx = Context::from_waker(&waker);
            let done = task.as_mut().poll(&mut cx).is_ready();
            if let Some(slot) = e.tasks.borrow_mut().get_mut(id as usize) {
                *slot = if done {
                    TaskSlot::Free
                } else {
                    TaskSlot::Parked(task)
                };
            }
            if done {
                e.free_tasks.borrow_mut().push(id);
            }
        }
        e.running.set(false);
    });
}

fn reserve_task() -> u32 {
    EXEC.with(|e| {
        if let Some(id) = e.free_tasks.borrow_mut().pop() {
            if let Some(slot) = e.tasks.borrow_mut().get_mut(id as usize) {
                *slot = TaskSlot::Running;
            }
            return id;
        }
        let mut tasks = e.tasks.borrow_mut();
        tasks.push(TaskSlot::Running);
        (tasks.len() - 1) as u32
    })
}

fn start(id: u32, task: Task) {
    EXEC.with(|e| {
        if let Some(slot) = e.tasks.borrow_mut().get_mut(id as usize) {
            *slot = TaskSlot::Parked(task);
        }
    });
    schedule(id);
}

/// Runs `fut` as a task and returns a Promise of its result (what `future_to_promise` did).
pub fn spawn_promise(fut: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let id = reserve_task();
    // The Promise exists before the first poll, which may already settle it.
    let promise = deferred(id);
    start(
        id,
        Box::pin(async move {
            let (ok, value) = match fut.await {
                Ok(v) => (true, v),
                Err(e) => (false, e),
            };
            finish(id, ok, value);
        }),
    );
    promise
}

/// The settle callback `js/io.js` calls when a watched promise settles.
fn settle(id: u32, ok: bool, value: JsValue) {
    let waker = EXEC.with(|e| {
        let mut waits = e.waits.borrow_mut();
        let slot = waits.get_mut(id as usize)?;
        match slot {
            WaitSlot::Pending(w) => {
                let w = w.take();
                *slot = WaitSlot::Settled(ok, value);
                w
            }
            WaitSlot::Abandoned => {
                *slot = WaitSlot::Free;
                drop(waits);
                e.free_waits.borrow_mut().push(id);
                None
            }
            // A second settlement of one promise cannot happen; ignored.
            WaitSlot::Free | WaitSlot::Settled(..) => None,
        }
    });
    if let Some(w) = waker {
        w.wake();
    }
}

fn install() {
    EXEC.with(|e| {
        if e.installed.replace(true) {
            return;
        }
        // One closure for the life of the instance (never dropped: `js/io.js` keeps it).
        let cb = Closure::<dyn Fn(u32, bool, JsValue)>::new(settle);
        set_settle(&cb.into_js_value());
    });
}

/// A JS promise awaited by a task: resolves to `Ok(value)` or `Err(reason)`.
pub struct Wait {
    id: u32,
    /// Its value was taken (and the slot freed for reuse).
    done: bool,
}

/// Awaits `p` (a thenable is adopted as `Promise.resolve` would).
pub fn wait(p: &Promise) -> Wait {
    install();
    let id = EXEC.with(|e| {
        if let Some(id) = e.free_waits.borrow_mut().pop() {
            if let Some(slot) = e.waits.borrow_mut().get_mut(id as usize) {
                *slot = WaitSlot::Pending(None);
            }
            return id;
        }
        let mut waits = e.waits.borrow_mut();
        waits.push(WaitSlot::Pending(None));
        (waits.len() - 1) as u32
    });
    watch(p, id);
    Wait { id, done: false }
}

impl Future for Wait {
    type Output = Result<JsValue, JsValue>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.id;
        if self.done {
            return Poll::Ready(Err(JsValue::UNDEFINED));
        }
        let out = EXEC.with(|e| {
            let mut waits = e.waits.borrow_mut();
            let Some(slot) = waits.get_mut(id as usize) else {
                return Poll::Ready(Err(JsValue::UNDEFINED));
            };
            match std::mem::replace(slot, WaitSlot::Free) {
                WaitSlot::Settled(ok, v) => {
                    drop(waits);
                    e.free_waits.borrow_mut().push(id);
                    Poll::Ready(if ok { Ok(v) } else { Err(v) })
                }
                WaitSlot::Pending(_) => {
                    *slot = WaitSlot::Pending(Some(cx.waker().clone()));
                    Poll::Pending
                }
                // Not reachable while this Wait lives (its slot is only freed by its own poll).
                other => {
                    *slot = other;
                    Poll::Ready(Err(JsValue::UNDEFINED))
                }
            }
        });
        if out.is_ready() {
            self.done = true;
        }
        out
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let id = self.id;
        EXEC.with(|e| {
            let mut waits = e.waits.borrow_mut();
            if let Some(slot) = waits.get_mut(id as usize) {
                if let WaitSlot::Pending(_) = slot {
                    // Still in flight: the slot is freed when the promise settles.
                    *slot = WaitSlot::Abandoned;
                }
            }
        });
    }
}
