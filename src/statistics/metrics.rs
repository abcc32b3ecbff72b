//! The named metrics of one replication, derived from its records: per
//! source (and in total), per limit, per copy of a pool. Each set is a
//! struct generic over its value: `f64` for one replication, [`Estimate`](super::Estimate)
//! across replications.
//!
//! All metrics count only what happens after the warm-up: an attempt counts
//! if it arrives after the warm-up, and time averages integrate from the end
//! of the warm-up to the end of the horizon.

use super::campaign::CampaignValues;
use crate::model::{JudgedDays, LimitKind, SlaOver};
use crate::record::{metric_set, Bucket, Counts, DayCounts, HourCounts, LimitCounts, Replication, HOURS_PER_WEEK};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

metric_set! {
    /// The metrics of a source (or of all sources), in output order. Ratios
    /// over zero attempts are 0.
    pub struct SourceMetrics {
        /// First attempts.
        offered_calls,
        /// All attempts, redials included.
        attempts,
        /// Attempts answered (and not failed later).
        carried_calls,
        /// Attempts blocked.
        blocked_calls,
        /// Attempts abandoned.
        abandoned_calls,
        /// Attempts connected whose AI part failed.
        failed_after_connect,
        /// Attempts still waiting at the end.
        waiting_at_end,
        /// Blocked / attempts.
        blocking_probability,
        /// Abandoned / attempts.
        abandonment_probability,
        /// Failed after connect / attempts.
        failure_probability,
        /// Callers finally not served / callers.
        loss_probability,
        /// Blocked first attempts / first attempts.
        first_attempt_blocking,
        /// Attempts / first attempts.
        attempts_per_caller,
        /// Time-average callers waiting to redial.
        mean_redialing,
        /// Holding times of all attempts / horizon (Erlangs).
        inflated_load_erl,
        /// Attempts that waited > 0 / attempts.
        wait_probability,
        /// Mean wait of resolved attempts, zeros included (s).
        mean_wait_s,
        /// Median wait (s).
        p50_wait_s,
        /// 95th-percentile wait (s).
        p95_wait_s,
        /// 99th-percentile wait (s).
        p99_wait_s,
        /// Attempts answered within `answer_within` / attempts.
        service_level,
        /// Time-average calls in progress.
        mean_concurrency,
        /// Most calls in progress at once.
        peak_concurrency,
        /// Holding times of first attempts / horizon (Erlangs).
        offered_load_erl,
        /// Time in call of answered attempts / horizon (Erlangs).
        carried_load_erl,
        /// Completed agent turns.
        turns,
        /// Mean turn latency (s).
        mean_turn_latency_s,
        /// Median turn latency (s).
        p50_turn_latency_s,
        /// 95th-percentile turn latency (s).
        p95_turn_latency_s,
        /// 99th-percentile turn latency (s).
        p99_turn_latency_s,
        /// Turns slower than the latency budget / turns.
        turns_over_budget,
        /// Request refusals (429s and queue timeouts).
        requests_refused,
    }
}

metric_set! {
    /// The metrics of a limit over all its copies, in output order.
    /// Occupancy is in the limit's unit: holders (concurrency), admissions
    /// per window (rate), tokens per minute (tokens), summed over a pool's
    /// copies. Peak and p99 are NaN where not defined (p99 and headroom for
    /// concurrency limits only, peak not for rate limits).
    pub struct LimitMetrics {
        /// Mean occupancy / (capacity × pool).
        utilization,
        /// Time-average use.
        mean_occupancy,
        /// Highest use.
        peak_occupancy,
        /// 99th percentile of the use over time.
        p99_occupancy,
        /// Capacity × pool − p99 occupancy.
        headroom,
        /// Time-average callers or requests waiting.
        mean_waiting,
        /// Admissions.
        admitted,
        /// Attempts blocked here.
        blocked_by,
        /// Attempts that left this limit's queue unserved.
        abandoned_at,
        /// Requests refused here.
        requests_refused,
        /// Refused requests retried.
        request_retries,
        /// Attempts that connected and failed because of this limit.
        failed_after_connect,
        /// Blocked + abandoned + failed here.
        losses_caused,
        /// Losses caused here / all losses.
        loss_share,
        /// Calls or requests that found it full and overflowed to its standby limit.
        overflowed_out,
        /// Calls or requests that overflowed into it (a standby limit).
        overflowed_in,
        /// Peakedness of the traffic it carries: the time variance over the
        /// time mean of its holders (1 for Poisson traffic on unlimited
        /// capacity, above 1 for overflow traffic); NaN for rate limits and
        /// where it held nothing.
        peakedness,
        /// Admissions that failed here.
        failures,
        /// Calls or requests sent on from here to its fallback.
        fallbacks_out,
        /// Calls or requests that fell back into it (a standby limit).
        fallbacks_in,
        /// Holders cut by a capacity drop.
        preempted,
        /// Incidents that began on it.
        incidents,
        /// Share of the time it was marked unhealthy.
        unhealthy_share,
    }
}

