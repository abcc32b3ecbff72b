//! Levels that change at events (calls in progress, slots in use, callers
//! waiting, token use) and their integrals over time, for time averages,
//! peaks and time percentiles.

/// Tokens per minute used at `t` by `holders` calls that started at times
/// summing to `sum_start_t` (s), each using `r0_per_min` tokens per minute
/// plus `g_per_min` more per minute of its age: n·r₀ + g·Σ(t − sᵢ)/60.
/// The one formula for token use: admission, least-loaded choice and
/// statistics all call it.
#[inline(always)]
pub fn token_rate_per_min(holders: u32, sum_start_t: f64, t: f64, r0_per_min: f64, g_per_min: f64) -> f64 {
    let n = holders as f64;
    n * r0_per_min + g_per_min * (n * t - sum_start_t) / 60.0
}

/// A level and its integral over time, for time averages and peaks.
#[derive(Debug, Clone, Default)]
pub struct TimeAverage {
    /// The level now.
    pub level: u32,
    /// The highest level since the last restart.
    pub peak: u32,
    area: f64,
    last_t: f64,
}

impl TimeAverage {
    /// Moves the level by `delta` at time `now` (≥ the last change).
    #[inline]
    pub fn step(&mut self, now: f64, delta: i32) {
        self.area += self.level as f64 * (now - self.last_t);
        self.last_t = now;
        self.level = self.level.wrapping_add_signed(delta);
        self.peak = self.peak.max(self.level);
    }

    /// The integral from the last restart to `now`.
    pub fn integral(&self, now: f64) -> f64 {
        self.area + self.level as f64 * (now - self.last_t)
    }

    /// Integrates up to `end` (no later change may follow).
    pub fn close(&mut self, end: f64) {
        self.step(end, 0);
    }

    /// Adds another level closed at the same instant: the sum of two levels
    /// has the sum of their time averages (its peak is not known: the larger
    /// of the two is kept, a lower bound).
    pub fn add(&mut self, other: &TimeAverage) {
        debug_assert_eq!(self.last_t, other.last_t, "close both at the same instant first");
        self.area += other.area;
        self.level += other.level;
        self.peak = self.peak.max(other.peak);
    }

    /// Forgets the past at `now` (the end of the warm-up): the area restarts
    /// at zero and the peak at the current level.
    pub fn restart(&mut self, now: f64) {
        self.area = 0.0;
        self.last_t = now;
        self.peak = self.level;
    }

    /// The time average from the last restart to `now`, over `span_s`.
    pub fn mean(&self, now: f64, span_s: f64) -> f64 {
        self.integral(now) / span_s
    }
}

/// Time spent at each level of an integer quantity (slots in use): its
/// time average, peak and time percentiles such as the 99th-percentile
/// occupancy. The mean is Σ level × time at level, so no running area is
/// kept: one addition per change, like [`TimeAverage`].
#[derive(Debug, Clone, Default)]
pub struct LevelTime {
    /// The level now.
    pub level: u32,
    /// The highest level since the last restart.
    pub peak: u32,
    last_t: f64,
    /// Seconds spent at each level since the last restart.
    time_at: Vec<f64>,
}

impl LevelTime {
    /// Moves the level by `delta` at `now`.
    #[inline]
    pub fn step(&mut self, now: f64, delta: i32) {
        let dt = now - self.last_t;
        match self.time_at.get_mut(self.level as usize) {
            Some(t) => *t += dt,
            None => {
                self.time_at.resize(self.level as usize + 1, 0.0);
                self.time_at[self.level as usize] = dt;
            }
        }
        self.last_t = now;
        self.level = self.level.wrapping_add_signed(delta);
        self.peak = self.peak.max(self.level);
    }

    /// Forgets the past at `now`.
    pub fn restart(&mut self, now: f64) {
        self.last_t = now;
        self.peak = self.level;
        self.time_at.iter_mut().for_each(|t| *t = 0.0);
    }

    /// Time at each level from the last restart to `now`.
    fn times(&self, now: f64) -> Vec<f64> {
        let mut t = self.time_at.clone();
        if t.len() <= self.level as usize {
            t.resize(self.level as usize + 1, 0.0);
        }
        t[self.level as usize] += now - self.last_t;
        t
    }

    /// The integral from the last restart to `now`.
    pub fn integral(&self, now: f64) -> f64 {
        self.times(now).iter().enumerate().map(|(l, t)| l as f64 * t).sum::<f64>()
    }

    /// The time average from the last restart to `now`, over `span_s`.
    pub fn mean(&self, now: f64, span_s: f64) -> f64 {
        self.integral(now) / span_s
    }

