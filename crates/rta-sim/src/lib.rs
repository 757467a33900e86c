//! # rta-sim: simulators of the rta sources
//!
//! Realistic, deterministic stand-ins for the contact-center sources the engine reads, for
//! tests, benchmarks and the demo. Never used by production code.
//!
//! - [`avaya`]: an Avaya CMS rt_socket feed (Generic RTA) of N agents, with faults on demand,
//!   the ground truth of what a correct receiver emits, and an async TCP client. The binary
//!   `rta-sim avaya --port P --agents N --refresh S` streams it to a listening engine.
//! - [`cic`]: an Interactive Intelligence CIC feed server of N users in either dialect, with
//!   local-time stamps in a chosen zone, heartbeats, faults on demand and the ground truth.
//!   The binary `rta-sim cic --listen ADDR --users N --dialect line|icws` serves it.
//! - [`odigo`]: an Odigo tenant of N agents: a notifier POSTing agent state notifications
//!   (JSON, batches, forms, aliases, duplicates, retries, malformed bodies) to the engine's
//!   token URL, and the web service answering pause look-ups with Basic auth, from the
//!   shared ground truth. The binary `rta-sim odigo --url URL --agents N --rate R` sends.
//! - [`load`]: a load generator and measuring client driving a running engine over loopback
//!   (Avaya CMSs, CIC servers, Odigo notifications, MessagePack and SSE subscribers with an
//!   HDR latency histogram), for the end-to-end benchmark and `rta-sim load`.
//! - [`roster`]: a generated site for the simulated agents: employees, teams, user and
//!   activity mappings of the three sources, and schedules for today (per activity, or cut
//!   every 15 minutes), as an [`rta_adherence::Config`]: the demo's and the load's.
//! - [`logs`]: the engine's `tracing` output captured as text, for tests that check that no
//!   secret is logged.
//!
//! The simulators own a virtual clock: no wall clock inside the models, so a seed fixes
//! every byte.

pub mod avaya;
pub mod cic;
pub mod load;
pub mod logs;
pub mod odigo;
pub mod roster;
