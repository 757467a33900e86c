//! The Avaya CMS listener: lines as `String`s, cells split into owned `String`s, each batch
//! collected and compared with the global map at its trailer.

use crate::config::NaiveAvaya;
use crate::core::{Core, StatusUpdate};
use crate::error::NaiveError;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rta_avaya::Field;
use rta_model::Phase;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Where the cells the baseline reads are, counted after the `F1` tag.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    logid: usize,
    state: usize,
    aux_reason: Option<usize>,
    duration: Option<usize>,
    count: usize,
}

impl Columns {
    pub(crate) fn of(integration: &NaiveAvaya) -> Result<Columns, NaiveError> {
        let layout = &integration.layout;
        let missing = || NaiveError::Layout(integration.name.clone());
        Ok(Columns {
            logid: layout.position(Field::LogId).ok_or_else(missing)?,
            state: layout.position(Field::AgState).ok_or_else(missing)?,
            aux_reason: layout.position(Field::AuxReason),
            duration: layout.position(Field::AgDuration),
            count: layout.fields().len(),
        })
    }
}

/// One integration's listener, ready to run.
#[derive(Debug)]
pub(crate) struct Integration {
    pub(crate) name: String,
    pub(crate) zone: TimeZone,
    pub(crate) columns: Columns,
}

/// Accepts CMS connections, each read on its own task.
pub(crate) async fn serve(listener: TcpListener, integration: Arc<Integration>, core: Arc<Core>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, integration = integration.name, "naive Avaya: connection");
                tokio::spawn(read_connection(stream, integration.clone(), core.clone()));
            }
            Err(error) => tracing::warn!(%error, "naive Avaya: accept failed"),
        }
    }
}

/// One data row, as read.
#[derive(Debug)]
struct Row {
    logid: String,
    status: String,
    phase: Phase,
    aux_reason: Option<u32>,
    duration: Option<u32>,
}

#[derive(Debug)]
struct Batch {
    time: Timestamp,
    rows: Vec<Row>,
}

async fn read_connection(stream: TcpStream, integration: Arc<Integration>, core: Arc<Core>) {
    let mut lines = BufReader::new(stream).lines();
    let mut batch: Option<Batch> = None;
    let mut previous_batch_time: Option<Timestamp> = None;
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(error) => {
                tracing::debug!(%error, "naive Avaya: connection ended");
                break;
            }
        };
        let received = Timestamp::now();
        let cells: Vec<String> = line
            .split('|')
            .map(|cell| cell.trim().to_string())
            .collect();
        match cells[0].as_str() {
            "F0" => {
                // A new header cuts off the batch in progress: its rows apply, nobody is
                // logged out.
                if let Some(cut) = batch.take() {
                    let time = cut.time;
                    apply_batch(
                        &integration,
                        &core,
                        cut,
                        false,
                        previous_batch_time,
                        received,
                    );
                    previous_batch_time = Some(time);
                }
                let time = cells
                    .get(1)
                    .and_then(|text| text.parse::<DateTime>().ok())
                    .and_then(|local| {
                        integration
                            .zone
                            .to_ambiguous_timestamp(local)
                            .compatible()
                            .ok()
                    })
                    .unwrap_or(received);
                batch = Some(Batch {
                    time,
                    rows: Vec::new(),
                });
            }
            "F1" => match parse_row(&cells, &integration.columns) {
                Some(row) => batch
                    .get_or_insert_with(|| Batch {
                        time: received,
                        rows: Vec::new(),
                    })
                    .rows
                    .push(row),
                None => tracing::debug!(line, "naive Avaya: bad row skipped"),
            },
            "F3" => {
                let completed = batch.take().unwrap_or(Batch {
                    time: received,
                    rows: Vec::new(),
                });
                let time = completed.time;
                core.mark_up(&integration.name, received);
                apply_batch(
                    &integration,
                    &core,
                    completed,
                    true,
                    previous_batch_time,
                    received,
                );
                previous_batch_time = Some(time);
            }
            _ => {}
        }
    }
    if let Some(cut) = batch {
        apply_batch(
            &integration,
            &core,
            cut,
            false,
            previous_batch_time,
            Timestamp::now(),
        );
    }
}

/// Applies every row (the first row of an agent listed twice wins) and, for a completed
/// batch, logs out the staffed agents it did not list.
fn apply_batch(
    integration: &Integration,
    core: &Core,
    batch: Batch,
    completed: bool,
    previous_batch_time: Option<Timestamp>,
    received: Timestamp,
) {
    let mut listed: HashSet<String> = HashSet::new();
    for row in batch.rows {
        if !listed.insert(row.logid.clone()) {
            continue;
        }
        core.apply(StatusUpdate {
            integration: integration.name.clone(),
            external_id: row.logid,
            phase: row.phase,
            status: row.status,
            reason: row.aux_reason.map_or(Value::Null, Value::from),
            detail: Value::Null,
            time: change_time(batch.time, row.duration, previous_batch_time),
            received,
        });
    }
    if !completed {
        return;
    }
    for logid in core.staffed_agents(&integration.name) {
        if listed.contains(&logid) {
            continue;
        }
        core.apply(StatusUpdate {
            integration: integration.name.clone(),
            external_id: logid,
            phase: Phase::LoggedOut,
            status: "UNSTAFF".to_string(),
            reason: Value::Null,
            detail: Value::Null,
            time: batch.time,
            received,
        });
    }
}

