//! Observation: the warm-up (statistics restart) and the time series'
//! snapshots at bucket boundaries. Nothing here runs between buckets.

use super::{Event, Sim};
use crate::record::{Recorder, SeriesTotals, Snapshot, UseScale};

impl Sim {
    /// Starts the time series at the end of the warm-up (after the restart).
    pub(super) fn start_series(&mut self) {
        let Some(bucket_s) = self.series_bucket_s else { return };
        let scales = self.limit_counts.iter().map(|l| UseScale::of(&l.kind)).collect();
        self.series = Some((Recorder::new(bucket_s, scales, self.snapshot()), self.now));
        self.events.push(self.now + bucket_s, Event::SeriesTick);
    }

    pub(super) fn on_series_tick(&mut self) {
        let snapshot = self.snapshot();
        let Some((recorder, start)) = &mut self.series else { return };
        recorder.tick(*start, snapshot);
        *start = self.now;
        let next = self.now + recorder.bucket_s;
        if next <= self.end_t {
            self.events.push(next, Event::SeriesTick);
        }
    }

    /// Cumulative counters and integrals now, for the time series (inbound
    /// sources only: campaigns report their own figures).
    fn snapshot(&self) -> Snapshot {
        let now = self.now;
        let mut totals = SeriesTotals::default();
        for c in &self.counts[..self.n_inbound] {
            totals.offered_calls += c.offered_calls as f64;
            totals.attempts += c.attempts as f64;
            totals.carried_calls += c.carried_calls as f64;
            totals.blocked_calls += c.blocked_calls as f64;
            totals.abandoned_calls += c.abandoned_calls as f64;
            totals.failed_after_connect += c.failed_after_connect as f64;
            totals.mean_concurrency += c.concurrency.integral(now);
        }
        totals.mean_waiting = self.limit_counts.iter().map(|l| l.waiting.integral(now)).sum();
        let limits = self.limit_counts.iter().map(|l| l.use_integral(now)).collect();
        Snapshot { totals, limits }
    }

    pub(super) fn on_warmup_end(&mut self) {
        let now = self.now;
        for c in &mut self.counts {
            c.concurrency.restart(now);
            c.redialing.restart(now);
        }
        self.total_concurrency.restart(now);
        for lc in &mut self.limit_counts {
            lc.restart(now);
        }
        self.start_series();
    }
}
