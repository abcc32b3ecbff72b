//! Reading one `[[limits]]` entry: what it caps and its figures, what a
//! full one does, its pool, the sources and scope it applies to, what a
//! refusal means, and what makes it change or fail during a run (read in
//! [`super::timeline`]; its routes to standby limits are resolved in
//! [`super::overflow`] once every limit is read).

use super::build::Builder;
use super::file::*;
use crate::error::Result;
use crate::model::{Kind, Limit, LimitKind, OnFull, RateAlgorithm, Scope, Select, WhenRefused};

impl Builder<'_> {
    /// Limit `l`; `requests` are the request names each source makes,
    /// `names` the sources' then the campaigns' names.
    /// The standby names of its `on_full = { overflow = NAME }` and
    /// `fallback = NAME` come back beside it, unresolved until
    /// [`super::overflow::resolve`] has every limit.
    pub(super) fn limit(
        &self,
        l: &LimitFile,
        requests: &[Vec<&str>],
        names: &[String],
    ) -> Result<(Limit, super::overflow::Routes)> {
        let key = format!("limits.{}", l.name);
        let k = |sub: &str| format!("{key}.{sub}");
        let whole = |sub: &str, v: i64, min: i64| -> Result<u32> {
            if (min..=u32::MAX as i64 / 2).contains(&v) {
                Ok(v as u32)
            } else {
                Err(self.err(&k(sub), format!("{v} is not allowed: a whole number of at least {min}")))
            }
        };
        let kind_name = l.kind.name();
        // Keys of one kind are errors on another: a typo should not pass silently.
        let foreign: [(&str, bool, Kind); 8] = [
            ("capacity", l.capacity.is_some(), Kind::Concurrency),
            ("max", l.max.is_some(), Kind::Rate),
            ("window", l.window.is_some(), Kind::Rate),
            ("algorithm", l.algorithm.is_some(), Kind::Rate),
            ("burst", l.burst.is_some(), Kind::Rate),
            ("tokens_per_minute", l.tokens_per_minute.is_some(), Kind::Tokens),
            ("tokens_per_call_minute", l.tokens_per_call_minute.is_some(), Kind::Tokens),
            ("growth_per_minute", l.growth_per_minute.is_some(), Kind::Tokens),
        ];
        if let Some((name, _, owner)) = foreign.iter().find(|(_, given, owner)| *given && *owner != l.kind) {
            let owner = owner.name();
            return Err(
                self.err(&k(name), format!("`{name}` belongs to kind = \"{owner}\", not kind = \"{kind_name}\""))
            );
        }
        let need = |name: &str| self.err(&k(name), format!("kind = \"{kind_name}\" needs `{name}`"));
        let kind = match l.kind {
            Kind::Concurrency => {
                LimitKind::Concurrency { capacity: whole("capacity", l.capacity.ok_or_else(|| need("capacity"))?, 1)? }
            }
            Kind::Rate => {
                let max = whole("max", l.max.ok_or_else(|| need("max"))?, 1)?;
                let window_s =
                    self.positive_duration(&k("window"), l.window.as_deref().ok_or_else(|| need("window"))?)?;
                let algorithm = match l.algorithm.unwrap_or(AlgorithmFile::FixedWindow) {
                    AlgorithmFile::FixedWindow => RateAlgorithm::FixedWindow,
                    AlgorithmFile::SlidingWindow => RateAlgorithm::SlidingWindow,
                    AlgorithmFile::TokenBucket => RateAlgorithm::TokenBucket,
                };
                if l.burst.is_some() && algorithm != RateAlgorithm::TokenBucket {
                    return Err(self.err(&k("burst"), "`burst` is the bucket size of algorithm = \"token_bucket\""));
                }
                let burst = whole("burst", l.burst.unwrap_or(max as i64), 1)?;
                LimitKind::Rate { max, window_s, algorithm, burst }
            }
            Kind::Tokens => {
                // Beyond 10¹⁵ tokens a minute (no provider's budget comes
                // near) a call's use over a long run overflows to infinity
                // and the token figures turn NaN.
                const MAX_TOKENS: f64 = 1e15;
                let too_many = |name: &str, x: f64| {
                    self.err(
                        &k(name),
                        format!("{} is not allowed: at most 10¹⁵ tokens per minute (larger figures overflow a long run's token arithmetic)", crate::units::number(x)),
                    )
                };
                let positive = |name: &str, v: Option<f64>| match v {
                    Some(x) if x.is_finite() && x > 0.0 && x <= MAX_TOKENS => Ok(x),
                    Some(x) if x > MAX_TOKENS => Err(too_many(name, x)),
                    Some(x) => Err(self.err(&k(name), format!("{x} must be greater than zero"))),
                    None => Err(need(name)),
                };
                let growth = l.growth_per_minute.unwrap_or(0.0);
                if !(growth.is_finite() && growth >= 0.0) {
                    return Err(self.err(&k("growth_per_minute"), format!("{growth} must be ≥ 0")));
                }
                if growth > MAX_TOKENS {
                    return Err(too_many("growth_per_minute", growth));
                }
                LimitKind::Tokens {
                    tokens_per_minute: positive("tokens_per_minute", l.tokens_per_minute)?,
                    tokens_per_call_minute: positive("tokens_per_call_minute", l.tokens_per_call_minute)?,
                    growth_per_minute: growth,
                }
            }
        };
        const ON_FULL: &str = "expected `reject`, `queue`, { queue = { timeout = \"5s\", max_waiting = 100 } } \
                               (both optional) or { overflow = \"NAME\" } (a limit with standby = true)";
        let mut overflow = None;
        let queue: Option<QueueFile> = match &l.on_full {
            None => None,
            Some(toml::Value::String(s)) if s == "reject" => None,
            Some(toml::Value::String(s)) if s == "queue" => Some(QueueFile::default()),
            Some(toml::Value::String(s)) => {
                return Err(self.err(&k("on_full"), format!("unknown variant `{s}`, {ON_FULL}")))
            }
            Some(toml::Value::Table(t)) if t.len() == 1 && t.contains_key("queue") => {
                Some(self.part(&k("on_full.queue"), &t["queue"])?)
            }
            Some(toml::Value::Table(t)) if t.len() == 1 && t.contains_key("overflow") => match &t["overflow"] {
                toml::Value::String(name) => {
                    overflow = Some(name.clone());
                    None
                }
                other => {
                    return Err(self.err(
                        &k("on_full.overflow"),
                        format!("{other} is not allowed: the name of a limit with standby = true"),
                    ))
                }
            },
            Some(other) => return Err(self.err(&k("on_full"), format!("{other} is not allowed: {ON_FULL}"))),
        };
        let on_full = match &queue {
            // Resolved to the standby's index once every limit is read.
            None if overflow.is_some() => OnFull::Overflow { to: usize::MAX },
            None => OnFull::Reject,
            Some(q) => {
                let timeout_s =
                    q.timeout.as_ref().map(|t| self.duration(&k("on_full.queue.timeout"), t)).transpose()?;
                let max_waiting = match q.max_waiting {
                    None => None,
                    Some(m) if (0..=u32::MAX as i64).contains(&m) => Some(m as u32),
                    Some(m) => {
                        return Err(self.err(&k("on_full.queue.max_waiting"), format!("{m} must be a whole number ≥ 0")))
                    }
                };
                OnFull::Queue { timeout_s, max_waiting }
            }
        };
        let pool = whole("pool", l.pool.unwrap_or(1), 1)?;
        let select = match l.select.unwrap_or(SelectFile::RoundRobin) {
            SelectFile::RoundRobin => Select::RoundRobin,
            SelectFile::StrictRoundRobin => Select::StrictRoundRobin,
            SelectFile::LeastLoaded => Select::LeastLoaded,
            SelectFile::Random => Select::Random,
            SelectFile::Sticky => Select::Sticky,
        };
        if l.standby {
            // What overflows into a standby limit decides whom it serves.
            for (key, given) in [("sources", l.sources.is_some()), ("requests", l.requests.is_some())] {
                if given {
                    return Err(self.err(
                        &k(key),
                        format!("a standby limit serves only what overflows into it from the limit whose on_full names it: `{key}` is for limits of the chain"),
                    ));
                }
            }
        }
        let limit_sources = match &l.sources {
            None => None,
            Some(listed) if listed.is_empty() => {
                return Err(self.err(
                    &k("sources"),
                    "an empty list applies the limit to nothing: name at least one source or campaign, or leave `sources` out to apply it to all",
                ))
            }
            Some(listed) => Some(
                listed
                    .iter()
                    .map(|n| {
                        names.iter().position(|s| s == n).ok_or_else(|| {
                            self.err(
                                &k("sources"),
                                format!("no source or campaign is named {n:?} (names: {})", names.join(", ")),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let scope = match l.scope {
            ScopeFile::Call => Scope::Call,
            ScopeFile::Setup => {
                let d = l.setup_time.as_ref().ok_or_else(|| {
                    self.err(&k("setup_time"), "scope = \"setup\" needs `setup_time` (a distribution)")
                })?;
                Scope::Setup { setup_time: self.dist(&k("setup_time"), d)? }
            }
            ScopeFile::Request if l.standby => Scope::Request { requests: Vec::new() },
            ScopeFile::Request => {
                let requests_named = l.requests.clone().filter(|r| !r.is_empty()).ok_or_else(|| {
                    self.err(
                        &k("requests"),
                        "scope = \"request\" needs `requests`, the names of the requests it limits",
                    )
                })?;
                let applies = |i: usize| limit_sources.as_ref().is_none_or(|v| v.contains(&i));
                for r in &requests_named {
                    let made = requests.iter().enumerate().any(|(i, made)| applies(i) && made.contains(&r.as_str()));
                    if !made {
                        return Err(self.err(
                            &k("requests"),
                            format!("no source it applies to makes a request named {r:?} (in `turns.requests`)"),
                        ));
                    }
                }
                Scope::Request { requests: requests_named }
            }
        };
        if l.setup_time.is_some() && l.scope != ScopeFile::Setup {
            return Err(self.err(&k("setup_time"), "`setup_time` is for scope = \"setup\""));
        }
        if l.requests.is_some() && l.scope != ScopeFile::Request {
            return Err(self.err(&k("requests"), "`requests` is for scope = \"request\""));
        }
        let when_refused = match l.when_refused {
            WhenRefusedFile::Busy => {
                if l.silence_patience.is_some() {
                    return Err(
                        self.err(&k("silence_patience"), "`silence_patience` is for when_refused = \"silence\"")
                    );
                }
                WhenRefused::Busy
            }
            WhenRefusedFile::Silence => {
                let d = l.silence_patience.as_ref().ok_or_else(|| {
                    self.err(
                        &k("silence_patience"),
                        "when_refused = \"silence\" needs `silence_patience` (a distribution)",
                    )
                })?;
                WhenRefused::Silence { silence_patience: self.dist(&k("silence_patience"), d)? }
            }
        };
        let schedule = self.schedule(l, kind.capacity())?;
        if l.on_drop.is_some() && l.kind == Kind::Rate {
            return Err(
                self.err(&k("on_drop"), "a rate limit holds nothing: `on_drop` is for concurrency and tokens limits")
            );
        }
        let (failure, fallback) = self.failure(l)?;
        let limit = Limit {
            name: l.name.clone(),
            kind,
            on_full,
            pool,
            select,
            sources: limit_sources,
            scope,
            when_refused,
            standby: l.standby,
            schedule,
            on_drop: super::timeline::on_drop(l),
            failure,
        };
        Ok((limit, super::overflow::Routes { overflow, fallback }))
    }
}