metric_set! {
    /// The metrics of one copy of a pooled limit.
    pub struct CopyMetrics {
        /// Time-average holders / capacity.
        utilization,
        /// Admissions to this copy.
        admitted,
        /// Refusals at this copy.
        refused,
    }
}

/// A percentile of `h` in seconds (values in µs): the lowest value of the
/// quantile's bucket (within 0.1%), so a wait of exactly a timeout reads as
/// that timeout, not 0.1% above it.
fn quantile_s(h: &Histogram<u64>, p: f64) -> f64 {
    h.lowest_equivalent(h.value_at_quantile(p)) as f64 / 1e6
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl SourceMetrics {
    /// The metrics of counts `c`, for a window of `horizon_s` ending at `end_t`.
    /// Percentiles are over resolved attempts, zeros included, like
    /// `mean_wait_s`, with 3 significant digits (HdrHistogram).
    pub fn of(c: &Counts, end_t: f64, horizon_s: f64) -> Self {
        let resolved = c.attempts - c.waiting_at_end;
        let mut waits = c.waits_us.clone();
        waits.record_n(0, c.zero_waits).expect("0 is always recordable");
        let turn_q = |p: f64| if c.turns == 0 { 0.0 } else { quantile_s(&c.turn_latency_us, p) };
        SourceMetrics {
            offered_calls: c.offered_calls as f64,
            attempts: c.attempts as f64,
            carried_calls: c.carried_calls as f64,
            blocked_calls: c.blocked_calls as f64,
            abandoned_calls: c.abandoned_calls as f64,
            failed_after_connect: c.failed_after_connect as f64,
            waiting_at_end: c.waiting_at_end as f64,
            blocking_probability: ratio(c.blocked_calls, c.attempts),
            abandonment_probability: ratio(c.abandoned_calls, c.attempts),
            failure_probability: ratio(c.failed_after_connect, c.attempts),
            loss_probability: ratio(c.callers_lost, c.offered_calls),
            first_attempt_blocking: ratio(c.first_attempt_blocked, c.offered_calls),
            attempts_per_caller: ratio(c.attempts, c.offered_calls),
            mean_redialing: c.redialing.mean(end_t, horizon_s),
            inflated_load_erl: c.attempt_holding_s / horizon_s,
            wait_probability: ratio(c.waited, c.attempts),
            mean_wait_s: if resolved == 0 { 0.0 } else { c.wait_sum_s / resolved as f64 },
            p50_wait_s: quantile_s(&waits, 0.50),
            p95_wait_s: quantile_s(&waits, 0.95),
            p99_wait_s: quantile_s(&waits, 0.99),
            service_level: ratio(c.answered_within_sla, c.attempts),
            mean_concurrency: c.concurrency.mean(end_t, horizon_s),
            peak_concurrency: c.concurrency.peak as f64,
            offered_load_erl: c.offered_holding_s / horizon_s,
            carried_load_erl: c.carried_holding_s / horizon_s,
            turns: c.turns as f64,
            mean_turn_latency_s: if c.turns == 0 { 0.0 } else { c.turn_latency_sum_s / c.turns as f64 },
            p50_turn_latency_s: turn_q(0.50),
            p95_turn_latency_s: turn_q(0.95),
            p99_turn_latency_s: turn_q(0.99),
            turns_over_budget: ratio(c.turns_over_budget, c.turns),
            requests_refused: c.requests_refused as f64,
        }
    }
}

impl LimitMetrics {
    /// The metrics of limit counts `l`, for a window of `horizon_s` ending at
    /// `end_t`, with `all_losses` lost attempts over all limits.
    pub fn of(l: &LimitCounts, end_t: f64, horizon_s: f64, all_losses: u64) -> Self {
        let cap = l.capacity * l.pool as f64;
        let (mean, peak, p99) = match l.kind {
            LimitKind::Concurrency { .. } => {
                (l.occupancy.mean(end_t, horizon_s), l.occupancy.peak as f64, l.occupancy.quantile(end_t, 0.99))
            }
            LimitKind::Rate { window_s, .. } => (l.admitted as f64 / horizon_s * window_s, f64::NAN, f64::NAN),
            LimitKind::Tokens { .. } => (l.tokens.mean(end_t, horizon_s), l.tokens.peak, f64::NAN),
        };
        let losses = l.losses();
        LimitMetrics {
            utilization: mean / cap,
            mean_occupancy: mean,
            peak_occupancy: peak,
            p99_occupancy: p99,
            headroom: cap - p99,
            mean_waiting: l.waiting.mean(end_t, horizon_s),
            admitted: l.admitted as f64,
            blocked_by: l.blocked_by as f64,
            abandoned_at: l.abandoned_at as f64,
            requests_refused: l.requests_refused as f64,
            request_retries: l.request_retries as f64,
            failed_after_connect: l.failed_after_connect as f64,
            losses_caused: losses as f64,
            loss_share: ratio(losses, all_losses),
            overflowed_out: l.faults.overflowed_out as f64,
            overflowed_in: l.faults.overflowed_in as f64,
            peakedness: match l.kind {
                LimitKind::Rate { .. } => f64::NAN,
                _ if mean <= 0.0 => f64::NAN,
                // Token limits count holders too: the peakedness of calls held.
                _ => l.occupancy.variance(end_t) / l.occupancy.mean(end_t, horizon_s),
            },
            failures: l.faults.failures as f64,
            fallbacks_out: l.faults.fallbacks_out as f64,
            fallbacks_in: l.faults.fallbacks_in as f64,
            preempted: l.faults.preempted as f64,
            incidents: l.faults.incidents as f64,
            unhealthy_share: l.faults.unhealthy.mean(end_t, horizon_s),
        }
    }
}

/// One limit's metrics in one replication, with its copies'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitValues {
    /// Over all copies.
    pub metrics: LimitMetrics,
    /// Per copy of a pool (empty without a pool).
    pub copies: Vec<CopyMetrics>,
    /// Per limit of the model: losses caused here while that limit was full too.
    pub co_full: Vec<f64>,
    /// How long holds lasted: (seconds, how many), when the run records holds.
    pub holds: Vec<(f64, u64)>,
}

