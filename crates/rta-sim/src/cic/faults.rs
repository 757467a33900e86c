//! Faults of a CIC server: what can be injected, and the deterministic choices behind them
//! (garbage lines, where a snapshot is cut, how writes are split).

use rand::Rng;
use rand::rngs::SmallRng;
use rta_cic::Dialect;
use std::ops::Range;

/// A fault injected into a running server ([`crate::cic::CicServerHandle::inject`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The next `connections` accepted connections get their snapshot cut off: the bytes up
    /// to a point drawn inside it (after `SNAPSHOT|BEGIN`, before `SNAPSHOT|END`; icws:
    /// inside the `isDelta:false` message, so never a whole one), often in the middle of a
    /// line; then the server closes the connection.
    DropMidSnapshot { connections: u32 },
    /// Every open connection goes silent: it stays open and gets nothing more, records and
    /// heartbeats included, until the client closes it or the server is killed. Connections
    /// accepted later are served as usual.
    Silence,
    /// `lines` garbage lines to every open connection, now, between whole records: unknown
    /// record types, blank lines, bytes that are not UTF-8, records without user id or
    /// status key (line), text that is not JSON, other `__type`s, a status without user id
    /// (icws). None of them changes a user's status.
    Garbage { lines: u32 },
    /// The server hangs: every open connection goes silent, and connections accepted from
    /// now on get nothing at all, not even a snapshot (a server that accepts and never
    /// answers), until [`Fault::Recover`].
    Hang,
    /// Connections accepted from now on are served again (those silenced stay silent).
    Recover,
    /// One line of `bytes` bytes (`X`s) to every open connection, now, between records; for
    /// line-length limits.
    OverLongLine { bytes: usize },
    /// From now on every write to every connection is cut into pieces of 1 to `max` bytes,
    /// each written and flushed on its own; `None` goes back to whole writes.
    SplitWrites(Option<usize>),
    /// The server closes every open connection now, between records (the listener stays:
    /// clients reconnect and get a new snapshot).
    Disconnect,
}

/// Garbage line number `kind` (any number; it wraps) of `dialect`, without its line end.
/// `time` is a time as the dialect writes it.
pub(crate) fn garbage_line(dialect: Dialect, kind: usize, time: &str) -> Vec<u8> {
    match dialect {
        Dialect::Line => match kind % 7 {
            0 => b"GARBAGE".to_vec(),
            1 => format!("QUEUESTAT|{time}|Support|3|0").into_bytes(),
            2 => Vec::new(),
            3 => b"\xff\xfe\x00STATUS\x80|\xc3".to_vec(),
            // No user id, and no status key: bad records.
            4 => format!("STATUS|{time}||Available|Available|AVAILABLE|1|1|0|0|0|7999")
                .into_bytes(),
            5 => format!("STATUS|{time}|nobody.here").into_bytes(),
            _ => b"HELLO WORLD, this is not a record".to_vec(),
        },
        Dialect::Icws => match kind % 6 {
            0 => br#"{"__type":"urn:inin.com:queues:queueContentsMessage","isDelta":true}"#
                .to_vec(),
            1 => br#"{"__type":"urn:inin.com:status:userStatusMe"#.to_vec(),
            2 => Vec::new(),
            3 => b"\xff\xfe\x00{\x80}".to_vec(),
            4 => format!(
                r#"{{"__type":"urn:inin.com:status:userStatusMessage","isDelta":true,"userStatusList":[{{"statusId":"Available","statusChanged":"{time}"}}]}}"#
            )
            .into_bytes(),
            _ => b"[1,2,3]".to_vec(),
        },
    }
}

/// The line end of `dialect` (the encoder's).
pub(crate) fn line_end(dialect: Dialect) -> &'static [u8] {
    match dialect {
        Dialect::Line => b"\r\n",
        Dialect::Icws => b"\n",
    }
}

/// Where a snapshot is cut: how many bytes of the greeting get through, drawn in `inside`
/// (the part of the greeting whose loss leaves the snapshot incomplete).
pub(crate) fn snapshot_cut(rng: &mut SmallRng, inside: &Range<usize>) -> usize {
    inside.start + rng.random_range(0..inside.len().max(1))
}

/// Cuts `len` bytes into pieces of 1 to `max` bytes: the piece lengths.
pub(crate) fn split_lengths(rng: &mut SmallRng, len: usize, max: usize) -> Vec<usize> {
    let mut pieces = Vec::new();
    let mut left = len;
    while left > 0 {
        let piece = rng.random_range(1..=max.max(1)).min(left);
        pieces.push(piece);
        left -= piece;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn splits_cover_the_bytes_in_small_pieces() {
        let mut rng = SmallRng::seed_from_u64(1);
        let pieces = split_lengths(&mut rng, 1000, 7);
        assert_eq!(pieces.iter().sum::<usize>(), 1000);
        assert!(pieces.iter().all(|&p| (1..=7).contains(&p)));
        assert!(pieces.len() >= 1000 / 7);
        assert!(split_lengths(&mut rng, 0, 7).is_empty());
        assert_eq!(split_lengths(&mut rng, 5, 1), [1; 5]);
    }

    #[test]
    fn cuts_land_inside() {
        let mut rng = SmallRng::seed_from_u64(2);
        for _ in 0..100 {
            let cut = snapshot_cut(&mut rng, &(10..20));
            assert!((10..20).contains(&cut));
        }
        assert_eq!(snapshot_cut(&mut rng, &(10..10)), 10);
    }

    #[test]
    fn garbage_is_never_a_status() {
        for kind in 0..14 {
            let line = garbage_line(Dialect::Line, kind, "2026-11-23 08:00:00");
            assert!(!line.contains(&b'\n') && !line.contains(&b'\r'));
            let fields: Vec<&[u8]> = line.split(|&b| b == b'|').collect();
            if fields[0] == b"STATUS" {
                assert!(fields.len() < 4 || fields[2].is_empty(), "{line:?}");
            }
            let json = garbage_line(Dialect::Icws, kind, "20261123T080000Z");
            assert!(!json.contains(&b'\n'));
            if let Ok(text) = std::str::from_utf8(&json) {
                assert!(!text.contains("userId"));
            }
        }
    }
}
