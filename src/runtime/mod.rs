//! The live review state of this browser and the one path by which it changes: the engine
//! decides a command on the latest state, the store appends its record only if the log is
//! still where it was decided (else the runtime folds what it missed and decides again), and
//! only then is it folded into the state signal — so a failed write leaves memory and
//! storage as they were. Records of this tab, other tabs and the server all enter memory
//! through one function (`fold`), in log order, once each.

use std::future::Future;
use std::rc::Rc;

use attest_engine::replica::{unseen, Appended, Logged};
use attest_engine::sample::SampleConfig;
use attest_engine::{apply_owned, Actor, Command, Context, EngineError, Record, State};
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::store::{Change, Store, StoreError};
use crate::ui::session::{administrator, Session};

mod link;

/// How often an open page lets the clock run (stage deadlines, recurrence, deletions).
const CLOCK_TICK_SECONDS: u64 = 30;
/// How often a command is decided again because other tabs appended first, before giving up.
const MAX_ATTEMPTS: usize = 50;
/// How long after a command a due snapshot is written, so bursts of commands share one.
const SNAPSHOT_DELAY_MS: u64 = 200;

/// How the app is started: which database, how big a sample tenant on first run.
#[derive(Clone, Debug, PartialEq)]
pub struct AppConfig {
    /// IndexedDB database name; tests use a fresh one each.
    pub database: String,
    /// Users in the sample tenant loaded into an empty database; 0 loads nothing.
    pub sample_users: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            database: "attest".into(),
            sample_users: 300,
        }
    }
}

