//! Editing while running: SIGHUP or `POST /admin/reload` re-reads the configuration file.
//!
//! - A file with problems (the ones `rtad check` reports, or an Odigo integration without a
//!   stored token) changes nothing: the daemon keeps running on what it had, and the problems
//!   are logged and answered (`400`).
//! - Integrations are compared **by name** with what the engine runs: a name no longer in
//!   the file is removed (its source stops; its agents stay in the table, no longer fed); a
//!   new name is added; a changed `timezone` or kind setting, or a new Odigo URL token (after
//!   `rtad token`), updates it (its source restarts with the new settings; the table, the
//!   evaluator and the subscribers keep its agents); a changed `kind` removes and adds it
//!   again; a changed `paused` pauses or resumes it. A pause or resume made over HTTP stays
//!   until the file's `paused` itself changes. A web-service password changed in its file or
//!   variable, alone, changes nothing: the file is what is compared.
//! - The adherence mappings are reloaded when they changed (every current status is
//!   re-evaluated at once); each employee whose schedule rows changed gets the new rows
//!   (none: unscheduled from now).
//! - What only a restart applies is named in a warning: `http.listen`, `[odigo]`, the
//!   outputs, the activities and employees files, and a first Odigo integration when the
//!   daemon started without any (the receiver starts with the daemon).
//!
//! A step that fails (a port already taken by something else, say) is reported and the rest
//! still applies; what failed is not recorded as applied, so the next reload tries it again.

use super::Lines;
use crate::{Config, Integration, Kind, LoadError, Problem};
use rta_adherence::{Mappings, ScheduleRow};
use rta_engine::engine::{Engine, EngineError, IntegrationSettings, Source};
use rta_model::Name;
use rta_odigo::{TokenHash, TokenStore};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

/// A configuration ready for the engine: checked, each integration converted to the engine's
/// settings, the adherence files loaded.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) config: Config,
    integrations: Vec<Ready>,
    pub(crate) adherence: rta_adherence::Config,
}

/// One integration as the file says it and as the engine is told.
#[derive(Debug, Clone)]
struct Ready {
    integration: Integration,
    settings: IntegrationSettings,
}

impl Ready {
    fn name(&self) -> &str {
        &self.integration.name
    }

    fn token(&self) -> Option<TokenHash> {
        match &self.settings.source {
            Source::Odigo(odigo) => Some(odigo.token),
            Source::Avaya(_) | Source::Cic(_) => None,
        }
    }

    /// Whether the engine must restart the source to go from `self` to `new`.
    fn differs(&self, new: &Ready) -> bool {
        self.integration.settings_differ(&new.integration) || self.token() != new.token()
    }

    /// `new`'s settings with `self`'s pause state: what is applied after an update.
    fn updated_to(&self, new: &Ready) -> Ready {
        Ready {
            integration: Integration {
                paused: self.integration.paused,
                ..new.integration.clone()
            },
            settings: new.settings.clone(),
        }
    }
}