/// The metrics of one replication: what is kept of it once it has run (the
/// counters and histograms are dropped, so a sweep's memory does not grow
/// with its replications' sizes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicationMetrics {
    /// Per source, in model order.
    pub sources: Vec<SourceMetrics>,
    /// All sources together.
    pub total: SourceMetrics,
    /// Per limit, in model order.
    pub limits: Vec<LimitValues>,
    /// The time series (empty unless the model asks for one).
    pub series: Vec<Bucket>,
    /// Per campaign, in model order.
    pub campaigns: Vec<CampaignValues>,
    /// The hours an SLA may be judged on: one entry per clock hour of the
    /// day (busy hour), or one for a window; empty when judged over the run.
    pub hours: Vec<HourMetrics>,
    /// Each measured day's busy hour, when the SLA reads days (the busiest,
    /// or the days over target); else empty.
    pub days: Vec<HourMetrics>,
    /// First attempts per hour of the measured run that found the
    /// lost-calls-held system's capacity or more in progress (0 without one).
    #[serde(default)]
    pub held_overflow_per_h: f64,
}

/// The metrics of a set of hours of the week (a clock hour of every day,
/// or a window) in one replication, counted by when attempts arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourMetrics {
    /// `busy hour 10:00-11:00`, or the window as written.
    pub label: String,
    /// Offered load of first attempts over those hours (Erlangs).
    pub offered_load_erl: f64,
    /// First attempts per hour there that found the lost-calls-held
    /// system's capacity or more in progress ([`crate::model::Model::held_capacity`]; 0 without).
    #[serde(default)]
    pub held_overflow_per_h: f64,
    /// All inbound sources together.
    pub total: SourceMetrics,
    /// Per inbound source.
    pub sources: Vec<SourceMetrics>,
}

