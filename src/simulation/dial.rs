//! Outbound campaigns at run time: the dialer's pacing (how many dials in
//! flight, the abandonment budget, pauses after refusals, which cap holds it
//! back) and the life of a dial (through the dial-stage limits, placement
//! and outcome, the agent stage within `abandon_after`). The lead book
//! itself, which lead may be dialed when, is [`crate::dialer`].

use super::copy::KindRt;
use super::runtime::{sampler, SourceRt, Streams};
use super::{Caller, DialState, Event, Phase, Sim, NONE};
use crate::arrivals::ArrivalProcess;
use crate::dialer::{LeadBook, Pacing};
use crate::model::{Backoff, Model, Outcome, Retry, Sampler, Scope};
use crate::record::{campaign::DialRecord, CampaignCounts};
use rand::Rng;

/// How long a dialer pauses after a dial is refused, if no dial ends first (s).
const BLOCKED_PAUSE_S: f64 = 1.0;

/// A campaign at run time: its leads, pacing state, samplers and counts.
pub(super) struct DialerRt {
    book: LeadBook,
    /// Its index in `Sim::sources`.
    source: u32,
    max_concurrent: u32,
    /// Cumulative probabilities of answer, busy, no answer, voicemail.
    outcome_cdf: [f64; 4],
    /// The outcome drawn when `u` ≥ the last cumulative probability (rounding).
    last_outcome: usize,
    holding: [Sampler; 4],
    ring: Sampler,
    abandon_after_s: f64,
    max_abandonment: f64,
    in_flight: u32,
    /// Dials connected to an agent and still talking.
    connected: u32,
    /// After a refusal: no dialing before this time (or another dial's end).
    paused_until: f64,
    paused_by: u32,
    /// Time of the earliest wake-up pending.
    pub(super) wake_t: f64,
    /// A dial ended: the dialer should look for leads.
    pub(super) due: bool,
    /// What holds the dialer back, since when.
    cause: Pacing,
    cause_t: f64,
    pub(super) counts: CampaignCounts,
    log: Option<(Vec<DialRecord>, Vec<u32>)>,
}

impl DialerRt {
    /// Counts `lead`'s outcome at `now` and files it in the lead book; the
    /// campaign is complete when its last lead is finished.
    fn file(&mut self, lead: u32, outcome: Outcome, now: f64) {
        self.counts.outcomes.add(outcome);
        if self.book.file_outcome(lead, outcome, now) && self.book.open == 0 {
            self.counts.completed_s = Some(now);
        }
    }

    /// Whether `excess` dials beyond the idle agents may be in flight: even
    /// if all of them were answered and abandoned, abandoned / answered
    /// would stay within the cap: X + e ≤ cap · (A + e), with X abandoned and
    /// A answered so far. A worst-case budget, so the cap holds for certain
    /// (unless other traffic takes the agents meanwhile).
    fn may_overdial(&self, excess: u32) -> bool {
        let o = &self.counts.outcomes;
        let abandoned = o.abandoned as f64;
        let answered = o.answer as f64 + abandoned;
        let e = excess as f64;
        self.max_abandonment >= 1.0 || abandoned + e <= self.max_abandonment * (answered + e) + 1e-9
    }

    /// Books the time from the last pacing change to `end_t` and the leads
    /// finished, at the end of the run.
    pub(super) fn close(&mut self, end_t: f64) {
        self.cause.book(&mut self.counts, end_t - self.cause_t.min(end_t));
        self.counts.in_flight.close(end_t);
        self.counts.leads_finished = self.counts.leads - self.book.open as u64;
    }

    /// What the campaign recorded: its counts and its dial log (empty unless asked for).
    pub(super) fn into_records(self) -> (CampaignCounts, Vec<DialRecord>) {
        (self.counts, self.log.map(|l| l.0).unwrap_or_default())
    }
}

