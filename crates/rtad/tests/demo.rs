//! `rtad demo`, the real binary: for six seconds the three simulated sources feed its engine;
//! its plain summaries show every integration up, the agents per phase adding up to the
//! agents seen, employees in adherence; the SSE URL it prints streams events while it runs;
//! it stops by itself and exits with 0.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Beyond it the demo is hung: the test kills it and fails.
const GUARD: Duration = Duration::from_secs(30);

/// Kills the demo if the test fails before it exits.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The URL in `rtad demo: 60 agents, SSE stream at http://127.0.0.1:PORT/events (...)`.
fn sse_address(line: &str) -> Option<(String, String)> {
    let url = line.split_whitespace().find(|w| w.starts_with("http://"))?;
    let rest = url.strip_prefix("http://")?;
    let (address, path) = rest.split_at(rest.find('/')?);
    Some((address.to_owned(), path.to_owned()))
}

/// Connects to the SSE stream and reads until a first event's data; returns the answer.
fn first_sse_event(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).expect("the SSE server accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while !String::from_utf8_lossy(&answer).contains("\ndata: {") {
        let read = stream
            .read(&mut buffer)
            .expect("events come within seconds");
        assert!(read > 0, "the stream ended before any event");
        answer.extend_from_slice(&buffer[..read]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// The lines of the figure labelled `label` (continuation lines joined).
fn figure(block: &[String], label: &str) -> String {
    let start = block
        .iter()
        .position(|line| line.starts_with(&format!("{label} ")))
        .unwrap_or_else(|| panic!("no {label:?} line in {block:#?}"));
    let mut text = block[start][label.len()..].trim().to_owned();
    for line in block[start + 1..]
        .iter()
        .take_while(|line| line.starts_with("   "))
    {
        text.push_str(" · ");
        text.push_str(line.trim());
    }
    text
}

/// `name N · name N` -> `[(name, N)]`.
fn counts(items: &str) -> Vec<(String, usize)> {
    items
        .split('·')
        .map(|item| {
            let item = item.trim();
            let (name, count) = item.rsplit_once(' ').expect("a name and a count");
            (name.to_owned(), count.parse().expect("a count"))
        })
        .collect()
}

#[test]
fn the_demo_runs_summarises_streams_and_stops() {
    let started = Instant::now();
    let mut demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_rtad"))
            .args(["demo", "--seconds", "6", "--plain", "--agents", "60"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rtad starts"),
    );
    let (lines_tx, lines) = mpsc::channel();
    let stdout = demo.0.stdout.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    // Read, so that logs never fill the pipe and block the demo.
    let mut stderr = demo.0.stderr.take().unwrap();
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut output = Vec::new();
    let (address, path) = loop {
        let line = lines
            .recv_timeout(GUARD)
            .expect("the demo prints its SSE URL");
        let found = sse_address(&line);
        output.push(line);
        if let Some(found) = found {
            break found;
        }
    };
    let answer = first_sse_event(&address, &path);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("text/event-stream"), "{answer}");

    // The rest, until the demo closes its output.
    while let Ok(line) = lines.recv_timeout(GUARD.saturating_sub(started.elapsed())) {
        output.push(line);
    }
    let status = demo.0.wait().unwrap();
    let errors = errors.join().unwrap();
    assert!(
        status.success(),
        "{status}\n{}\n{errors}",
        output.join("\n")
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the demo took {:?}",
        started.elapsed()
    );
    assert!(
        output
            .last()
            .is_some_and(|line| line.starts_with("rtad demo stopped (time is up)")),
        "{output:#?}"
    );

    // Every second a summary: the last one is read.
    let blocks: Vec<usize> = output
        .iter()
        .enumerate()
        .filter(|(_, line)| line.starts_with("rtad demo · 60 agents · running"))
        .map(|(at, _)| at)
        .collect();
    assert!(blocks.len() >= 4, "{output:#?}");
    let last = &output[*blocks.last().unwrap()..output.len() - 1];
    assert!(
        last.iter().all(|line| line.chars().count() <= 80),
        "{last:#?}"
    );

    let mut agents_seen = 0;
    for name in ["cms", "cic", "odigo"] {
        let row = last
            .iter()
            .find(|line| line.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name} in {last:#?}"));
        let words: Vec<&str> = row.split_whitespace().collect();
        let health = words
            .iter()
            .position(|w| ["waiting", "up", "stale", "down"].contains(w))
            .unwrap_or_else(|| panic!("no feed health in {row:?}"));
        assert_eq!(words[health], "up", "{row:?}");
        let agents: usize = words[health + 1].parse().unwrap();
        assert!(agents > 0 && agents <= 20, "{row:?}");
        agents_seen += agents;
    }

    let agents = figure(last, "agents");
    let (seen, phases) = agents.split_once(" seen: ").expect("N seen: phases");
    let seen: usize = seen.parse().unwrap();
    assert_eq!(seen, agents_seen, "{agents:?}");
    let phases = counts(phases);
    assert_eq!(
        phases.iter().map(|(_, n)| n).sum::<usize>(),
        seen,
        "{agents:?}"
    );

    let adherence = counts(&figure(last, "adherence"));
    let count = |wanted: &str| adherence.iter().find(|(name, _)| name == wanted).unwrap().1;
    assert!(count("in") > 0, "{adherence:?}");
    assert_eq!(
        adherence.iter().map(|(_, n)| n).sum::<usize>(),
        60,
        "every employee is counted once: {adherence:?}"
    );
    assert_eq!(figure(last, "unmapped"), "none");
}
