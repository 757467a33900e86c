//! The simulated CIC feed read back by the real decoder (`rta_cic::Session`), in memory: what
//! it decodes is the simulator's ground truth, in both dialects, with garbage in the stream
//! and across the autumn DST change; a cut snapshot is aborted.

use bytes::BytesMut;
use jiff::{SignedDuration, Timestamp};
use rta_cic::{Output, Session, SessionConfig, Vocabulary};
use rta_model::{IntegrationId, Phase, Zone};
use rta_sim::cic::{CicSim, CicSimConfig, Dialect};
use std::collections::HashMap;
use tokio_util::codec::Decoder;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Decoded {
    phase: Phase,
    code: String,
    time: Timestamp,
}

struct Reader {
    session: Session,
    codec: rta_cic::LineCodec,
    vocabulary: Vocabulary,
    buffer: BytesMut,
    users: HashMap<String, Decoded>,
    errors: usize,
    outputs: Vec<String>,
}

impl Reader {
    fn new(config: &CicSimConfig) -> Reader {
        let mut session = SessionConfig::new(IntegrationId(1), config.dialect);
        session.zone = config.zone.clone();
        Reader {
            codec: session.codec(),
            session: Session::new(session),
            vocabulary: Vocabulary::new(),
            buffer: BytesMut::new(),
            users: HashMap::new(),
            errors: 0,
            outputs: Vec::new(),
        }
    }

    fn push(&mut self, bytes: &[u8], received: Timestamp) {
        self.buffer.extend_from_slice(bytes);
        while let Some(frame) = self.codec.decode(&mut self.buffer).unwrap() {
            let (users, outputs) = (&mut self.users, &mut self.outputs);
            let result =
                self.session
                    .push_frame(
                        frame,
                        received,
                        &mut self.vocabulary,
                        &mut |output| match output {
                            Output::Status(status) => {
                                let id = String::from_utf8(status.external_id.to_vec()).unwrap();
                                users.insert(
                                    id,
                                    Decoded {
                                        phase: status.phase,
                                        code: status.status.code.to_string(),
                                        time: status.time,
                                    },
                                );
                            }
                            other => outputs.push(format!("{other:?}")),
                        },
                    );
            if result.is_err() {
                self.errors += 1;
            }
        }
    }

    fn end(&mut self) {
        let outputs = &mut self.outputs;
        self.session
            .connection_lost(&mut |output| outputs.push(format!("{output:?}")));
    }

    /// Every user decoded as the truth says: phase, start time, status key.
    fn check(&self, sim: &CicSim) {
        assert_eq!(self.users.len(), sim.users().len());
        for user in sim.users() {
            let got = &self.users[&*user.user_id];
            let presence = &user.presence;
            assert_eq!(
                got.phase,
                presence.phase(),
                "{}: {presence:?}",
                user.user_id
            );
            assert_eq!(got.time, presence.since, "{}", user.user_id);
            assert!(
                got.code.eq_ignore_ascii_case(presence.status.key),
                "{}: {} for {}",
                user.user_id,
                got.code,
                presence.status.key
            );
        }
    }
}

fn run(config: CicSimConfig, ticks: usize) -> Reader {
    let mut sim = CicSim::new(config.clone()).unwrap();
    let mut reader = Reader::new(&config);
    reader.push(&sim.greeting().bytes, sim.now());
    reader.check(&sim);
    for tick in 0..ticks {
        let bytes = sim.tick().bytes;
        reader.push(&bytes, sim.now());
        if tick % 50 == 0 {
            let garbage = sim.garbage(7);
            reader.push(&garbage, sim.now());
        }
        reader.check(&sim);
    }
    reader.end();
    reader
}

#[test]
fn both_dialects_decode_to_the_truth() {
    for dialect in [Dialect::Line, Dialect::Icws] {
        let mut config = CicSimConfig::new(60, 4, "2026-11-23T08:00:00Z".parse().unwrap());
        config.dialect = dialect;
        config.zone = Zone::get("Europe/Paris").unwrap();
        config.tick = SignedDuration::from_secs(20);
        let reader = run(config, 500);
        assert!(reader.errors > 0, "garbage is reported");
        assert!(reader.outputs.iter().any(|o| o.starts_with("SnapshotEnd")));
        assert!(
            reader.outputs.iter().any(|o| o.starts_with("Heartbeat")) || dialect == Dialect::Icws
        );
    }
}

#[test]
fn local_times_decode_across_the_repeated_hour() {
    let mut config = CicSimConfig::new(40, 8, "2026-11-01T04:30:00Z".parse().unwrap());
    config.zone = Zone::get("America/New_York").unwrap();
    config.tick = SignedDuration::from_secs(30);
    run(config, 360);
}

#[test]
fn a_cut_snapshot_is_aborted() {
    let config = CicSimConfig::new(20, 4, "2026-11-23T08:00:00Z".parse().unwrap());
    let mut sim = CicSim::new(config.clone()).unwrap();
    let greeting = sim.greeting();
    let cut = sim.snapshot_cut(&greeting);
    let mut reader = Reader::new(&config);
    reader.push(&greeting.bytes[..cut], sim.now());
    reader.end();
    assert!(reader.outputs[0].starts_with("SnapshotBegin"));
    assert_eq!(reader.outputs.last().unwrap(), "SnapshotAborted");
}
