//! What the engine logs, captured for tests that check what is (and is not) in the logs:
//! secrets (URL tokens, passwords) must never be.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use tracing::subscriber::DefaultGuard;

/// Every `tracing` event, at `trace` and above, logged on the current thread from
/// [`CapturedLogs::start`] until it is dropped, as plain text (no colours). A
/// current-thread tokio runtime runs its tasks on that thread, so their events are captured
/// too.
#[derive(Debug)]
pub struct CapturedLogs {
    buffer: Arc<Mutex<Vec<u8>>>,
    _default: DefaultGuard,
}

impl CapturedLogs {
    pub fn start() -> CapturedLogs {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let shared = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Writer(shared.clone()))
            .finish();
        CapturedLogs {
            buffer,
            _default: tracing::subscriber::set_default(subscriber),
        }
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        let bytes = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::CapturedLogs;

    #[test]
    fn events_of_this_thread_are_captured_until_dropped() {
        let logs = CapturedLogs::start();
        tracing::trace!(answer = 42, "captured");
        assert!(
            logs.text().contains("captured answer=42"),
            "{}",
            logs.text()
        );
        drop(logs);
        let later = CapturedLogs::start();
        assert!(!later.text().contains("captured"));
    }
}