/// Seconds of the measured window [`start_s`, `end_s`) in each hour of the week.
fn covered_s(start_s: f64, end_s: f64) -> Vec<f64> {
    let mut covered = vec![0.0; HOURS_PER_WEEK];
    let mut k = (start_s / 3600.0).floor() as u64;
    while (k as f64) * 3600.0 < end_s {
        let (a, b) = ((k as f64 * 3600.0).max(start_s), ((k + 1) as f64 * 3600.0).min(end_s));
        covered[(k % HOURS_PER_WEEK as u64) as usize] += (b - a).max(0.0);
        k += 1;
    }
    covered
}

/// The `k` busiest of days whose busy-hour offered traffic is `offered`
/// (ITU-T E.500's reading: the days of highest busy-hour load), in order
/// of load, highest first; ties go to the earlier day. All of them when
/// there are fewer than `k`.
pub fn busiest_days(offered: &[f64], k: usize) -> Vec<usize> {
    let mut days: Vec<usize> = (0..offered.len()).collect();
    days.sort_by(|a, b| offered[*b].total_cmp(&offered[*a]).then(a.cmp(b)));
    days.truncate(k);
    days
}

/// The days of `d` whose busy hour lies wholly in the measured window
/// [`end_t` − `horizon_s`, `end_t`), in order.
fn measured_days(d: &DayCounts, end_t: f64, horizon_s: f64) -> Vec<usize> {
    let starts = |day: usize| day as f64 * 86_400.0 + d.busy_hour as f64 * 3600.0;
    (0..d.per_source.first().map_or(0, Vec::len))
        .filter(|&day| starts(day) >= end_t - horizon_s && starts(day) + 3600.0 <= end_t)
        .collect()
}

/// The busy hour of the `k` busiest measured days of `d`, pooled.
fn busiest_day_metrics(d: &DayCounts, k: u32, end_t: f64, horizon_s: f64) -> HourMetrics {
    let days = measured_days(d, end_t, horizon_s);
    let offered: Vec<f64> =
        days.iter().map(|&day| d.per_source.iter().map(|s| s[day].offered_holding_s).sum::<f64>()).collect();
    let chosen: Vec<usize> = busiest_days(&offered, k as usize).into_iter().map(|i| days[i]).collect();
    let label = format!(
        "busy hour {:02}:00-{:02}:00 of the {} busiest of {} days",
        d.busy_hour,
        d.busy_hour + 1,
        k,
        days.len()
    );
    pooled(label, &d.per_source, &chosen, chosen.len() as f64 * 3600.0, end_t)
}

/// Each measured day's busy hour in `d`, in day order (labelled `day N`,
/// 0 = the first day of the run, warm-up included).
fn each_day_metrics(d: &DayCounts, end_t: f64, horizon_s: f64) -> Vec<HourMetrics> {
    measured_days(d, end_t, horizon_s)
        .into_iter()
        .map(|day| pooled(format!("day {day}"), &d.per_source, &[day], 3600.0, end_t))
        .collect()
}