/// The runtime of campaign `j` of `model`: its callers' source (index
/// `index` in `Sim::sources`: its dial-stage limits, then its agent limits)
/// and its dialer, with streams from `(seed, point, replication)`.
pub(super) fn campaign_rt(
    model: &Model,
    j: usize,
    index: usize,
    streams: (u64, u64, u64),
    log_dials: bool,
) -> (SourceRt, DialerRt) {
    let (seed, point, rep) = streams;
    let c = &model.campaigns[j];
    let end_t = model.run.warmup_s + model.run.horizon_s;
    let mut chain: Vec<u32> = (0..model.limits.len())
        .filter(|&l| {
            let lim = &model.limits[l];
            lim.applies_to(index) && !matches!(lim.scope, Scope::Request { .. }) && !c.agent_limits.contains(&l)
        })
        .map(|l| l as u32)
        .collect();
    let place_at = chain.len() as u32;
    chain.extend(c.agent_limits.iter().map(|&l| l as u32));
    let source = SourceRt {
        process: ArrivalProcess::Dialer,
        active: 0,
        holding: Sampler::Const(0.0),
        patience: None,
        redial: None,
        chain,
        turn_interval: None,
        requests: Vec::new(),
        latency_budget_s: 0.0,
        retry: Retry { max_attempts: 1, backoff: Backoff::Constant, base_s: 0.0, jitter: 0.0 },
        rng: Streams::new(seed, point, rep, index),
        campaign: Some(j as u32),
        place_at,
    };
    let mut cdf = [0.0; 4];
    let mut acc = 0.0;
    for (k, (p, _)) in c.outcomes.iter().enumerate() {
        acc += p;
        cdf[k] = acc;
    }
    let leads = c.lead_zones.len();
    let dialer = DialerRt {
        book: LeadBook::new(c),
        source: index as u32,
        max_concurrent: c.max_concurrent,
        outcome_cdf: cdf,
        last_outcome: c.outcomes.iter().rposition(|o| o.0 > 0.0).unwrap_or(0),
        holding: std::array::from_fn(|k| sampler(&c.outcomes[k].1)),
        ring: sampler(&c.ring_time),
        abandon_after_s: c.abandon_after_s,
        max_abandonment: c.max_abandonment,
        in_flight: 0,
        connected: 0,
        paused_until: 0.0,
        paused_by: 0,
        wake_t: f64::INFINITY,
        due: false,
        cause: Pacing::Window,
        cause_t: c.start_s,
        counts: CampaignCounts::new(leads as u64, c.start_s, end_t, model.limits.len()),
        log: log_dials.then(|| (Vec::new(), vec![NONE; leads])),
    };
    (source, dialer)
}

impl Sim {
    /// Dials leads of campaign `j` while nothing holds the dialer back, and
    /// books the time until now under the cause that held it back before.
    #[cold]
    #[inline(never)]
    pub(super) fn pump(&mut self, j: usize) {
        let now = self.now;
        if now < self.dialers[j].counts.start_s {
            return; // its start wake-up is pending
        }
        let cause = loop {
            let d = &self.dialers[j];
            if d.in_flight >= d.max_concurrent {
                break self.congested_limit(j).map_or(Pacing::MaxConcurrent, Pacing::Limit);
            }
            if now < d.paused_until {
                let (t, l) = (d.paused_until, d.paused_by);
                self.wake(j, t);
                break Pacing::Limit(l);
            }
            let (pending, idle) = (d.in_flight - d.connected, self.idle_agents(j));
            if pending >= idle && !d.may_overdial(pending + 1 - idle) {
                // Dial ends wake the dialer; with none in flight (agents busy
                // with other traffic), look again in a second.
                if d.in_flight == 0 {
                    self.wake(j, now + BLOCKED_PAUSE_S);
                }
                // Dials queued at a dial-stage limit count in the budget (they
                // will ring): if some are, that limit is what holds them.
                break self.congested_limit(j).map_or(Pacing::AbandonmentCap, Pacing::Limit);
            }
            let d = &mut self.dialers[j];
            match d.book.next_lead(now) {
                Some(lead) => self.dial(j, lead),
                None => {
                    let cause = if !d.book.has_waiting() {
                        Pacing::Done
                    } else if d.book.any_window_open(now) {
                        Pacing::RetrySchedule
                    } else {
                        Pacing::Window
                    };
                    if let Some(t) = d.book.next_eligible(now) {
                        self.wake(j, t);
                    }
                    break cause;
                }
            }
        };
        let d = &mut self.dialers[j];
        let dt = now - d.cause_t;
        d.cause.book(&mut d.counts, dt);
        d.cause = cause;
        d.cause_t = now;
    }

