//! End to end over loopback TCP: the Avaya simulator's client (`rta_sim::avaya::stream`)
//! connects to a tokio listener on 127.0.0.1 and streams batches; the receiver reads them
//! with a `FramedRead` over `rta_avaya::LineCodec` into one `Assembler`, kept across
//! reconnections (`connection_lost` at each EOF), and what it emits must equal the
//! simulator's ground truth exactly.
//!
//! How the comparison works:
//! - changes are compared field by field (agent key, kind, state code, AUX reason, work
//!   skill, skills, change time), every change and every logout;
//! - they are compared in groups, one per batch end, in the exact sequence of batch ends: one
//!   call into the assembler (a line, or the connection's end) ends at most one batch, so the
//!   receiver groups what each call emits. Within a group the spec fixes no order; both sides
//!   are sorted by agent key;
//! - the assembler's counters (lines, rows, bad rows, noise, over-long and truncated lines,
//!   completed and cut-off batches) must equal the ones the ground truth predicts.
//!
//! Time is virtual: the simulator precedes each batch with an `F9|<time>` mark (a tag
//! receivers ignore) and the receiver uses the latest mark as the receive time. Nothing
//! sleeps; a generous timeout only turns a hang into a failure.

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use rta_avaya::{Assembler, ChangeKind, LineCodec, RowStyle};
use rta_model::{IntegrationId, Zone};
use rta_sim::avaya::{
    AvayaSim, Faults, Recorder, SimConfig, SkillColumn, StreamOptions, StreamReport,
    parse_time_mark, stream,
};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::FramedRead;

/// The receiving side: one assembler for the integration, whatever the connection.
struct Receiver {
    recorder: Recorder,
    max_line: usize,
    now: Timestamp,
    connections: u64,
}

impl Receiver {
    fn new(sim: &AvayaSim) -> Self {
        Receiver {
            recorder: Recorder::new(Assembler::new(
                sim.config().assembler_config(IntegrationId(7)),
                sim.layout().clone(),
            )),
            max_line: sim.config().max_line,
            now: sim.next_time(),
            connections: 0,
        }
    }

    /// Reads one connection to its end.
    async fn read(&mut self, socket: TcpStream) {
        let mut frames = FramedRead::new(socket, LineCodec::new(self.max_line));
        while let Some(item) = frames.next().await {
            let frame = item.expect("the socket reads cleanly");
            if let Some(time) = frame.as_ref().ok().and_then(|line| parse_time_mark(line)) {
                self.now = time;
            }
            self.recorder.push(Some(frame), self.now);
        }
        self.recorder.push(None, self.now);
        self.connections += 1;
    }
}

struct Run {
    sim: AvayaSim,
    report: StreamReport,
    receiver: Receiver,
}

/// Streams `batches` batches of `config` over loopback into a receiver.
async fn run(config: SimConfig, batches: u64) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut sim = AvayaSim::new(config).unwrap();
    let mut receiver = Receiver::new(&sim);
    let mut client = tokio::spawn(async move {
        let report = stream(&mut sim, &addr, &StreamOptions::immediate(batches)).await;
        (sim, report.expect("the client streams"))
    });
    let session = async {
        let mut finished: Option<(AvayaSim, StreamReport)> = None;
        loop {
            if let Some((_, report)) = &finished {
                if receiver.connections == report.connections {
                    break finished.expect("just checked");
                }
            }
            tokio::select! {
                accepted = listener.accept() => {
                    let (socket, _) = accepted.unwrap();
                    receiver.read(socket).await;
                }
                joined = &mut client, if finished.is_none() => {
                    finished = Some(joined.expect("the client task does not panic"));
                }
            }
        }
    };
    let (sim, report) = tokio::time::timeout(Duration::from_secs(120), session)
        .await
        .expect("the run ends");
    Run {
        sim,
        report,
        receiver,
    }
}

fn start() -> Timestamp {
    "2026-11-23T08:00:00Z".parse().unwrap()
}

impl Run {
    /// The receiver emitted exactly the ground truth; returns the number of changes.
    fn assert_exact(&self) -> usize {
        let got = &self.receiver.recorder.groups;
        let expected = self.sim.truth().groups();
        assert_eq!(self.report.write_failures, 0);
        for (index, (got, expected)) in got.iter().zip(expected).enumerate() {
            assert_eq!(
                got, expected,
                "batch end #{index} differs\n  receiver: {got:#?}\n  truth: {expected:#?}"
            );
        }
        assert_eq!(
            got.len(),
            expected.len(),
            "number of batch ends with changes; extra: {:#?}",
            if got.len() > expected.len() {
                &got[expected.len()..]
            } else {
                &expected[got.len()..]
            }
        );
        assert_eq!(
            self.receiver.recorder.assembler.stats(),
            self.sim.truth().stats()
        );
        assert_eq!(self.receiver.connections, self.report.connections);
        got.iter().map(Vec::len).sum()
    }