/// Why a command did not happen.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The engine refused it: the message says why (not allowed, invalid, closed stage…).
    #[error(transparent)]
    Refused(#[from] EngineError),
    /// Storing it failed: nothing changed.
    #[error("not saved, nothing changed: {0}")]
    NotSaved(#[from] StoreError),
    #[error("the data is still loading; try again in a moment")]
    NotReady,
    /// Other tabs kept appending faster than this one could decide again.
    #[error("other tabs kept changing the reviews; nothing changed here, try again")]
    Busy,
}

/// Shared handle to the live state, provided through context by `App`.
#[derive(Clone, Copy)]
pub struct Runtime {
    /// The fold of the stored log. Screens read it with `state.with(|s| …)`.
    pub state: RwSignal<State>,
    /// False until the stored log is loaded (and, on first run, the sample tenant).
    pub ready: RwSignal<bool>,
    /// The state holds a reviewer link's first view from the server while the store is still
    /// opening (`preview`): screens may show it; commands still wait for `ready`.
    pub previewing: RwSignal<bool>,
    /// A failure outside any screen's own action (loading, the clock), shown in the shell.
    pub problem: RwSignal<Option<String>>,
    /// The identity commands are issued under (the "Acting as" picker).
    pub acting_as: RwSignal<Actor>,
    /// The whole log in memory, in order, for the screens that list it (History, Review
    /// overview, Notifications): read from the store once, on first use, then extended by
    /// `fold` with every record folded — never re-read per record. `None` until loaded.
    log: RwSignal<Option<Vec<Record>>>,
    log_problem: RwSignal<Option<String>>,
    /// Some screen asked for `log`, so it is kept loaded (after a restore too).
    log_wanted: StoredValue<bool>,
    store: StoredValue<Option<Rc<Store>>, LocalStorage>,
    /// Added to the real clock; lets tests and demos move time forward.
    clock_offset: StoredValue<Duration>,
    client: StoredValue<String>,
    counter: StoredValue<u64>,
    config: StoredValue<AppConfig>,
    /// A snapshot write is scheduled (one at a time, off the command's path).
    snapshot_pending: StoredValue<bool>,
}

impl Runtime {
    /// Create the runtime, provide it as context and start loading the stored log.
    pub fn provide(config: &AppConfig, session: Session) -> Runtime {
        let runtime = Runtime {
            acting_as: session.acting_as,
            state: RwSignal::new(State::default()),
            ready: RwSignal::new(false),
            previewing: RwSignal::new(false),
            problem: RwSignal::new(None),
            log: RwSignal::new(None),
            log_problem: RwSignal::new(None),
            log_wanted: StoredValue::new(false),
            store: StoredValue::new_local(None),
            clock_offset: StoredValue::new(Duration::zero()),
            client: StoredValue::new(client_id()),
            counter: StoredValue::new(0),
            config: StoredValue::new(config.clone()),
            snapshot_pending: StoredValue::new(false),
        };
        provide_context(runtime);
        CURRENT.with(|c| *c.borrow_mut() = Some(runtime));
        let config = config.clone();
        let mut loading = Box::pin(async move {
            if let Err(e) = runtime.load(&config).await {
                runtime
                    .problem
                    .set(Some(format!("Could not open the stored reviews: {e}")));
            }
        });
        // Polled once here, the load sends IndexedDB's open request now, so the database opens
        // while the views mount (a mail link's first row waited for both, one after the
        // other). The spawned task polls it next, before any IndexedDB event can arrive.
        let waker = futures::task::noop_waker();
        let first = loading
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker));
        if first.is_pending() {
            spawn_local(loading);
        }
        // Deadlines pass while the page is open too.
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if runtime.ready.get_untracked() {
                    spawn_local(async move {
                        if let Err(e) = runtime.advance_time().await {
                            runtime.problem.set(Some(format!(
                                "Could not record what the clock made due: {e}"
                            )));
                        }
                    });
                }
            },
            std::time::Duration::from_secs(CLOCK_TICK_SECONDS),
        ) {
            on_cleanup(move || handle.clear());
        }
        runtime
    }

    async fn load(&self, config: &AppConfig) -> Result<(), RunError> {
        let store = Rc::new(Store::open_in_app(&config.database).await?);
        let state = store.load().await?;
        let fresh = state.applied_records.is_empty();
        // A link's first view shown meanwhile stays: the round about to run stores it.
        if !(fresh && self.previewing.get_untracked()) {
            self.state.set(state);
            self.previewing.set(false);
        }
        let runtime = *self;
        store.on_change(move |change| spawn_local(async move { runtime.follow(change).await }));
        self.store.set_value(Some(store));
        if fresh && config.sample_users > 0 {
            // Only the full app has the sample (see `handover`); the reviewer bundle hands over.
            // A full app unmounted while it loaded (tests mount several) is no longer
            // registered and has nothing to hand over: its load just ends.
            let Some(sample_tenant) = crate::handover::first_run(&config.database) else {
                if self.ready.try_get_untracked().is_none() {
                    return Ok(());
                }
                return Err(crate::handover::first_run_elsewhere().into());
            };
            let directory = sample_tenant(&SampleConfig {
                users: config.sample_users,
                seed: 7,
                now: self.now(),
            });
            let cmd = Command::ImportDirectory {
                directory: Box::new(directory),
                source: "Sample tenant (Contoso)".into(),
            };
            self.run_as(cmd, administrator(), None).await?;
        }
        self.advance_time().await?;
        // Ready once the first-run sample is in, so nobody sees an empty directory flash.
        self.ready.set(true);
        if self.log_wanted.get_value() {
            self.load_log().await;
        }
        Ok(())
    }

    /// The time the app acts at.
    pub fn now(&self) -> DateTime<Utc> {
        // An app unmounted while its load was still running has no clock left: use the real one.
        Utc::now()
            + self
                .clock_offset
                .try_get_value()
                .unwrap_or_else(Duration::zero)
    }

    /// Move the app's clock forward (tests, demonstrations), then let due transitions happen.
    pub async fn skip(&self, by: Duration) -> Result<(), RunError> {
        self.clock_offset.update_value(|o| *o += by);
        self.advance_time().await
    }

    /// Run a command as the identity chosen in the "Acting as" picker.
    pub async fn run(&self, cmd: Command) -> Result<(), RunError> {
        self.run_as(cmd, self.acting_as.get_untracked(), None).await
    }

    /// Run a command with a reason recorded in the history (stop, apply).
    pub async fn run_with_reason(&self, cmd: Command, reason: String) -> Result<(), RunError> {
        self.run_as(
            cmd,
            self.acting_as.get_untracked(),
            Some(reason).filter(|r| !r.trim().is_empty()),
        )
        .await
    }

    /// Run a command as `actor`: overdue transitions first (a stage that ran out closes
    /// before anyone decides in it), then the command.
    pub async fn run_as(
        &self,
        cmd: Command,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<(), RunError> {
        self.advance_time().await?;
        self.commit(cmd, actor, reason).await
    }

    /// Let the clock run to now: deadlines, recurrence, auto-apply, guest deletion.
    pub async fn advance_time(&self) -> Result<(), RunError> {
        self.commit(Command::AdvanceTime, Actor::System, None).await
    }

    /// Decides `cmd` on the latest state and appends its record only if the log is still at
    /// the position it was decided at; otherwise folds what other tabs appended meanwhile and
    /// decides again. A command the missed records made invalid is refused with the engine's
    /// reason (e.g. a decision after another tab's "Stop current stage").
    async fn commit(
        &self,
        cmd: Command,
        actor: Actor,
        reason: Option<String>,
    ) -> Result<(), RunError> {
        let store = self
            .store
            .try_get_value()
            .flatten()
            .ok_or(RunError::NotReady)?;
        let ctx = Context {
            actor,
            now: self.now(),
            record_id: self.next_record_id(),
            reason,
        };
        // An import depends only on who imports, not on the state: decided once, and its
        // directory moves into the record rather than being copied on each attempt.
        if let Command::ImportDirectory { .. } = cmd {
            let decided_at = store.position();
            let Some(record) = self.state.with_untracked(|s| s.prepare_owned(cmd, &ctx))? else {
                return Ok(());
            };
            // A whole directory: checked above, encoded and written below. Let the page paint
            // in between so the two blocking pieces do not add up.
            yield_to_browser().await;
            return self
                .append_retrying(&store, Some((record, decided_at)), None, &ctx)
                .await;
        }
        self.append_retrying(&store, None, Some(&cmd), &ctx).await
    }

    /// The optimistic write loop of `commit`: `prepared` is a record decided at a position
    /// that stays valid whatever was appended (an import); otherwise `cmd` is decided on the
    /// state at this page's position, again after each lost race.
    async fn append_retrying(
        &self,
        store: &Store,
        mut prepared: Option<(Record, u64)>,
        cmd: Option<&Command>,
        ctx: &Context,
    ) -> Result<(), RunError> {
        for _ in 0..MAX_ATTEMPTS {
            let (record, decided_at) = match prepared.take() {
                Some(p) => p,
                None => {
                    let Some(cmd) = cmd else { return Ok(()) };
                    let decided_at = store.position();
                    match self.state.with_untracked(|s| s.prepare(cmd, ctx))? {
                        Some(record) => (record, decided_at),
                        None => return Ok(()),
                    }
                }
            };
            match store.append_at(&record, decided_at).await? {
                Appended::At(position) => {
                    self.fold(store, vec![Logged { position, record }]);
                    self.schedule_snapshot();
                    return Ok(());
                }
                Appended::Behind(missed) => {
                    self.fold(store, missed);
                    if cmd.is_none() {
                        prepared = Some((record, store.position()));
                    }
                }
            }
        }
        Err(RunError::Busy)
    }

    /// The one way records enter this page's memory — its own, other tabs', the server's:
    /// `entries` were read from the log after some position, in log order; those this page
    /// has folded already are skipped, so each record is folded once, in log order.
    fn fold(&self, store: &Store, entries: Vec<Logged>) {
        let fresh = unseen(store.position(), entries);
        let Some(last) = fresh.last().map(|e| e.position) else {
            return;
        };
        store.folded_to(last);
        if self.log.with_untracked(Option::is_some) {
            self.log.update(|log| {
                if let Some(log) = log {
                    log.extend(fresh.iter().map(|e| e.record.clone()));
                }
            });
        }
        self.state.update(|s| {
            for entry in fresh {
                apply_owned(s, entry.record);
            }
        });
    }

    /// Records accepted elsewhere (the sync server) enter this browser's log after whatever
    /// is there, and memory through `fold` like local ones; a record already here is skipped.
    pub async fn receive(&self, records: Vec<Record>) -> Result<usize, RunError> {
        Ok(self.receive_at(records).await?.len())
    }

    /// [`Runtime::receive`], answering the positions the new records were stored at.
    pub(crate) async fn receive_at(&self, records: Vec<Record>) -> Result<Vec<u64>, RunError> {
        let store = self.store().ok_or(RunError::NotReady)?;
        let mut added = Vec::new();
        for record in records {
            for attempt in 0..=MAX_ATTEMPTS {
                if self
                    .state
                    .with_untracked(|s| s.applied_records.contains(&record.id))
                {
                    break;
                }
                if attempt == MAX_ATTEMPTS {
                    return Err(RunError::Busy);
                }
                match store.append_at(&record, store.position()).await? {
                    Appended::At(position) => {
                        added.push(position);
                        self.fold(&store, vec![Logged { position, record }]);
                        break;
                    }
                    Appended::Behind(missed) => self.fold(&store, missed),
                }
            }
        }
        if !added.is_empty() {
            self.schedule_snapshot();
        }
        Ok(added)
    }

    /// The whole log for a screen that lists it, and why it could not be read if it could
    /// not; loaded on first use and kept up to date from then on.
    pub fn log(&self) -> (RwSignal<Option<Vec<Record>>>, RwSignal<Option<String>>) {
        if !self.log_wanted.get_value() {
            self.log_wanted.set_value(true);
            if self.ready.get_untracked() {
                let runtime = *self;
                spawn_local(async move { runtime.load_log().await });
            }
        }
        (self.log, self.log_problem)
    }

    /// Reads the whole log into `log`, up to exactly the position this page has folded:
    /// records folded while it was being read are read too, later ones come through `fold`.
    async fn load_log(&self) {
        let Some(store) = self.store() else { return };
        let mut entries: Vec<Logged> = Vec::new();
        loop {
            let read_to = entries.last().map_or(0, |e| e.position);
            if read_to >= store.position() {
                break;
            }
            match store.read_after(read_to).await {
                Ok(more) if more.is_empty() => break,
                Ok(more) => entries.extend(more),
                Err(e) => {
                    self.log_problem
                        .set(Some(format!("Could not read the stored history: {e}")));
                    return;
                }
            }
        }
        let folded = store.position();
        let log = entries
            .into_iter()
            .take_while(|e| e.position <= folded)
            .map(|e| e.record)
            .collect();
        self.log_problem.set(None);
        self.log.set(Some(log));
    }

    /// The state was rebuilt from the store (restore, reset, another tab's restore): the log
    /// view is read again when a screen uses it.
    async fn replaced(&self, state: State) {
        self.log.set(None);
        self.state.set(state);
        if self.log_wanted.get_value() && self.ready.get_untracked() {
            self.load_log().await;
        }
    }

    /// Writes a snapshot soon when enough was appended since the last one, after the
    /// command has returned and in its own transaction: a failure costs only speed.
    fn schedule_snapshot(&self) {
        let due = self
            .store
            .with_value(|s| s.as_ref().is_some_and(|s| s.snapshot_due()));
        if !due || self.snapshot_pending.get_value() {
            return;
        }
        self.snapshot_pending.set_value(true);
        let runtime = *self;
        set_timeout(
            move || {
                spawn_local(async move {
                    // The app may have been unmounted meanwhile: then there is nothing to save.
                    if runtime.snapshot_pending.try_set_value(false).is_some() {
                        return;
                    }
                    if let Err(e) = runtime.write_snapshot().await {
                        web_sys::console::warn_1(
                            &format!("Attest: snapshot not saved ({e}); the log is complete")
                                .into(),
                        );
                    }
                })
            },
            std::time::Duration::from_millis(SNAPSHOT_DELAY_MS),
        );
    }

    /// Encodes the current state and stores it as the snapshot now (also used by tests).
    pub async fn write_snapshot(&self) -> Result<(), StoreError> {
        let Some(store) = self.store.try_get_value().flatten() else {
            return Ok(());
        };
        let Some(snapshot) = self.state.try_with_untracked(|s| store.snapshot_of(s)) else {
            return Ok(());
        };
        store.save_snapshot(snapshot).await
    }

    /// Another tab or app instance changed the database: fold in what it appended, or reload
    /// everything after a restore or reset.
    async fn follow(&self, change: Change) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        let result = match change {
            Change::Appended(position) if position <= store.position() => Ok(()),
            Change::Appended(_) => store
                .read_after(store.position())
                .await
                .map(|entries| self.fold(&store, entries)),
            Change::Replaced => match store.load().await {
                Ok(state) => {
                    self.replaced(state).await;
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Change::UpgradeWaiting => {
                store.close();
                self.problem.set(Some(
                    "Attest was updated in another tab: reload this page to keep working with the stored reviews.".into(),
                ));
                return;
            }
        };
        if let Err(e) = result {
            self.problem
                .set(Some(format!("Could not read what another tab saved: {e}")));
        }
    }

    /// Rereads the state from the store (after a restore replaced the stored data).
    pub async fn reload(&self) -> Result<(), RunError> {
        let store = self.store.get_value().ok_or(RunError::NotReady)?;
        let state = store.load().await?;
        self.replaced(state).await;
        Ok(())
    }

    /// Deletes this browser's data and loads the sample tenant again (Settings → Reset).
    pub async fn reset_to_sample(&self) -> Result<(), RunError> {
        let store = self.store.get_value().ok_or(RunError::NotReady)?;
        store.wipe().await?;
        self.ready.set(false);
        self.log.set(None);
        self.state.set(State::default());
        let mut config = self.config.get_value();
        if config.sample_users == 0 {
            config.sample_users = AppConfig::default().sample_users;
        }
        let result = self.load(&config).await;
        self.ready.set(true);
        result
    }

    fn next_record_id(&self) -> String {
        self.counter.update_value(|c| *c += 1);
        format!("{}:{}", self.client.get_value(), self.counter.get_value())
    }

    /// The store, once loaded (backup, history, settings).
    pub fn store(&self) -> Option<Rc<Store>> {
        self.store.get_value()
    }
}

/// A random id for this page's records, so records from several tabs and browsers never
/// collide: 64 random bits from the browser.
fn client_id() -> String {
    let hi = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let lo = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("{hi:08x}{lo:08x}")
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<Runtime>> = const { std::cell::RefCell::new(None) };
}

/// The runtime of the app mounted last: lets browser tests and the benchmark drive the app
/// the way its screens do, without reaching into a component.
pub fn current_runtime() -> Option<Runtime> {
    CURRENT.with(|c| *c.borrow())
}

/// The runtime provided by `App`.
pub fn use_runtime() -> Runtime {
    expect_context::<Runtime>()
}

/// Let the browser paint and run input handlers: a 0 ms timeout.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