    /// Schedules a wake-up of dialer `j` at `t` unless an earlier one is pending.
    pub(super) fn wake(&mut self, j: usize, t: f64) {
        // Callers pass times after `now` (see `LeadBook::eligible_from`);
        // the floor only keeps a broken invariant from spinning the dialer
        // at one instant.
        let t = t.max(self.now + 1e-6);
        let d = &mut self.dialers[j];
        if t < d.wake_t {
            d.wake_t = t;
            self.events.push(t, Event::DialerWake { campaign: j as u32 });
        }
    }

    /// The dial-stage limit where the most callers wait, if any wait.
    pub(super) fn congested_limit(&self, j: usize) -> Option<u32> {
        let s = &self.sources[self.dialers[j].source as usize];
        s.chain[..s.place_at as usize]
            .iter()
            .map(|&l| (l, self.limits[l as usize].copies.iter().map(|c| c.live_waiting).sum::<u32>()))
            .filter(|&(_, w)| w > 0)
            .fold(None, |best: Option<(u32, u32)>, x| if best.is_some_and(|b| b.1 >= x.1) { best } else { Some(x) })
            .map(|(l, _)| l)
    }

    /// Agents free for campaign `j`: the fewest free, not-waited-for slots
    /// over its concurrency agent limits (`u32::MAX` without any).
    pub(super) fn idle_agents(&self, j: usize) -> u32 {
        let s = &self.sources[self.dialers[j].source as usize];
        s.chain[s.place_at as usize..]
            .iter()
            .filter_map(|&l| match self.limits[l as usize].kind {
                KindRt::Concurrency { capacity } => Some(
                    self.limits[l as usize]
                        .copies
                        .iter()
                        .map(|c| capacity.saturating_sub(c.holders + c.live_waiting))
                        .sum::<u32>(),
                ),
                _ => None,
            })
            .min()
            .unwrap_or(u32::MAX)
    }

    /// Starts a dial of `lead` for campaign `j`: it passes the dial-stage limits.
    pub(super) fn dial(&mut self, j: usize, lead: u32) {
        let now = self.now;
        let d = &mut self.dialers[j];
        d.in_flight += 1;
        d.counts.in_flight.step(now, 1);
        let source = d.source;
        self.sources[source as usize].active += 1;
        // Campaign figures have their own counts: the caller counters stay out.
        let id = self.new_caller(Caller { lead, dial: DialState::NotPlaced, ..Caller::new(source, 0.0, now, false) });
        self.start_attempt(id);
    }

    /// Dial `id` holds its dial-stage limits: place it (if its lead may
    /// still be dialed) and draw its outcome. Returns whether it goes on to
    /// the agent stage at once (an answer with no ring time).
    #[cold]
    #[inline(never)]
    pub(super) fn place_dial(&mut self, id: u32) -> bool {
        let now = self.now;
        let c = self.callers[id as usize];
        let j = self.sources[c.source as usize].campaign.expect("only a campaign's dials are placed") as usize;
        let d = &mut self.dialers[j];
        if !d.book.may_dial(c.lead, now) {
            // Its window closed (or its day's cap filled) while it waited.
            d.counts.dials_cancelled += 1;
            self.callers[id as usize].dial = DialState::Cancelled;
            self.end_attempt(id);
            self.retire(id);
            return false;
        }
        d.book.record_attempt(c.lead, now);
        let attempt = d.book.attempts(c.lead);
        d.counts.leads_dialed += (attempt == 1) as u64;
        d.counts.dials += 1;
        CampaignCounts::count_hour(&mut d.counts.dials_by_hour, now);
        let rng = &mut self.sources[c.source as usize].rng;
        let u: f64 = rng.outcomes.random();
        let o = d.outcome_cdf.iter().position(|&p| u < p).unwrap_or(d.last_outcome);
        let holding_s = d.holding[o].sample(&mut rng.holding);
        let utc_offset_s = d.book.offset_s(c.lead);
        if let Some((log, last)) = &mut d.log {
            last[c.lead as usize] = log.len() as u32;
            log.push(DialRecord { lead: c.lead, attempt, placed_s: now, utc_offset_s, outcome: Outcome::ALL[o] });
        }
        let ring_s = if o == Outcome::Answer as usize { Some(d.ring.sample(&mut rng.holding)) } else { None };
        let caller = &mut self.callers[id as usize];
        caller.dial = DialState::Placed(Outcome::ALL[o]);
        caller.holding_s = holding_s;
        caller.phase = Phase::Placed;
        let serial = caller.serial;
        match ring_s {
            None => self.events.push(now + holding_s, Event::Hangup { caller: id, serial }),
            Some(ring_s) if ring_s > 0.0 => {
                self.events.push(now + ring_s, Event::DialAnswered { caller: id, serial });
            }
            Some(_) => {
                self.start_agent_stage(id);
                return true;
            }
        }
        false
    }

