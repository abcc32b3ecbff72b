//! Observation: counting what happens into a source's counts (and its
//! hour's and day's, when the SLA reads hours), calls in progress, the
//! warm-up (statistics restart) and the time series' snapshots at bucket
//! boundaries.

use super::{Event, Sim, DAY_S};
use crate::record::{hour_of_week, Counts, Recorder, SeriesTotals, Snapshot, UseScale, HOURS_PER_WEEK};

impl Sim {
    /// Applies `count` to the counts of `source` and, when the SLA is judged
    /// over hours, of its hour-of-week bucket for time `t` (an attempt's
    /// arrival). Campaign dials have no hour buckets.
    #[inline(always)]
    pub(super) fn tally(&mut self, source: usize, t: f64, count: impl Fn(&mut Counts)) {
        count(&mut self.counts[source]);
        if let Some(hours) = &mut self.hours {
            if source < self.n_inbound {
                count(&mut hours[source * HOURS_PER_WEEK + hour_of_week(t)]);
                if let Some((busy_hour, days)) = &mut self.days {
                    if (t / 3600.0) as usize % 24 == *busy_hour {
                        if let Some(c) = days[source].get_mut((t / DAY_S) as usize) {
                            count(c);
                        }
                    }
                }
            }
        }
    }

    /// Moves the calls in progress of `source` (and, for an inbound source
    /// among several, of the total) by `delta` now. Campaign dials count in
    /// their source's level only: campaigns report their own figures.
    #[inline(always)]
    pub(super) fn step_calls_in_progress(&mut self, source: usize, delta: i32) {
        self.counts[source].concurrency.step(self.now, delta);
        if self.several_sources && source < self.n_inbound {
            self.total_concurrency.step(self.now, delta);
        }
    }

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