    fn count(&self, kind: ChangeKind) -> usize {
        self.sim
            .truth()
            .groups()
            .iter()
            .flatten()
            .filter(|c| c.kind == kind)
            .count()
    }

    /// After a clean run every agent's last status is its true state.
    fn assert_final_states(&self) {
        for agent in self.sim.agents() {
            let status = self
                .receiver
                .recorder
                .assembler
                .status_of(agent.acd, &agent.logid);
            match status {
                Some((status, _)) => {
                    assert_eq!(status.state, agent.activity.state());
                    assert_eq!(status.aux_reason, agent.activity.aux_reason());
                }
                None => assert!(!agent.activity.is_staffed()),
            }
        }
    }
}

#[tokio::test]
async fn clean_text_run() {
    let mut config = SimConfig::new(200, 1, start());
    config.time_marks = true;
    let run = run(config, 50).await;
    let changes = run.assert_exact();
    assert!(changes > 1000, "{changes} changes");
    assert_eq!(run.report.connections, 1);
    assert!(run.count(ChangeKind::LoggedOut) > 0 && run.count(ChangeKind::Changed) > 0);
    assert_eq!(
        run.receiver.recorder.assembler.stats().batches_completed,
        50
    );
    run.assert_final_states();
}

#[tokio::test]
async fn clean_numeric_run() {
    let mut config = SimConfig::new(200, 2, start());
    config.time_marks = true;
    config.style = RowStyle {
        numeric: true,
        padded: false,
    };
    config.zone = Zone::get("Europe/Paris").unwrap();
    let run = run(config, 50).await;
    assert!(run.assert_exact() > 1000);
    run.assert_final_states();
}

#[tokio::test]
async fn multi_skill_split_rows_with_detailed_statuses() {
    let mut config = SimConfig::new(150, 3, start());
    config.time_marks = true;
    config.multi_skill = Some(SkillColumn::Split);
    config.detailed_statuses = true;
    let run = run(config, 40).await;
    assert!(run.assert_exact() > 500);
    let stats = run.receiver.recorder.assembler.stats();
    assert!(stats.rows > 150 * 40, "one row per skill: {stats:?}");
    let merged = run
        .sim
        .truth()
        .groups()
        .iter()
        .flatten()
        .any(|c| c.status.skills.len() > 1 && c.status.work_skill.is_some());
    assert!(merged, "rows of one agent are merged into one status");
    run.assert_final_states();
}

#[tokio::test]
async fn multi_skill_logon_skills_rows() {
    let mut config = SimConfig::new(150, 4, start());
    config.time_marks = true;
    config.multi_skill = Some(SkillColumn::LogonSkills);
    let run = run(config, 40).await;
    assert!(run.assert_exact() > 500);
    run.assert_final_states();
}

/// Every fault at once, multi-skill rows, detailed statuses, and `F0` times in New York
/// local time across the autumn repeated hour.
#[tokio::test]
async fn all_faults() {
    let mut config = SimConfig::new(200, 5, "2026-11-01T05:45:00Z".parse().unwrap());
    config.time_marks = true;
    config.faults = Faults::all();
    config.multi_skill = Some(SkillColumn::Split);
    config.detailed_statuses = true;
    config.zone = Zone::get("America/New_York").unwrap();
    config.refresh = SignedDuration::from_secs(15);
    let run = run(config, 80).await;
    assert!(run.assert_exact() > 1000);
    let stats = run.receiver.recorder.assembler.stats();
    assert!(run.report.disconnects > 0 && run.report.connections > 1);
    assert!(stats.batches_cut_off > run.report.disconnects, "{stats:?}");
    assert!(
        stats.truncated_lines > 0 && stats.over_long_lines > 0,
        "{stats:?}"
    );
    assert!(stats.bad_rows > 0 && stats.bad_lines > 0, "{stats:?}");
    assert!(stats.other_records > 80, "time marks and noise: {stats:?}");
}

/// Every fault without `F0` headers: batches are timed at their first row, and rows after a
/// missing trailer join the open batch. Numeric states, CR LF line ends.
#[tokio::test]
async fn all_faults_without_header() {
    let mut config = SimConfig::new(200, 6, start());
    config.time_marks = true;
    config.faults = Faults::all();
    config.header = false;
    config.crlf = true;
    config.style = RowStyle {
        numeric: true,
        padded: true,
    };
    config.refresh = SignedDuration::from_secs(5);
    let run = run(config, 80).await;
    assert!(run.assert_exact() > 500);
    assert!(run.report.disconnects > 0);
    assert!(run.count(ChangeKind::LoggedOut) > 0);
}