    /// A dial's ring time is over: the callee picks up.
    #[cold]
    #[inline(never)]
    pub(super) fn on_dial_answered(&mut self, id: u32, serial: u32) {
        if self.callers[id as usize].serial == serial {
            self.start_agent_stage(id);
            self.advance(id);
        }
    }

    /// The callee picked up: the dial must reach an agent within `abandon_after`.
    pub(super) fn start_agent_stage(&mut self, id: u32) {
        let c = &mut self.callers[id as usize];
        let j = self.sources[c.source as usize].campaign.expect("a campaign's dial") as usize;
        c.phase = Phase::Chain;
        c.attempt_t = self.now;
        c.patience_end_t = self.now + self.dialers[j].abandon_after_s;
    }

    /// Dial `id` of campaign `j` is connected to an agent: its lead is reached.
    #[cold]
    #[inline(never)]
    pub(super) fn on_connected(&mut self, j: usize, id: u32) {
        let now = self.now;
        let lead = self.callers[id as usize].lead;
        let d = &mut self.dialers[j];
        d.connected += 1;
        d.counts.leads_reached += 1;
        CampaignCounts::count_hour(&mut d.counts.reached_by_hour, now);
        d.file(lead, Outcome::Answer, now);
    }

    /// Dial `id` of campaign `j` was refused at limit `l`: before placement
    /// it is blocked (the dialer pauses); after the answer it is abandoned.
    #[cold]
    #[inline(never)]
    pub(super) fn refuse_dial(&mut self, j: usize, id: u32, l: u32, left_queue: bool) {
        let c = self.callers[id as usize];
        if c.counted {
            self.count_refusal_at(l, left_queue);
        }
        let d = &mut self.dialers[j];
        if c.dial == DialState::NotPlaced {
            d.counts.dials_blocked += 1;
            d.paused_until = self.now + BLOCKED_PAUSE_S;
            d.paused_by = l;
            self.callers[id as usize].dial = DialState::Blocked;
        } else {
            self.callers[id as usize].dial = DialState::Placed(Outcome::Abandoned);
            if let Some((log, last)) = &mut d.log {
                log[last[c.lead as usize] as usize].outcome = Outcome::Abandoned;
            }
        }
        self.end_attempt(id);
        self.retire(id);
    }

    /// Dial `id` is over (its slots are released): file its lead's outcome
    /// and let the dialer look for the next lead.
    #[cold]
    #[inline(never)]
    pub(super) fn dial_ended(&mut self, id: u32) {
        let now = self.now;
        let c = self.callers[id as usize];
        let j = self.sources[c.source as usize].campaign.expect("a campaign's dial") as usize;
        let d = &mut self.dialers[j];
        d.in_flight -= 1;
        d.counts.in_flight.step(now, -1);
        match c.dial {
            DialState::NotADial => unreachable!("only dials end as dials"),
            DialState::NotPlaced | DialState::Blocked | DialState::Cancelled => d.book.put_back(c.lead, now),
            DialState::Placed(outcome) => {
                d.paused_until = 0.0; // a dial ended: room may have come free
                if outcome == Outcome::Answer {
                    d.connected -= 1; // its lead was filed when it connected
                } else {
                    d.file(c.lead, outcome, now);
                }
            }
        }
        d.due = true;
        self.pump_due = true;
    }
}