impl Prepared {
    /// `config` checked and converted; every problem otherwise.
    pub(crate) fn new(config: Config) -> Result<Prepared, Vec<Problem>> {
        let problems = config.check();
        if !problems.is_empty() {
            return Err(problems);
        }
        let tokens = TokenStore::new(&config.state_dir);
        let mut problems = Vec::new();
        let mut integrations = Vec::new();
        for (index, integration) in config.integrations.iter().enumerate() {
            match integration.engine_settings(&tokens) {
                Ok(settings) => integrations.push(Ready {
                    integration: integration.clone(),
                    settings,
                }),
                Err(error) => problems.push(Problem::new(format!("integration[{index}]"), error)),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // Checked above, so every row loads.
        let adherence = config
            .adherence
            .as_ref()
            .map_or_else(rta_adherence::Config::default, |files| files.load().config);
        Ok(Prepared {
            config,
            integrations,
            adherence,
        })
    }

    /// Whether the engine needs the Odigo receiver.
    pub(crate) fn has_odigo(&self) -> bool {
        self.integrations
            .iter()
            .any(|ready| matches!(ready.settings.source, Source::Odigo(_)))
    }

    /// Adds every integration to a new engine, in file order; a `paused` one is paused once
    /// started. The first failure stops (the daemon does not start half-configured).
    pub(crate) async fn add_integrations(&self, engine: &Engine) -> Result<(), EngineError> {
        for ready in &self.integrations {
            engine.add_integration(ready.settings.clone()).await?;
            if ready.integration.paused {
                engine.pause(ready.name()).await?;
            }
        }
        Ok(())
    }
}

/// The configuration file could not be applied: nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{}", Lines(.0))]
    Problems(Vec<Problem>),
    #[error("rtad is stopping")]
    ShuttingDown,
}

impl ReloadError {
    /// One message a line: what `POST /admin/reload` answers.
    pub fn messages(&self) -> Vec<String> {
        match self {
            ReloadError::Problems(problems) => problems.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// What a reload did: `changes` applied, `restart_needed` (the keys that changed but apply
/// only at the next start), `errors` (steps that failed; they are tried again at the next
/// reload).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReloadReport {
    pub changes: Vec<String>,
    pub restart_needed: Vec<String>,
    pub errors: Vec<String>,
}

impl ReloadReport {
    fn change(&mut self, what: impl fmt::Display) {
        tracing::info!(change = %what, "reload");
        self.changes.push(what.to_string());
    }

    fn error(&mut self, what: impl fmt::Display) {
        tracing::error!(error = %what, "reload: not applied");
        self.errors.push(what.to_string());
    }

    fn restart(&mut self, key: impl fmt::Display) {
        tracing::warn!(key = %key, "reload: changed, but applies only when rtad restarts");
        self.restart_needed.push(key.to_string());
    }
}

/// What the engine runs, as far as a reload compares it.
#[derive(Debug)]
pub(crate) struct Applied {
    /// The configuration the daemon started with: its listeners and outputs stay until a
    /// restart, so a new file is compared with it for them (and warned about each time).
    started: Config,
    /// The rules and employees the engine started with, the mappings and schedules last
    /// applied.
    adherence: rta_adherence::Config,
    /// In the order they were added.
    integrations: Vec<Ready>,
}

impl Applied {
    pub(crate) fn new(prepared: Prepared) -> Applied {
        Applied {
            started: prepared.config,
            adherence: prepared.adherence,
            integrations: prepared.integrations,
        }
    }

    /// The kind of each integration the engine runs, by name.
    pub(crate) fn kinds(&self) -> HashMap<&str, Kind> {
        self.integrations
            .iter()
            .map(|ready| (ready.name(), ready.integration.kind()))
            .collect()
    }

    /// Reads the file at `path` and applies it to `engine` (see the module docs).
    pub(crate) async fn reload(
        &mut self,
        engine: &Engine,
        path: &Path,
    ) -> Result<ReloadReport, ReloadError> {
        let new = Config::load(path)
            .map_err(ReloadError::from)
            .and_then(|config| Prepared::new(config).map_err(ReloadError::Problems));
        let new = match new {
            Ok(new) => new,
            Err(error) => {
                for message in error.messages() {
                    tracing::warn!(problem = %message, "reload refused: still running on the previous configuration");
                }
                return Err(error);
            }
        };
        let mut report = ReloadReport::default();
        self.restart_keys(&new, &mut report);
        self.apply_mappings(engine, &new.adherence.mappings, &mut report);
        self.apply_schedules(engine, &new.adherence.schedules, &mut report);
        self.apply_integrations(engine, new.integrations, &mut report)
            .await;
        tracing::info!(
            changes = report.changes.len(),
            restart_needed = report.restart_needed.len(),
            errors = report.errors.len(),
            "configuration reloaded"
        );
        Ok(report)
    }

    fn restart_keys(&self, new: &Prepared, report: &mut ReloadReport) {
        let (old, new_config) = (&self.started, &new.config);
        if old.http.listen != new_config.http.listen {
            report.restart("http.listen");
        }
        if old.odigo != new_config.odigo {
            report.restart("odigo");
        }
        if old.outputs != new_config.outputs {
            report.restart("output");
        }
        if self.adherence.rules != new.adherence.rules {
            report.restart("adherence.activities");
        }
        if self.adherence.employees != new.adherence.employees {
            report.restart("adherence.employees");
        }
    }

    fn apply_mappings(&mut self, engine: &Engine, new: &Mappings, report: &mut ReloadReport) {
        if self.adherence.mappings != *new {
            engine.reload_mappings(new);
            self.adherence.mappings = new.clone();
            report.change("adherence mappings reloaded");
        }
    }

    fn apply_schedules(&mut self, engine: &Engine, new: &[ScheduleRow], report: &mut ReloadReport) {
        let old_rows = by_employee(&self.adherence.schedules);
        let mut applied = by_employee(new);
        let employees: BTreeSet<Name> = old_rows.keys().chain(applied.keys()).cloned().collect();
        for employee in employees {
            let (old, new) = (old_rows.get(&employee), applied.get(&employee));
            if old == new {
                continue;
            }
            match engine.replace_schedule(&employee, new.map_or(&[], Vec::as_slice)) {
                Ok(()) => report.change(format_args!("schedule of {employee:?} replaced")),
                Err(error) => {
                    report.error(format_args!("schedule of {employee:?}: {error}"));
                    // Still the old rows: the next reload tries again.
                    match old {
                        Some(old) => applied.insert(employee, old.clone()),
                        None => applied.remove(&employee),
                    };
                }
            }
        }
        self.adherence.schedules = applied.into_values().flatten().collect();
    }

    async fn apply_integrations(
        &mut self,
        engine: &Engine,
        new: Vec<Ready>,
        report: &mut ReloadReport,
    ) {
        let (mut kept, removed): (Vec<Ready>, Vec<Ready>) = std::mem::take(&mut self.integrations)
            .into_iter()
            .partition(|old| new.iter().any(|ready| ready.name() == old.name()));
        for gone in removed {
            match engine.remove_integration(gone.name()).await {
                Ok(()) => report.change(format_args!("integration {:?} removed", gone.name())),
                Err(error) => {
                    report.error(format_args!(
                        "removing integration {:?}: {error}",
                        gone.name()
                    ));
                    self.integrations.push(gone);
                }
            }
        }
        for ready in new {
            let old = kept
                .iter()
                .position(|old| old.name() == ready.name())
                .map(|at| kept.swap_remove(at));
            if let Some(applied) = apply_one(engine, old, &ready, report).await {
                self.integrations.push(applied);
            }
        }
    }
}

/// Applies `new` over `old` (the same name; `None`: not running), returns what runs now.
async fn apply_one(
    engine: &Engine,
    old: Option<Ready>,
    new: &Ready,
    report: &mut ReloadReport,
) -> Option<Ready> {
    let name = new.name();
    let old = match old {
        Some(old) if old.integration.kind() != new.integration.kind() => {
            if let Err(error) = engine.remove_integration(name).await {
                report.error(format_args!("removing integration {name:?}: {error}"));
                return Some(old);
            }
            report.change(format_args!(
                "integration {name:?} removed: its kind changed from {} to {}",
                old.integration.kind(),
                new.integration.kind()
            ));
            None
        }
        other => other,
    };
    let mut current = match old {
        Some(old) => old,
        None => match engine.add_integration(new.settings.clone()).await {
            Ok(()) => {
                report.change(format_args!("integration {name:?} added"));
                // Added running: a `paused` file entry is paused below.
                Ready {
                    integration: Integration {
                        paused: false,
                        ..new.integration.clone()
                    },
                    settings: new.settings.clone(),
                }
            }
            Err(EngineError::NoOdigoReceiver) => {
                report.restart(format_args!(
                    "integration {name:?}: the Odigo receiver starts with rtad when the \
                     configuration has an Odigo integration"
                ));
                return None;
            }
            Err(error) => {
                report.error(format_args!("adding integration {name:?}: {error}"));
                return None;
            }
        },
    };
    if current.differs(new) {
        match engine.update_integration(new.settings.clone()).await {
            Ok(()) => {
                report.change(format_args!(
                    "integration {name:?} updated: its source restarted with the new settings"
                ));
                current = current.updated_to(new);
            }
            Err(error) => report.error(format_args!("updating integration {name:?}: {error}")),
        }
    }
    let paused = new.integration.paused;
    if current.integration.paused != paused {
        let result = if paused {
            engine.pause(name).await
        } else {
            engine.resume(name).await
        };
        match result {
            Ok(()) => {
                current.integration.paused = paused;
                let done = if paused { "paused" } else { "resumed" };
                report.change(format_args!("integration {name:?} {done}"));
            }
            Err(error) => report.error(format_args!("integration {name:?}: {error}")),
        }
    }
    Some(current)
}

/// Schedule rows grouped by employee, in file order within each.
fn by_employee(rows: &[ScheduleRow]) -> BTreeMap<Name, Vec<ScheduleRow>> {
    let mut grouped: BTreeMap<Name, Vec<ScheduleRow>> = BTreeMap::new();
    for row in rows {
        grouped
            .entry(row.employee.clone())
            .or_default()
            .push(row.clone());
    }
    grouped
}
