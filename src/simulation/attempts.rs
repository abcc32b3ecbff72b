//! Keeping every inbound attempt (`Keep::attempts`): each caller gets a
//! number at its first arrival, kept through its redials, and each attempt
//! is written when it is resolved.

use super::Sim;
use crate::model::LoggedOutcome;
use crate::record::attempts::AttemptLog;

/// The attempts kept so far and each caller slot's number.
#[derive(Debug, Default)]
pub(super) struct AttemptsRt {
    pub(super) log: AttemptLog,
    /// The number of the caller in each slot of `Sim::callers`.
    numbers: Vec<u64>,
    next: u64,
}

impl Sim {
    /// Numbers the caller just filed in slot `id` (a new caller).
    #[inline]
    pub(super) fn number_caller(&mut self, id: u32) {
        if let Some(a) = &mut self.attempts {
            if a.numbers.len() <= id as usize {
                a.numbers.resize(id as usize + 1, 0);
            }
            a.numbers[id as usize] = a.next;
            a.next += 1;
        }
    }

    /// Keeps the attempt of caller `id`, resolved now as `outcome`, if
    /// attempts are kept and it is an inbound attempt after the warm-up.
    #[inline]
    pub(super) fn keep_attempt(&mut self, id: u32, outcome: LoggedOutcome, talk_s: f64) {
        let Some(a) = &mut self.attempts else { return };
        let c = &self.callers[id as usize];
        if c.counted && (c.source as usize) < self.n_inbound {
            a.log.push(c.attempt_t, c.source, a.numbers[id as usize], outcome, self.now - c.attempt_t, talk_s);
        }
    }
}