    /// The time variance of the level from the last restart to `now`:
    /// Σ (level − mean)² × time at level / total time (0 over no time).
    pub fn variance(&self, now: f64) -> f64 {
        let times = self.times(now);
        let total: f64 = times.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        let mean = times.iter().enumerate().map(|(l, t)| l as f64 * t).sum::<f64>() / total;
        times.iter().enumerate().map(|(l, t)| (l as f64 - mean).powi(2) * t).sum::<f64>() / total
    }

    /// The smallest level at or below which the quantity spent a fraction
    /// `q` of the time from the last restart to `now`.
    pub fn quantile(&self, now: f64, q: f64) -> f64 {
        let times = self.times(now);
        let total: f64 = times.iter().sum();
        let mut acc = 0.0;
        for (level, t) in times.iter().enumerate() {
            acc += t;
            if acc >= q * total {
                return level as f64;
            }
        }
        (times.len() - 1) as f64
    }
}

/// Token use of the holders of a token limit ([`token_rate_per_min`]),
/// linear between events, so its integral is exact.
#[derive(Debug, Clone, Default)]
pub struct TokenUse {
    /// Calls holding the limit.
    pub holders: u32,
    /// Σ of the holders' start times (s).
    pub sum_start_t: f64,
    /// Tokens per minute of a new call.
    pub r0_per_min: f64,
    /// Growth of a call's use per minute of its age.
    pub g_per_min: f64,
    area: f64,
    last_t: f64,
    /// The highest use (tokens per minute) since the last restart.
    pub peak: f64,
}

impl TokenUse {
    /// No holders yet; each new call uses `r0_per_min` tokens per minute,
    /// growing by `g_per_min` per minute of its age.
    pub fn new(r0_per_min: f64, g_per_min: f64) -> Self {
        TokenUse { r0_per_min, g_per_min, ..Default::default() }
    }

    /// Tokens per minute in use at `t`.
    #[inline]
    pub fn rate(&self, t: f64) -> f64 {
        token_rate_per_min(self.holders, self.sum_start_t, t, self.r0_per_min, self.g_per_min)
    }

    /// Moves to `now` and adds (`delta` = 1, start `start_t`) or removes (−1) a holder.
    #[inline]
    pub fn step(&mut self, now: f64, delta: i32, start_t: f64) {
        let (a, b) = (self.rate(self.last_t), self.rate(now));
        self.area += 0.5 * (a + b) * (now - self.last_t);
        self.peak = self.peak.max(b);
        self.last_t = now;
        self.holders = self.holders.wrapping_add_signed(delta);
        self.sum_start_t += delta as f64 * start_t;
        self.peak = self.peak.max(self.rate(now));
    }

    /// Forgets the past at `now`.
    pub fn restart(&mut self, now: f64) {
        self.area = 0.0;
        self.last_t = now;
        self.peak = self.rate(now);
    }

    /// The integral of tokens per minute from the last restart to `now`.
    pub fn integral(&self, now: f64) -> f64 {
        self.area + 0.5 * (self.rate(self.last_t) + self.rate(now)) * (now - self.last_t)
    }

    /// Time-average tokens per minute from the last restart to `now`, over `span_s`.
    pub fn mean(&self, now: f64, span_s: f64) -> f64 {
        self.integral(now) / span_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_time_gives_mean_peak_and_percentiles() {
        let mut lt = LevelTime::default();
        lt.step(0.0, 2); // 2 on [0, 1)
        lt.step(1.0, 1); // 3 on [1, 3)
        lt.step(3.0, -3); // 0 on [3, 100)
        assert_eq!(lt.mean(100.0, 100.0), (2.0 + 6.0) / 100.0);
        assert_eq!(lt.peak, 3);
        assert_eq!(lt.quantile(100.0, 0.97), 0.0);
        assert_eq!(lt.quantile(100.0, 0.98), 2.0);
        assert_eq!(lt.quantile(100.0, 0.99), 3.0);
    }

    #[test]
    fn time_average_integrates_steps() {
        let mut ta = TimeAverage::default();
        ta.step(0.0, 2); // 2 on [0, 1)
        ta.step(1.0, 1); // 3 on [1, 3)
        ta.step(3.0, -3); // 0 on [3, 4)
        assert_eq!(ta.mean(4.0, 4.0), (2.0 + 6.0) / 4.0);
        assert_eq!(ta.peak, 3);
        ta.restart(4.0);
        assert_eq!(ta.mean(5.0, 1.0), 0.0);
    }

    #[test]
    fn token_use_integrates_linear_growth_exactly() {
        // One call from t = 0 using 60 tokens/min growing 60/min per minute:
        // 60 + t/60·60 = 60 + t tokens per minute; over [0, 60] the mean is 90.
        let mut u = TokenUse::new(60.0, 60.0);
        u.step(0.0, 1, 0.0);
        assert_eq!(u.rate(60.0), 120.0);
        assert!((u.mean(60.0, 60.0) - 90.0).abs() < 1e-12);
    }
}
