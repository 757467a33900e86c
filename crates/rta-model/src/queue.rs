//! Split/skill queue statistics (the Avaya `csplit` report).

use serde::{Deserialize, Serialize};

/// One split's statistics at one refresh. Every figure is optional: a blank cell or the CMS
/// overflow marker `*****` is `None`. Times are in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    /// `INQUEUE+INRING`: calls waiting or ringing.
    pub calls_waiting: Option<u32>,
    /// `AVAILABLE`: agents available.
    pub agents_available: Option<u32>,
    /// `ANSTIME/ACDCALLS`: average speed of answer.
    pub avg_speed_of_answer: Option<u32>,
    /// `ABNCALLS`: abandoned calls.
    pub abandoned_calls: Option<u32>,
    /// `ACD`: the ACD number.
    pub acd: Option<u32>,
    /// `OLDESTCALL`: wait of the oldest call in queue.
    pub oldest_call_wait: Option<u32>,
    /// `ACDCALLS`: ACD calls answered.
    pub acd_calls: Option<u32>,
    /// `ACDTIME/ACDCALLS`: average talk time.
    pub avg_talk_time: Option<u32>,
    /// `ABNTIME/ABNCALLS`: average time to abandon.
    pub avg_abandon_time: Option<u32>,
    /// `AGINRING`: agents with a call ringing.
    pub agents_ringing: Option<u32>,
    /// `ONACD`: agents on ACD calls.
    pub agents_on_acd: Option<u32>,
    /// `INACW`: agents in after-call work.
    pub agents_in_acw: Option<u32>,
    /// `OTHER`: agents in other work.
    pub agents_other: Option<u32>,
    /// `INAUX`: agents in AUX.
    pub agents_in_aux: Option<u32>,
    /// `STAFFED`: agents staffed.
    pub agents_staffed: Option<u32>,
    /// `EWTHIGH`: expected wait time, high priority.
    pub ewt_high: Option<u32>,
    /// `EWTMEDIUM`: expected wait time, medium priority.
    pub ewt_medium: Option<u32>,
    /// `EWTLOW`: expected wait time, low priority.
    pub ewt_low: Option<u32>,
    /// `DA_INQUEUE+DA_INRING`: direct-agent calls waiting or ringing.
    pub direct_agent_waiting: Option<u32>,
    /// `100*(ACCEPTABLE/CALLSOFFERED)`: percent answered within the service level.
    pub percent_in_service_level: Option<u32>,
    /// `SERVICELEVEL`: the service-level target in seconds.
    pub service_level_target: Option<u32>,
    /// `CALLSOFFERED`: calls offered.
    pub calls_offered: Option<u32>,
}

impl QueueStats {
    /// Every figure under its field name, in declaration order (the order serde writes).
    pub fn fields(&self) -> [(&'static str, Option<u32>); 22] {
        [
            ("calls_waiting", self.calls_waiting),
            ("agents_available", self.agents_available),
            ("avg_speed_of_answer", self.avg_speed_of_answer),
            ("abandoned_calls", self.abandoned_calls),
            ("acd", self.acd),
            ("oldest_call_wait", self.oldest_call_wait),
            ("acd_calls", self.acd_calls),
            ("avg_talk_time", self.avg_talk_time),
            ("avg_abandon_time", self.avg_abandon_time),
            ("agents_ringing", self.agents_ringing),
            ("agents_on_acd", self.agents_on_acd),
            ("agents_in_acw", self.agents_in_acw),
            ("agents_other", self.agents_other),
            ("agents_in_aux", self.agents_in_aux),
            ("agents_staffed", self.agents_staffed),
            ("ewt_high", self.ewt_high),
            ("ewt_medium", self.ewt_medium),
            ("ewt_low", self.ewt_low),
            ("direct_agent_waiting", self.direct_agent_waiting),
            ("percent_in_service_level", self.percent_in_service_level),
            ("service_level_target", self.service_level_target),
            ("calls_offered", self.calls_offered),
        ]
    }
}
