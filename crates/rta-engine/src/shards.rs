//! The engine's shard workers: the only writers of the state table for the Avaya and CIC
//! adapters the [`Engine`](crate::engine::Engine) opens.
//!
//! An adapter decodes on its own tokio task, interns the agent there (thread-safe and
//! synchronous: [`StateTable::intern`]), packs the status ([`rta_state::Writer::pack`]: its
//! words interned, no heap) and hands both to a shard as a [`Job`], so handing a status over
//! allocates nothing and copies no string. An agent
//! always goes to the same shard (`key % shards`), so each shard is the only writer of its
//! agents: their statuses, log-outs included, are applied in the order their adapter sent
//! them, and a shard's [`Writer`] keeps its own status words warm (see [`Writer`] for why
//! that matters). A shard publishes the changes the table reports, as
//! [`Apply`](crate::apply::Apply) does inline.
//!
//! The shards are threads, not tokio tasks, each with a bounded queue. A full queue blocks
//! the adapter's `send`: that is the back-pressure on a feed decoded faster than it can be
//! applied (the socket is read no further, so TCP slows the sender). It cannot deadlock the
//! runtime, because a shard needs nothing from tokio to drain its queue.
//!
//! The Odigo receiver has its own shard tasks ([`crate::odigo`]): it answers `503` on a full
//! queue rather than wait, and drops retries per shard. The replayer applies inline, so that a
//! replay is deterministic.

use crate::cic::Claim;
use crate::publisher::Publisher;
use crossbeam_channel::{Receiver, Sender};
use rta_model::{AgentKey, Name, Timestamp};
use rta_state::{PackedStatus, StateTable, Update};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// Jobs a shard's queue holds: enough to absorb a CIC snapshot or an Avaya batch of a
/// large site without blocking the adapter, small enough to bound the memory of a stall.
const CAPACITY: usize = 4_096;

/// What an adapter asks of the shard of agent `key`.
#[derive(Debug)]
pub(crate) enum Job {
    /// Apply a status ([`rta_state::Writer::apply`]), then make `claim` if the table took
    /// it.
    Observe {
        key: AgentKey,
        status: PackedStatus,
        claim: Option<Claim>,
    },
    /// Log the agent out unless it is already ([`rta_state::Writer::log_out`]).
    LogOut {
        key: AgentKey,
        code: Name,
        time: Timestamp,
        received: Timestamp,
    },
}

impl Job {
    fn key(&self) -> AgentKey {
        match self {
            Job::Observe { key, .. } | Job::LogOut { key, .. } => *key,
        }
    }
}

/// What a shard's queue carries: the stop comes after everything queued before it.
#[derive(Debug)]
enum Message {
    Job(Job),
    Stop,
}

