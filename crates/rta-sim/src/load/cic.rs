//! The CIC side of a load: servers this load listens as (the engine connects to them), each
//! serving its share of the users in the line dialect (rta-cic's encoder): the snapshot of
//! its users at the first run, then status changes (each one a status other than the user's
//! last) and `HEARTBEAT`s, all written from pre-encoded buffers.
//!
//! A server keeps the engine's connection across runs and sends a heartbeat every
//! `cic_heartbeat` of wall time while idle, so the engine never calls it stale between runs.
//! A connection that replaces a lost one is sent a fresh snapshot of the users' statuses
//! (counted as a reconnect: the run's expected event count does not cover it).

use super::paced::{Paced, PacedBuilder};
use super::plan::{CIC_STATUSES, cic_user_id, share};
use super::{LoadError, Pace};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rta_cic::{
    CicTime, UserStatus, line_heartbeat, line_snapshot_begin, line_snapshot_end, line_status,
};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// The users of one server and their current statuses (indices in [`CIC_STATUSES`]).
#[derive(Debug)]
struct Users {
    ids: Vec<Box<str>>,
    statuses: Vec<u8>,
    /// The time of the last record generated for these users.
    latest: Timestamp,
}

/// Writes `STATUS|...` for one user.
fn encode_status(out: &mut Vec<u8>, user_id: &str, status: u8, zone: &TimeZone, time: Timestamp) {
    let status = CIC_STATUSES[usize::from(status)];
    line_status(
        out,
        &UserStatus {
            user_id,
            status_key: status.key,
            status_text: status.text,
            group: status.group,
            logged_in: status.logged_in,
            acd: status.acd,
            dnd: status.dnd,
            acw: status.acw,
            on_phone: false,
            station: None,
            time: local(zone, time),
        },
    );
}

fn local(zone: &TimeZone, time: Timestamp) -> CicTime {
    CicTime::Local(time.to_zoned(zone.clone()).datetime())
}

impl Users {
    /// The snapshot of every user, all dated `time` (or earlier, for the first one).
    fn snapshot(
        &self,
        out: &mut Vec<u8>,
        zone: &TimeZone,
        time: Timestamp,
        user_time: impl Fn(usize) -> Timestamp,
    ) {
        line_snapshot_begin(out, local(zone, time));
        for (index, (id, status)) in self.ids.iter().zip(&self.statuses).enumerate() {
            encode_status(out, id, *status, zone, user_time(index));
        }
        line_snapshot_end(out, local(zone, time));
    }
}

/// What one run sends to each CIC server.
#[derive(Debug)]
pub(crate) struct CicTraffic {
    /// One per server.
    pub(crate) paced: Vec<Paced>,
    /// `STATUS` records (snapshot and changes).
    pub(crate) records: u64,
    /// Status changes the engine must publish: the first snapshot's users, then every change.
    pub(crate) changes: u64,
}

/// The generator of every server's traffic.
#[derive(Debug)]
pub(crate) struct CicUsers {
    servers: Vec<Arc<Mutex<Users>>>,
    rng: SmallRng,
    zone: TimeZone,
    start: Timestamp,
    rate: f64,
    heartbeat: Duration,
    /// Changes generated so far (all runs, all servers).
    generated: u64,
    /// Simulated time covered so far.
    elapsed: Duration,
    snapshot_sent: bool,
}

