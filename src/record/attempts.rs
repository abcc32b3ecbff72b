//! Every inbound attempt of a replication, when asked for (`simcall
//! generate --outcomes`, `simcall backtest`): what a call centre's call
//! records hold, so a simulated log and a real one are read alike.

use crate::model::{CallLog, LoggedOutcome};

/// The attempts of one replication, column by column, in the order they
/// were resolved (answered, abandoned or refused).
#[derive(Debug, Clone, Default)]
pub struct AttemptLog {
    /// When each attempt arrived (s from time 0, Monday 00:00).
    pub starts_s: Vec<f64>,
    /// Its inbound source (model order).
    pub sources: Vec<u32>,
    /// Its caller: a number per caller, in order of first arrival (a
    /// caller's redials keep it).
    pub callers: Vec<u64>,
    /// What became of it.
    pub outcomes: Vec<LoggedOutcome>,
    /// How long it waited (s).
    pub waits_s: Vec<f32>,
    /// How long it held an answered call (s; NaN for others).
    pub talks_s: Vec<f32>,
}

impl AttemptLog {
    /// Records one resolved attempt.
    #[inline]
    pub fn push(&mut self, start_s: f64, source: u32, caller: u64, outcome: LoggedOutcome, wait_s: f64, talk_s: f64) {
        self.starts_s.push(start_s);
        self.sources.push(source);
        self.callers.push(caller);
        self.outcomes.push(outcome);
        self.waits_s.push(wait_s as f32);
        self.talks_s.push(talk_s as f32);
    }

    /// Attempts recorded.
    pub fn len(&self) -> usize {
        self.starts_s.len()
    }

    /// Whether none was recorded.
    pub fn is_empty(&self) -> bool {
        self.starts_s.is_empty()
    }

    /// The order of the attempts by start (ties by caller, then as recorded).
    pub fn by_start(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| {
            self.starts_s[a].total_cmp(&self.starts_s[b]).then(self.callers[a].cmp(&self.callers[b])).then(a.cmp(&b))
        });
        order
    }

    /// The attempts of `source` (all sources: `None`) as a call log sorted
    /// by start, as `simcall fit` reads one: durations are wait + talk time
    /// for answered calls and the wait for the others.
    pub fn to_call_log(&self, source: Option<u32>) -> CallLog {
        let order: Vec<usize> =
            self.by_start().into_iter().filter(|&i| source.is_none_or(|s| self.sources[i] == s)).collect();
        let talk = |i: usize| if self.talks_s[i].is_nan() { 0.0 } else { self.talks_s[i] as f64 };
        CallLog {
            starts_s: order.iter().map(|&i| self.starts_s[i]).collect(),
            durations_s: order.iter().map(|&i| self.waits_s[i] as f64 + talk(i)).collect(),
            outcomes: Some(order.iter().map(|&i| self.outcomes[i]).collect()),
            waits_s: Some(order.iter().map(|&i| self.waits_s[i]).collect()),
            talks_s: Some(order.iter().map(|&i| self.talks_s[i]).collect()),
            callers: Some(order.iter().map(|&i| self.callers[i]).collect()),
            monday: None,
        }
    }
}
