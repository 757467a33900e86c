//! What the engine costs the machine, read from `/proc`: CPU time of the engine's own threads
//! (the load generator and the subscribers run in the same process, on other threads), and
//! the process's resident memory.

use std::time::Duration;

/// Linux's `USER_HZ`: the unit of the CPU times in `/proc/<pid>/task/<tid>/stat`. It is 100
/// on every architecture Linux reports to user space (`getconf CLK_TCK`).
const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU time so far of this process's threads whose name starts with one of
/// `prefixes` (thread names as `/proc` shows them: at most 15 bytes). A thread that has
/// exited is not counted: measure long-lived threads only.
pub fn thread_cpu(prefixes: &[&str]) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ticks = 0;
    for task in tasks.flatten() {
        let path = task.path();
        let Ok(name) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if !prefixes.iter().any(|prefix| name.starts_with(prefix)) {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(path.join("stat")) {
            ticks += cpu_ticks(&stat).unwrap_or(0);
        }
    }
    Duration::from_millis(ticks * 1_000 / TICKS_PER_SECOND)
}

/// `utime + stime` of a `stat` line. The name field may hold spaces and parentheses, so
/// fields are counted after its last `)`: utime and stime are fields 14 and 15 of the line,
/// the 12th and 13th after the name.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// Resident memory of the process now, and its peak, in bytes (`VmRSS`, `VmHWM`).
pub fn resident_bytes() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