/// Realtime pieces: the changes due within one slot are written together. One millisecond,
/// the resolution of tokio's timer: a CIC server writes each change as it happens, and with
/// 10 ms the load wrote 25 changes per server at once, which the engine could only deliver
/// one after the other (`benches/RESULTS.md`, end_to_end, fifth round: p50 0.96 ms with
/// 10 ms pieces, for the CIC changes alone).
const SLOT: Duration = Duration::from_millis(1);
/// A user's status in the first snapshot began up to this long before the start.
const LONGEST_FIRST_STATUS: Duration = Duration::from_secs(3_600);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CicUsers {
    pub(crate) fn new(
        seed: u64,
        users: usize,
        servers: usize,
        zone: &TimeZone,
        start: Timestamp,
        rate: f64,
        heartbeat: Duration,
    ) -> CicUsers {
        let mut rng = SmallRng::seed_from_u64(seed);
        let servers = (0..servers)
            .map(|server| {
                let range = share(users, servers, server);
                Arc::new(Mutex::new(Users {
                    ids: range
                        .clone()
                        .map(|i| cic_user_id(i).into_boxed_str())
                        .collect(),
                    statuses: range
                        .map(|_| rng.random_range(0..CIC_STATUSES.len()) as u8)
                        .collect(),
                    latest: start,
                }))
            })
            .collect();
        CicUsers {
            servers,
            rng,
            zone: zone.clone(),
            start,
            rate,
            heartbeat,
            generated: 0,
            elapsed: Duration::ZERO,
            snapshot_sent: false,
        }
    }

    /// The traffic of the next `span` of simulated time: on the first run each server's
    /// snapshot first, then the changes at the rate (server by server in turn, a random user
    /// of it each time) and a heartbeat every `heartbeat`.
    pub(crate) fn next_run(&mut self, span: Duration) -> Result<CicTraffic, jiff::Error> {
        let servers = self.servers.len();
        let mut builders: Vec<PacedBuilder> =
            (0..servers).map(|_| PacedBuilder::default()).collect();
        let mut guards: Vec<_> = self.servers.iter().map(|users| lock(users)).collect();
        let (mut records, mut changes) = (0, 0);
        let run_start = self.start.checked_add(self.elapsed)?;
        if !self.snapshot_sent {
            self.snapshot_sent = true;
            for (users, builder) in guards.iter().zip(&mut builders) {
                let rng = &mut self.rng;
                let backdate: Vec<SignedDuration> = (0..users.ids.len())
                    .map(|_| {
                        SignedDuration::from_millis(
                            rng.random_range(0..LONGEST_FIRST_STATUS.as_millis() as i64),
                        )
                    })
                    .collect();
                users.snapshot(&mut builder.out, &self.zone, run_start, |i| {
                    run_start.checked_sub(backdate[i]).unwrap_or(run_start)
                });
                records += users.ids.len() as u64;
                changes += users.ids.len() as u64;
            }
        }
        let target = ((self.elapsed + span).as_secs_f64() * self.rate).floor() as u64;
        let mut next_heartbeat = self.heartbeat;
        let mut slot = 0;
        for change in self.generated..target {
            let at = Duration::from_secs_f64(change as f64 / self.rate);
            let due = at.saturating_sub(self.elapsed);
            let time = self.start.checked_add(at)?;
            let this_slot = due.as_nanos() / SLOT.as_nanos();
            if this_slot != slot {
                slot = this_slot;
                let slot_start = SLOT * slot as u32;
                builders
                    .iter_mut()
                    .for_each(|builder| builder.cut(slot_start));
            }
            while due >= next_heartbeat {
                let beat = run_start.checked_add(next_heartbeat)?;
                builders
                    .iter_mut()
                    .for_each(|builder| line_heartbeat(&mut builder.out, local(&self.zone, beat)));
                next_heartbeat += self.heartbeat;
            }
            let server = (change % servers as u64) as usize;
            let users = &mut guards[server];
            let user = self.rng.random_range(0..users.ids.len());
            let status = self.rng.random_range(0..CIC_STATUSES.len() - 1) as u8;
            // Any status but the current one.
            let status = if status >= users.statuses[user] {
                status + 1
            } else {
                status
            };
            users.statuses[user] = status;
            users.latest = time;
            encode_status(
                &mut builders[server].out,
                &users.ids[user],
                status,
                &self.zone,
                time,
            );
            records += 1;
            changes += 1;
        }
        self.generated = target.max(self.generated);
        self.elapsed += span;
        drop(guards);
        Ok(CicTraffic {
            paced: builders
                .into_iter()
                .map(|builder| builder.finish(SLOT * (slot as u32 + 1)))
                .collect(),
            records,
            changes,
        })
    }
}

/// A piece of work for a server task: write this run's traffic.
struct Job {
    paced: Paced,
    pace: Pace,
    start: Instant,
    done: oneshot::Sender<std::io::Result<()>>,
}

/// One listening CIC server.
#[derive(Debug)]
pub(crate) struct CicServer {
    address: SocketAddr,
    jobs: mpsc::Sender<Job>,
    /// Connections accepted so far.
    connections: watch::Receiver<u64>,
    reconnects: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("bytes", &self.paced.len())
            .finish()
    }
}