/// The shard threads and their queues.
#[derive(Debug)]
pub(crate) struct Shards {
    queues: Vec<Sender<Message>>,
    /// Taken by [`Shards::close_and_join`].
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shards {
    /// `count` shard threads (at least one) applying to `table` and publishing the changes
    /// to `publisher`.
    pub(crate) fn start(
        count: usize,
        table: Arc<StateTable>,
        publisher: Arc<dyn Publisher>,
    ) -> std::io::Result<Shards> {
        let mut queues = Vec::new();
        let mut threads = Vec::new();
        for index in 0..count.max(1) {
            let (queue, jobs) = crossbeam_channel::bounded(CAPACITY);
            let (table, publisher) = (Arc::clone(&table), Arc::clone(&publisher));
            let thread = std::thread::Builder::new()
                .name(format!("rta-shard-{index}"))
                .spawn(move || run(&jobs, &table, &*publisher))?;
            queues.push(queue);
            threads.push(thread);
        }
        Ok(Shards {
            queues,
            threads: Mutex::new(threads),
        })
    }

    /// Queues `job` on its agent's shard, waiting while that queue is full (see the module
    /// docs). A job sent after [`Shards::close_and_join`] is dropped: its adapter is
    /// stopping too.
    pub(crate) fn send(&self, job: Job) {
        let shard = job.key().index() % self.queues.len();
        if self.queues[shard].send(Message::Job(job)).is_err() {
            tracing::debug!(shard, "a job after the shards stopped, dropped");
        }
    }

    /// Stops every shard once it has applied what was queued before, and waits for them.
    /// Blocks: call it off the async runtime's threads.
    pub(crate) fn close_and_join(&self) {
        let threads =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        for queue in &self.queues {
            // A shard that is gone (it panicked) has nothing left to apply.
            let _ = queue.send(Message::Stop);
        }
        for thread in threads {
            if thread.join().is_err() {
                tracing::error!("a shard thread panicked");
            }
        }
    }
}

/// A shard: applies its jobs in order until the stop, or until every sender is gone.
fn run(jobs: &Receiver<Message>, table: &StateTable, publisher: &dyn Publisher) {
    let mut writer = table.writer();
    for message in jobs {
        let (key, update) = match message {
            Message::Stop => break,
            Message::Job(Job::Observe { key, status, claim }) => {
                let update = writer.apply(key, &status);
                if let Some(claim) = &claim {
                    claim.apply(key, &update);
                }
                (key, Some(update))
            }
            Message::Job(Job::LogOut {
                key,
                code,
                time,
                received,
            }) => (key, writer.log_out(key, &code, time, received)),
        };
        if let Some(Update::Changed { current, .. }) = &update {
            publisher.status(key, current);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rta_model::{Direction, FeedEvent, IntegrationId, Observation, Phase, Status};
    use rta_state::AgentStatus;
    use std::borrow::Cow;

    /// Every published change: the agent and its status code.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<(AgentKey, String)>>);

    impl Publisher for Recorder {
        fn feed(&self, _time: Timestamp, _event: FeedEvent) {}
        fn status(&self, key: AgentKey, current: &AgentStatus<'_>) {
            let code = current.code.to_owned();
            self.0.lock().unwrap().push((key, code));
        }
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_795_420_800 + second).unwrap()
    }

    fn observation(integration: IntegrationId, agent: &str, step: i64) -> Observation<'static> {
        Observation {
            integration,
            external_id: Cow::Owned(agent.as_bytes().to_vec()),
            phase: Phase::Available,
            direction: Direction::None,
            status: Status::new(format!("s{step}")),
            time: at(step),
            received: at(step),
        }
    }

    /// Two producers, each the only sender of its agents (as an adapter is): every status
    /// is applied in order and published once, and `close_and_join` applies what is queued.
    #[test]
    fn each_agent_applied_in_order_and_published_once() {
        const AGENTS: usize = 200;
        const STEPS: i64 = 50;
        let table = Arc::new(StateTable::new(1_000));
        let integration = table.add_integration();
        let recorder = Arc::new(Recorder::default());
        let shards = Arc::new(Shards::start(3, Arc::clone(&table), recorder.clone()).unwrap());
        let producers: Vec<_> = (0..2)
            .map(|producer| {
                let (table, shards) = (Arc::clone(&table), Arc::clone(&shards));
                std::thread::spawn(move || {
                    let mut packer = table.writer();
                    let agents: Vec<String> = (0..AGENTS)
                        .filter(|agent| agent % 2 == producer)
                        .map(|agent| format!("agent-{agent}"))
                        .collect();
                    for step in 0..STEPS {
                        for agent in &agents {
                            let key = table.intern(integration, agent.as_bytes()).unwrap();
                            let status = packer.pack(&observation(integration, agent, step));
                            shards.send(Job::Observe {
                                key,
                                status,
                                claim: None,
                            });
                        }
                    }
                    let key = table.intern(integration, agents[0].as_bytes()).unwrap();
                    shards.send(Job::LogOut {
                        key,
                        code: "LoggedOut".into(),
                        time: at(STEPS),
                        received: at(STEPS),
                    });
                })
            })
            .collect();
        for producer in producers {
            producer.join().unwrap();
        }
        shards.close_and_join();

        let published = recorder.0.lock().unwrap();
        assert_eq!(published.len(), AGENTS * STEPS as usize + 2);
        let mut by_agent: std::collections::HashMap<AgentKey, Vec<&str>> = Default::default();
        for (key, code) in published.iter() {
            by_agent.entry(*key).or_default().push(code);
        }
        assert_eq!(by_agent.len(), AGENTS);
        for (key, codes) in by_agent {
            let mut expected: Vec<String> = (0..STEPS).map(|step| format!("s{step}")).collect();
            if codes.len() > STEPS as usize {
                expected.push("LoggedOut".into());
            }
            assert_eq!(codes, expected, "agent {key:?}");
            let current = table.get(key).unwrap();
            assert_eq!(current.code, expected.last().unwrap());
        }
    }
}