/// The metrics of buckets `picks` of each source's `buckets` pooled, over
/// `span_s` seconds of them.
fn pooled(label: String, buckets: &[Vec<Counts>], picks: &[usize], span_s: f64, end_t: f64) -> HourMetrics {
    let per_source: Vec<Counts> = buckets
        .iter()
        .map(|b| {
            let mut c = Counts::default();
            picks.iter().for_each(|&k| c.absorb(&b[k]));
            c
        })
        .collect();
    let mut total = Counts::default();
    per_source.iter().for_each(|c| total.absorb(c));
    // No bucket of the run picked: nothing offered, ratios 0.
    let span = span_s.max(f64::MIN_POSITIVE);
    HourMetrics {
        label,
        offered_load_erl: total.offered_holding_s / span,
        held_overflow_per_h: total.held_overflow as f64 / span * 3600.0,
        total: SourceMetrics::of(&total, end_t, span),
        sources: per_source.iter().map(|c| SourceMetrics::of(c, end_t, span)).collect(),
    }
}

/// The hour sets of `h`'s SLA and their metrics, for a window ending at
/// `end_t` of `horizon_s`.
fn hour_metrics(h: &HourCounts, end_t: f64, horizon_s: f64) -> Vec<HourMetrics> {
    if let Some(d) = &h.days {
        if let JudgedDays::Busiest(k) = d.judged {
            return vec![busiest_day_metrics(d, k, end_t, horizon_s)];
        }
    }
    let covered = covered_s(end_t - horizon_s, end_t);
    let groups: Vec<(String, Vec<usize>)> = match &h.over {
        SlaOver::Run => Vec::new(),
        SlaOver::BusyHour => (0..24)
            .map(|c| (format!("busy hour {c:02}:00-{:02}:00", c + 1), (0..7).map(|d| d * 24 + c).collect()))
            .collect(),
        SlaOver::Window(w) => vec![(w.label.clone(), (0..HOURS_PER_WEEK).filter(|&k| w.hours[k]).collect())],
    };
    groups
        .into_iter()
        .map(|(label, hours)| {
            let span_s: f64 = hours.iter().map(|&k| covered[k]).sum();
            pooled(label, &h.per_source, &hours, span_s, end_t)
        })
        .collect()
}

impl ReplicationMetrics {
    /// The metrics of a finished replication.
    pub fn of(r: &Replication) -> Self {
        let all_losses = r.limits.iter().map(LimitCounts::losses).sum();
        ReplicationMetrics {
            hours: r.hours.as_ref().map_or_else(Vec::new, |h| hour_metrics(h, r.end_t, r.horizon_s)),
            days: r
                .hours
                .as_ref()
                .and_then(|h| h.days.as_ref())
                .filter(|d| d.each_day)
                .map_or_else(Vec::new, |d| each_day_metrics(d, r.end_t, r.horizon_s)),
            series: r.series.clone(),
            campaigns: r.campaigns.iter().map(|c| CampaignValues::of(c, r.end_t)).collect(),
            sources: r.sources.iter().map(|c| SourceMetrics::of(c, r.end_t, r.horizon_s)).collect(),
            total: SourceMetrics::of(&r.total, r.end_t, r.horizon_s),
            held_overflow_per_h: r.total.held_overflow as f64 / r.horizon_s * 3600.0,
            limits: r
                .limits
                .iter()
                .map(|l| LimitValues {
                    holds: l.holds.as_ref().map_or_else(Vec::new, |h| {
                        h.iter_recorded()
                            .map(|v| (h.median_equivalent(v.value_iterated_to()) as f64 / 1e6, v.count_at_value()))
                            .collect()
                    }),
                    co_full: l.co_full.iter().map(|&n| n as f64).collect(),
                    metrics: LimitMetrics::of(l, r.end_t, r.horizon_s, all_losses),
                    copies: l
                        .copies
                        .iter()
                        .map(|c| CopyMetrics {
                            utilization: l.copy_utilization(c, r.end_t, r.horizon_s),
                            admitted: c.admitted as f64,
                            refused: c.refused as f64,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