/// Batch time minus the time in state, not before the previous batch nor after this one.
fn change_time(batch: Timestamp, duration: Option<u32>, floor: Option<Timestamp>) -> Timestamp {
    let Some(seconds) = duration else {
        return batch;
    };
    let started = batch
        .checked_sub(SignedDuration::from_secs(i64::from(seconds)))
        .unwrap_or(batch);
    match floor {
        Some(floor) if started < floor => floor.min(batch),
        _ => started,
    }
}

fn parse_row(cells: &[String], columns: &Columns) -> Option<Row> {
    if cells.len() < columns.count + 1 {
        return None;
    }
    let cell = |position: usize| cells[position + 1].as_str();
    let logid = cell(columns.logid);
    if logid.is_empty() {
        return None;
    }
    let (status, phase) = parse_state(cell(columns.state))?;
    let aux_reason = match columns.aux_reason {
        Some(position) if status.starts_with("AUX") => cell(position).parse().ok(),
        _ => None,
    };
    let duration = columns
        .duration
        .and_then(|position| parse_duration(cell(position)));
    Some(Row {
        logid: logid.to_string(),
        status,
        phase,
        aux_reason,
        duration,
    })
}

/// The normalized code (`ACDIN`, `AUX`, `RING`) and the phase of a text or numeric state.
fn parse_state(cell: &str) -> Option<(String, Phase)> {
    let upper = cell.to_uppercase();
    let (mode, direction) = if let Ok(number) = upper.parse::<u32>() {
        let mode = match number / 10 {
            1 => "UNSTAFF",
            2 => "AVAIL",
            3 => "ACD",
            4 => "ACW",
            5 => "AUX",
            6 => "DACD",
            7 => "DACW",
            8 => "RING",
            22 => "OTHER",
            _ => return None,
        };
        let direction = match number % 10 {
            0 => "",
            1 => "OUT",
            2 => "IN",
            _ => return None,
        };
        (mode.to_string(), direction)
    } else if mode_phase(&upper).is_some() {
        (upper, "")
    } else if let Some(mode) = upper.strip_suffix("OUT") {
        (mode.to_string(), "OUT")
    } else if let Some(mode) = upper.strip_suffix("IN") {
        (mode.to_string(), "IN")
    } else {
        return None;
    };
    let mode = match mode.as_str() {
        "RINGING" => "RING".to_string(),
        "UNSTAFFED" => "UNSTAFF".to_string(),
        _ => mode,
    };
    let phase = mode_phase(&mode)?;
    Some((format!("{mode}{direction}"), phase))
}

fn mode_phase(mode: &str) -> Option<Phase> {
    Some(match mode {
        "UNSTAFF" | "UNSTAFFED" => Phase::LoggedOut,
        "AVAIL" => Phase::Available,
        "RING" | "RINGING" => Phase::Ringing,
        "ACD" | "DACD" => Phase::Talking,
        "ACW" | "DACW" => Phase::WrapUp,
        "AUX" => Phase::Away,
        "OTHER" => Phase::Other,
        "UNKNOWN" => Phase::Unknown,
        _ => return None,
    })
}

/// `:SS`, `M:SS`, `H:MM:SS` or plain seconds; blank or `*****` is unknown.
fn parse_duration(cell: &str) -> Option<u32> {
    if cell.is_empty() || cell.starts_with('*') {
        return None;
    }
    let mut total = 0u32;
    for part in cell.split(':') {
        let value: u32 = if part.is_empty() {
            0
        } else {
            part.parse().ok()?
        };
        total = total.checked_mul(60)?.checked_add(value)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_like_rta_avaya() {
        let code = |cell| parse_state(cell).map(|(code, _)| code);
        assert_eq!(code("ACDIN").as_deref(), Some("ACDIN"));
        assert_eq!(code("ringing").as_deref(), Some("RING"));
        assert_eq!(code("Unstaffed").as_deref(), Some("UNSTAFF"));
        assert_eq!(code("ACWOUT").as_deref(), Some("ACWOUT"));
        assert_eq!(code("32").as_deref(), Some("ACDIN"));
        assert_eq!(code("220").as_deref(), Some("OTHER"));
        assert_eq!(code("BOGUS"), None);
        assert_eq!(
            parse_state("AUX").map(|(_, phase)| phase),
            Some(Phase::Away)
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration(":42"), Some(42));
        assert_eq!(parse_duration("2:17"), Some(137));
        assert_eq!(parse_duration("1:00:05"), Some(3605));
        assert_eq!(parse_duration("137"), Some(137));
        assert_eq!(parse_duration("*****"), None);
        assert_eq!(parse_duration("x"), None);
    }
}
