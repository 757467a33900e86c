//! Properties of the whole decoder: framing is independent of how TCP cuts the stream, and
//! no input makes it panic or hold more than it should.

use bytes::BytesMut;
use proptest::prelude::*;
use rta_avaya::{Assembler, AssemblerConfig, Layout, LineCodec, Output};
use rta_model::{IntegrationId, Timestamp};
use tokio_util::codec::Decoder;

/// Everything observable the decoder produced: lines and errors, then assembler changes.
#[derive(Debug, Default, PartialEq)]
struct Transcript {
    frames: Vec<String>,
    outputs: Vec<String>,
}

fn decode(chunks: &[&[u8]], max_line: usize) -> Transcript {
    let mut codec = LineCodec::new(max_line);
    let mut assembler = Assembler::new(AssemblerConfig::new(IntegrationId(3)), Layout::agent());
    let now: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let mut transcript = Transcript::default();
    let mut buf = BytesMut::new();
    let mut handle = |frame, transcript: &mut Transcript| {
        transcript.frames.push(format!("{frame:?}"));
        let outputs = &mut transcript.outputs;
        let result = assembler.push_frame(frame, now, &mut |output: Output<'_>| {
            outputs.push(format!("{output:?}"));
        });
        if let Err(error) = result {
            outputs.push(error.to_string());
        }
    };
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(frame) = codec.decode(&mut buf).unwrap() {
            handle(frame, &mut transcript);
        }
        assert!(
            buf.len() <= max_line + 2 + chunk.len(),
            "buffer grew to {}",
            buf.len()
        );
    }
    while let Some(frame) = codec.decode_eof(&mut buf).unwrap() {
        handle(frame, &mut transcript);
    }
    transcript
}

fn line() -> impl Strategy<Value = String> {
    let state = prop::sample::select(vec![
        "AVAIL",
        "ACDIN",
        "ACWOUT",
        "AUX",
        "AUXOUT",
        "RINGING",
        "OTHER",
        "DACD",
        "32",
        "52",
        "Unstaffed",
        "BOGUS",
    ]);
    let row = (
        1u32..3,
        0u32..40,
        state,
        0u32..100,
        prop::option::of(0u32..4000),
        any::<bool>(),
    )
        .prop_map(|(acd, agent, state, reason, duration, padded)| {
            let duration =
                duration.map_or("*****".to_string(), |d| format!("{}:{:02}", d / 60, d % 60));
            if padded {
                format!(
                    "F1|{acd}|{:>7}| {:>5}|{state:<7}|{reason:>2}| 101|{duration:>6}|  0|  0",
                    40_000 + agent,
                    51_000 + agent
                )
            } else {
                format!(
                    "F1|{acd}|{}|{}|{state}|{reason}|101|{duration}|0|0",
                    40_000 + agent,
                    51_000 + agent
                )
            }
        });
    prop_oneof![
        6 => row,
        1 => (0u32..60).prop_map(|s| format!("F0|2026-11-23 09:00:{s:02}")),
        1 => Just("F3|END_OF_RECORDS".to_string()),
        1 => Just("F0|not a time".to_string()),
        1 => Just("F2|other".to_string()),
        1 => "[ -~]{0,40}",
        1 => "x{200,300}",
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((line(), any::<bool>()), 0..60).prop_map(|lines| {
        let mut bytes = Vec::new();
        for (line, crlf) in lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        bytes
    })
}

fn cut<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for point in points {
        chunks.push(&bytes[start..point]);
        start = point;
    }
    chunks.push(&bytes[start..]);
    chunks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_byte_split_decodes_identically(bytes in stream(), cuts in prop::collection::vec(any::<usize>(), 0..40)) {
        let whole = decode(&[&bytes], 128);
        let split = decode(&cut(&bytes, &cuts), 128);
        prop_assert_eq!(&whole, &split);
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&whole, &decode(&one_by_one, 128));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), cuts in prop::collection::vec(any::<usize>(), 0..20), max_line in 1usize..300) {
        decode(&cut(&bytes, &cuts), max_line);
    }

    #[test]
    fn arbitrary_rows_never_panic(rows in prop::collection::vec("F[0-3]\\|[ -~\\|]{0,80}", 0..50)) {
        let text = rows.join("\n");
        decode(&[text.as_bytes()], 4096);
    }
}