/// What a server task needs besides its jobs.
struct ServerTask {
    listener: TcpListener,
    users: Arc<Mutex<Users>>,
    zone: TimeZone,
    heartbeat: Duration,
    connections: watch::Sender<u64>,
    reconnects: Arc<AtomicU64>,
}

impl CicServer {
    /// Binds a loopback port for server `index` of `users`.
    pub(crate) async fn bind(users: &CicUsers, index: usize) -> Result<CicServer, LoadError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(LoadError::Listen)?;
        let address = listener.local_addr().map_err(LoadError::Listen)?;
        let (jobs, receiver) = mpsc::channel(1);
        let (connections_sender, connections) = watch::channel(0);
        let reconnects = Arc::new(AtomicU64::new(0));
        let task = ServerTask {
            listener,
            users: users.servers[index].clone(),
            zone: users.zone.clone(),
            heartbeat: users.heartbeat,
            connections: connections_sender,
            reconnects: reconnects.clone(),
        };
        let task = tokio::spawn(task.serve(receiver));
        Ok(CicServer {
            address,
            jobs,
            connections,
            reconnects,
            task,
        })
    }

    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    pub(crate) fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    /// Waits until the engine has connected (at most `timeout`).
    pub(crate) async fn connected(&self, timeout: Duration) -> Result<(), LoadError> {
        let mut connections = self.connections.clone();
        let waited = tokio::time::timeout(timeout, connections.wait_for(|count| *count > 0)).await;
        match waited {
            Ok(Ok(_)) => Ok(()),
            _ => Err(LoadError::CicNotConnected {
                address: self.address,
                waited: timeout,
            }),
        }
    }

    /// Writes `paced` to the engine's connection; returns once written.
    pub(crate) async fn send(
        &self,
        paced: Paced,
        pace: Pace,
        start: Instant,
    ) -> Result<(), LoadError> {
        let (done, result) = oneshot::channel();
        let io = |source| LoadError::Io {
            source_name: "CIC",
            address: self.address,
            source,
        };
        let gone = || io(std::io::Error::other("the server task ended"));
        self.jobs
            .send(Job {
                paced,
                pace,
                start,
                done,
            })
            .await
            .map_err(|_| gone())?;
        result.await.map_err(|_| gone())?.map_err(io)
    }
}

impl Drop for CicServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ServerTask {
    async fn serve(self, mut jobs: mpsc::Receiver<Job>) {
        let mut connection: Option<TcpStream> = None;
        let mut accepted = 0u64;
        let mut heartbeat = tokio::time::interval(self.heartbeat);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut beat = Vec::new();
        loop {
            tokio::select! {
                accept = self.listener.accept() => {
                    let Ok((mut stream, peer)) = accept else { continue };
                    let _ = stream.set_nodelay(true);
                    if accepted > 0 {
                        // A replacement connection: it needs the users' statuses again.
                        self.reconnects.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%peer, "load: the engine reconnected to a CIC server");
                        let mut snapshot = Vec::new();
                        {
                            let users = lock(&self.users);
                            let latest = users.latest;
                            users.snapshot(&mut snapshot, &self.zone, latest, |_| latest);
                        }
                        if stream.write_all(&snapshot).await.is_err() {
                            continue;
                        }
                    }
                    accepted += 1;
                    connection = Some(stream);
                    self.connections.send_replace(accepted);
                }
                job = jobs.recv() => {
                    let Some(job) = job else { return };
                    let result = match connection.as_mut() {
                        Some(stream) => job.paced.write_to(stream, job.pace, job.start).await,
                        None => Err(std::io::Error::new(std::io::ErrorKind::NotConnected, "the engine is not connected")),
                    };
                    if result.is_err() {
                        connection = None;
                    }
                    let _ = job.done.send(result);
                }
                _ = heartbeat.tick() => {
                    if let Some(stream) = connection.as_mut() {
                        beat.clear();
                        line_heartbeat(&mut beat, local(&self.zone, Timestamp::now()));
                        if stream.write_all(&beat).await.is_err() {
                            connection = None;
                        }
                    }
                }
            }
        }
    }
}
