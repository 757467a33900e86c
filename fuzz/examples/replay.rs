//! Runs the fuzz targets on stable Rust, without libFuzzer: over the committed seed corpus,
//! over given files (to replay a crash that `cargo fuzz` saved), and optionally over random
//! mutations of the corpus for a while (no coverage guidance: a smoke test for machines
//! without nightly).
//!
//! ```text
//! cargo run --release --no-default-features --example replay                  # every corpus
//! cargo run --release --no-default-features --example replay -- --mutate 30   # + 30 s of mutants
//! cargo run --release --no-default-features --example replay -- avaya_codec artifacts/avaya_codec/crash-…
//! ```
//!
//! Prints `replay: N passed, N failed` and exits non-zero on any failure. A failing mutant is
//! saved under `artifacts/<target>/` next to this crate.

use rta_fuzz::{Rng, TARGETS, Target, target};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: replay [--corpus DIR] [--mutate SECONDS] [--seed N] [TARGET [PATH...]]";

struct Options {
    corpus: PathBuf,
    mutate: Duration,
    seed: u64,
    target: Option<String>,
    paths: Vec<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        corpus: Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        mutate: Duration::ZERO,
        seed: 0x0ac0_ffee,
        target: None,
        paths: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--corpus" => options.corpus = value("--corpus")?.into(),
            "--mutate" => {
                let seconds: f64 = value("--mutate")?
                    .parse()
                    .map_err(|_| format!("--mutate takes seconds\n{USAGE}"))?;
                options.mutate = Duration::from_secs_f64(seconds);
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| format!("--seed takes a number\n{USAGE}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ if options.target.is_none() => {
                if target(&arg).is_none() {
                    let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "unknown target {arg:?}; targets: {names:?}\n{USAGE}"
                    ));
                }
                options.target = Some(arg);
            }
            _ => options.paths.push(arg.into()),
        }
    }
    Ok(options)
}

/// The files of `paths` (directories are listed, sorted).
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            out.extend(entries);
        } else if path.is_file() {
            out.push(path.clone());
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    Ok(out)
}

/// Runs one input; `false` if the target panicked.
fn run(f: Target, data: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| f(data))).is_ok()
}

const TOKENS: &[&[u8]] = &[
    b"F0|",
    b"F1|",
    b"F3|END_OF_RECORDS",
    b"\r\n",
    b"\n",
    b"|",
    b":",
    b"*****",
    b"  ",
    b"2026-11-01 01:30:00",
    b"ACDIN",
    b"AUX",
    b"RINGING",
    b"220",
    b"4294967295",
    b"4294967296",
    b"1:59:59",
    b"101,102 103",
    b"\xe9",
    // Odigo bodies (JSON and form).
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b"\"",
    b"null",
    b"\\u00e9",
    b"\"login\":",
    b"\"state\":\"PAUSE\"",
    b"\"timestamp\":1795435205123",
    b"2026-11-23T12:00:05.123Z",
    b"+02:00",
    b"&",
    b"=",
    b"%C3%A9",
    b"%2B",
    b"agent.login=",
];

/// One random mutant of `seeds`: a few byte flips, token inserts, deletions, duplications,
/// splices.
fn mutant(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                data[at] = b"|\n\r:* 09\xff\x00"[rng.below(10)];
            }
            2 => {
                let at = rng.below(len + 1);
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                data.drain(at..end);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(256)).min(len);
                let copy = data[at..end].to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, copy);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let at = rng.below(len + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            _ => data.truncate(rng.below(len + 1)),
        }
    }
    data.truncate(64 * 1024);
    data
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let selected: Vec<(&str, Target)> = TARGETS
        .iter()
        .copied()
        .filter(|(name, _)| options.target.as_deref().is_none_or(|t| t == *name))
        .collect();
    let (mut passed, mut failed) = (0u64, 0u64);
    for &(name, f) in &selected {
        let paths = if options.paths.is_empty() {
            vec![options.corpus.join(name)]
        } else {
            options.paths.clone()
        };
        let files = match files(&paths) {
            Ok(files) => files,
            Err(message) => {
                eprintln!("{name}: {message}");
                return ExitCode::from(2);
            }
        };
        if files.is_empty() {
            eprintln!("{name}: no input in {paths:?}");
            return ExitCode::from(2);
        }
        let mut seeds = Vec::new();
        let started = Instant::now();
        for file in &files {
            let data = match std::fs::read(file) {
                Ok(data) => data,
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            if run(f, &data) {
                passed += 1;
            } else {
                failed += 1;
                eprintln!("{name}: FAILED on {}", file.display());
            }
            seeds.push(data);
        }
        println!(
            "{name}: {} corpus inputs in {:.2?}",
            files.len(),
            started.elapsed()
        );

        if options.mutate.is_zero() {
            continue;
        }
        let budget = options.mutate / selected.len() as u32;
        let mut rng = Rng(options.seed ^ name.len() as u64);
        let (started, mut count) = (Instant::now(), 0u64);
        while started.elapsed() < budget {
            let data = mutant(&mut rng, &seeds);
            count += 1;
            if run(f, &data) {
                passed += 1;
                continue;
            }
            failed += 1;
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("artifacts")
                .join(name);
            let file = dir.join(format!("mutant-{:016x}", rng.next_u64()));
            match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &data)) {
                Ok(()) => eprintln!("{name}: FAILED on a mutant, saved as {}", file.display()),
                Err(e) => eprintln!("{name}: FAILED on a mutant ({e}): {data:?}"),
            }
            break;
        }
        println!(
            "{name}: {count} mutants in {:.1?} (seed {})",
            started.elapsed(),
            options.seed
        );
    }
    println!("replay: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
