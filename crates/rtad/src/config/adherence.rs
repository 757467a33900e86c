//! `[adherence]`: the files the adherence evaluator is loaded from, read with
//! `rta-adherence`'s own readers (CSV) and types (the activities file is its [`Rules`] in
//! TOML).

use super::{Problem, parse_toml, read_text};
use rta_adherence::{
    ConfigError, Evaluator, FileError, Limits, Loaded, MappingError, Rules, read_activity_mappings,
    read_employees, read_schedules, read_user_mappings,
};
use rta_model::Timestamp;
use serde::Deserialize;
use std::fs::File;
use std::path::{Path, PathBuf};

/// `[adherence]`: the paths of the evaluator's files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdherenceFiles {
    /// CSV `integration,external_id,employee`.
    pub user_mappings: PathBuf,
    /// CSV `integration,status,reason,detail,activity`.
    pub activity_mappings: PathBuf,
    /// TOML: `[[activities]]`, `[defaults]`, `[policies]` ([`Rules`]).
    pub activities: PathBuf,
    /// CSV `employee,start,end,activity`; none: nobody is scheduled.
    pub schedules: Option<PathBuf>,
    /// CSV `employee,team,time_zone`; none: employees are known from the mappings only.
    pub employees: Option<PathBuf>,
}

/// What [`AdherenceFiles::load`] could read, and what was wrong.
#[derive(Debug, Clone)]
pub struct LoadedAdherence {
    /// The good rows of every file (the default rules if the activities file is unusable).
    pub config: rta_adherence::Config,
    /// Unreadable files and bad rows, keyed `adherence.<file key>`.
    pub problems: Vec<Problem>,
}

impl AdherenceFiles {
    /// Reads every file. A bad row is a problem and the other rows still load, as
    /// `rta-adherence`'s readers do; an unreadable file is a problem and loads nothing.
    pub fn load(&self) -> LoadedAdherence {
        let mut problems = Vec::new();
        let rules = read_text(&self.activities)
            .and_then(|text| parse_toml::<Rules>(&text, &self.activities))
            .unwrap_or_else(|error| {
                problems.push(Problem::new("adherence.activities", error));
                Rules::default()
            });
        let mut csv = Csv {
            problems: &mut problems,
        };
        let users = csv.read("user_mappings", &self.user_mappings, read_user_mappings);
        let activities = csv.read(
            "activity_mappings",
            &self.activity_mappings,
            read_activity_mappings,
        );
        let schedules = csv.read_optional("schedules", self.schedules.as_deref(), read_schedules);
        let employees = csv.read_optional("employees", self.employees.as_deref(), read_employees);
        LoadedAdherence {
            config: rta_adherence::Config {
                rules,
                employees,
                mappings: rta_adherence::Mappings { users, activities },
                schedules,
            },
            problems,
        }
    }

    /// [`load`](AdherenceFiles::load)'s problems, then what the evaluator refuses in what
    /// loaded: undefined activities, conflicting mappings, overlapping schedules, zones.
    pub fn check(&self) -> Vec<Problem> {
        let LoadedAdherence {
            config,
            mut problems,
        } = self.load();
        match Evaluator::new(&config, Limits::default(), Timestamp::now()) {
            Err(error) => problems.push(Problem::new(config_error_key(&error), error)),
            Ok(evaluator) => {
                for error in evaluator.mapping_errors() {
                    let key = match error {
                        MappingError::ConflictingUser { .. } => "adherence.user_mappings",
                        MappingError::UnknownActivity { .. }
                        | MappingError::EmptyStatus { .. }
                        | MappingError::ConflictingActivity { .. } => "adherence.activity_mappings",
                    };
                    problems.push(Problem::new(key, error));
                }
                for error in evaluator.schedule_errors() {
                    problems.push(Problem::new("adherence.schedules", error));
                }
            }
        }
        problems
    }

    /// Every path, to resolve them against the configuration's directory.
    pub(super) fn paths_mut(&mut self) -> impl Iterator<Item = &mut PathBuf> {
        [
            &mut self.user_mappings,
            &mut self.activity_mappings,
            &mut self.activities,
        ]
        .into_iter()
        .chain(self.schedules.as_mut())
        .chain(self.employees.as_mut())
    }
}

/// The file a configuration error comes from.
fn config_error_key(error: &ConfigError) -> &'static str {
    match error {
        ConfigError::DuplicateActivity(_)
        | ConfigError::UnknownActivity(_)
        | ConfigError::TooManyActivities(_) => "adherence.activities",
        // The evaluator names the defaults' zone so; any other is an employee's.
        ConfigError::UnknownZone { whose, .. } if whose == "the defaults" => "adherence.activities",
        ConfigError::UnknownZone { .. } | ConfigError::DuplicateEmployee(_) => {
            "adherence.employees"
        }
        ConfigError::Schedule(_) => "adherence.schedules",
        // Integrations are not named when checking files.
        ConfigError::IntegrationTaken(_) => "adherence",
    }
}

/// Reads CSV files into rows, reporting into `problems`.
struct Csv<'p> {
    problems: &'p mut Vec<Problem>,
}

impl Csv<'_> {
    fn read<T>(
        &mut self,
        key: &str,
        path: &Path,
        reader: impl FnOnce(File) -> Result<Loaded<T>, FileError>,
    ) -> Vec<T> {
        let key = format!("adherence.{key}");
        let loaded = match File::open(path) {
            Err(error) => Err(format!("cannot read {path:?}: {error}")),
            Ok(file) => reader(file).map_err(|error| format!("{path:?}: {error}")),
        };
        match loaded {
            Err(message) => {
                self.problems.push(Problem::new(key, message));
                Vec::new()
            }
            Ok(loaded) => {
                for error in loaded.errors {
                    self.problems
                        .push(Problem::new(&key, format_args!("{path:?} {error}")));
                }
                loaded.rows
            }
        }
    }

    fn read_optional<T>(
        &mut self,
        key: &str,
        path: Option<&Path>,
        reader: impl FnOnce(File) -> Result<Loaded<T>, FileError>,
    ) -> Vec<T> {
        path.map_or_else(Vec::new, |path| self.read(key, path, reader))
    }
}
