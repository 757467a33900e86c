//! Proves the hot path allocates nothing per row: a counting global allocator
//! (`allocation-counter`, per thread) watches the parser, the framing codec and the assembler
//! in steady state.

use bytes::BytesMut;
use rta_avaya::{Assembler, AssemblerConfig, Layout, LineCodec, Output, Record, parse_record};
use rta_model::{IntegrationId, Timestamp};
use tokio_util::codec::Decoder;

fn allocations_during(work: impl FnOnce()) -> u64 {
    allocation_counter::measure(work).count_total
}

const AGENTS: u32 = 10_000;

/// One batch of the agent preset; `round` shifts every agent's state.
fn batch(round: u32) -> Vec<u8> {
    let states = [
        "AVAIL", "ACDIN", "AUX", "ACWOUT", "RINGING", "OTHER", "DACD", "AUXOUT",
    ];
    let mut text =
        format!("F0|2026-11-23 09:{:02}:{:02}\n", round / 4, round % 4 * 15).into_bytes();
    for agent in 0..AGENTS {
        let state = states[((agent + round) % 8) as usize];
        let line = format!(
            "F1|1|{:>7}| {:>5}|{state:<7}|{:>2}| {:>3}| {}:{:02}|  0|  0\n",
            40_000 + agent,
            50_000 + agent,
            if state.starts_with("AUX") {
                agent % 10
            } else {
                0
            },
            100 + agent % 5,
            agent % 7,
            agent % 60
        );
        text.extend_from_slice(line.as_bytes());
    }
    text.extend_from_slice(b"F3|END_OF_RECORDS\n");
    text
}

#[test]
fn no_allocation_per_row() {
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(vec![0u8; 8]))),
        1,
        "the counter counts"
    );
    let layout = Layout::agent();
    let capture = batch(0);
    let lines: Vec<&[u8]> = capture
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();

    // The parser: zero allocations, whatever the number of rows.
    let mut rows = 0;
    let parsing = allocations_during(|| {
        for line in &lines {
            if let Ok(Record::Agent(row)) = parse_record(line, &layout) {
                rows += usize::from(!row.logid.is_empty());
            }
        }
    });
    assert_eq!(rows, AGENTS as usize);
    assert_eq!(parsing, 0, "parse_record allocated");

    // Framing: lines are views of the read buffer; a constant few allocations per buffer.
    let mut codec = LineCodec::default();
    let mut buf = BytesMut::from(&capture[..]);
    let mut framed = 0;
    let framing = allocations_during(|| {
        while let Some(Ok(_line)) = codec.decode(&mut buf).unwrap() {
            framed += 1;
        }
    });
    assert_eq!(framed, lines.len());
    assert!(
        framing <= 2,
        "framing allocated {framing} times for {framed} lines"
    );

    // The assembler: after the first batch has created the agents, a batch in which every
    // agent changes allocates nothing.
    let mut assembler = Assembler::new(AssemblerConfig::new(IntegrationId(0)), layout);
    let now: Timestamp = "2026-11-23T09:00:01Z".parse().unwrap();
    let mut changes = 0u32;
    let mut feed = |assembler: &mut Assembler, capture: &[u8]| {
        for line in capture.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            assembler
                .push_line(line, now, &mut |output| {
                    if let Output::Agent(change) = output {
                        changes +=
                            u32::from(!change.observation(IntegrationId(0)).external_id.is_empty());
                    }
                })
                .unwrap();
        }
    };
    feed(&mut assembler, &batch(0));
    let second = batch(1);
    let steady = allocations_during(|| feed(&mut assembler, &second));
    assert_eq!(changes, 2 * AGENTS, "every agent changed in both batches");
    assert_eq!(steady, 0, "the assembler allocated in steady state");
}
