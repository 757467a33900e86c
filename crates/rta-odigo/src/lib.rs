//! # rta-odigo: Odigo agent status notifications (sans-IO)
//!
//! (Crate docs to be written: the decoder, de-duplication, the token, pause details.)

mod decode;
mod dedup;
mod error;
mod notification;
mod pause;
mod token;

pub use decode::{BodyFormat, MAX_ITEMS, decode};
pub use dedup::{DEFAULT_DEDUP_WINDOW, Dedup};
pub use error::DecodeError;
pub use notification::{AgentState, Notification, Pause, State};
pub use pause::{LookupError, PauseCache, PauseDetails, PauseResponseError, parse_pause_response};
pub use token::{Token, TokenError, TokenHash, TokenStore};
