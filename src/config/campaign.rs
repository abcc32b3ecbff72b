//! Checking a `[[campaigns]]` entry: the lead list and its time zones, the
//! dialing window in the lead's local time, pacing, outcomes, the retry
//! schedule and the abandonment cap.
//!
//! Defaults follow US outbound rules and published dialer conventions:
//! calls only 08:00–21:00 in the callee's local time (47 CFR 64.1200(c)(1));
//! abandoned calls (no agent within 2 s of the answer) at most 3% of answered
//! calls per campaign (47 CFR 64.1200(a)(7)); busy retried after 30 min,
//! no-answer after 4 h, voicemail after a day, at most 6 attempts per lead
//! and 2 a day.

use super::build::Builder;
use super::csv_input::{rows, LeadRow};
use super::file::{CampaignFile, LeadsFile, OutcomeFile};
use crate::error::Result;
use crate::model::{Campaign, Dist, Limit, Outcome, RunSpec, Scope, Window};
use crate::units::parse_at;
use crate::units::DAY_S;
use chrono::{NaiveDate, Offset, TimeZone};
use std::collections::HashMap;
use std::sync::Arc;

/// Parses a UTC offset such as `"-05:00"`, `"+5:30"`, `"-5"` or `"UTC-5"` into
/// seconds (east positive); errors outside ±14 h.
pub fn parse_utc_offset_s(text: &str) -> std::result::Result<f64, String> {
    let bad = || format!("{text:?} is not a UTC offset such as \"-05:00\", \"+01:00\" or \"-5\" (hours, ±14 at most)");
    let t = text.trim();
    let t = t.strip_prefix("UTC").or_else(|| t.strip_prefix("utc")).unwrap_or(t);
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?),
        None => (rest.parse::<u32>().map_err(|_| bad())?, 0),
    };
    let s = sign * (h as f64 * 3600.0 + m as f64 * 60.0);
    if m >= 60 || s.abs() > 14.0 * 3600.0 {
        return Err(bad());
    }
    Ok(s)
}

/// The UTC offset (s) of the IANA time zone `name` (e.g. "America/Chicago")
/// at `instant_s` of simulated time, simulated Monday 00:00 UTC being
/// `week_of`. Errors on an unknown name or without `week_of`.
pub fn zone_offset_s(name: &str, week_of: Option<NaiveDate>, instant_s: f64) -> std::result::Result<f64, String> {
    let tz: chrono_tz::Tz = name
        .trim()
        .parse()
        .map_err(|_| format!("{name:?} is not a time zone of the IANA database (\"America/Chicago\")"))?;
    let monday = week_of.ok_or_else(|| {
        format!(
            "the time zone {name:?} needs [run] week_of (the date of simulated Monday 00:00 UTC, such as \"2026-11-23\") \
             to know its daylight-saving offset; or give utc_offset"
        )
    })?;
    let at = monday.and_hms_opt(0, 0, 0).expect("midnight exists")
        + chrono::Duration::milliseconds((instant_s * 1000.0).round() as i64);
    Ok(tz.offset_from_utc_datetime(&at).fix().local_minus_utc() as f64)
}

/// A lead's UTC offset (s) from its `utc_offset` or its `time_zone` text.
type OffsetOf<'a> = dyn Fn(Option<&str>, Option<&str>) -> std::result::Result<f64, String> + 'a;

impl Builder<'_> {
    /// Checks campaign `c` of a model whose run is `run`.
    ///
    /// Errors on a lead list that is empty or unreadable (with the line), on
    /// an unknown time zone (or a zone name without `run.week_of`), on
    /// probabilities that do not sum to 1, on unknown agent limits, and on a
    /// window that never opens before the run ends.
    pub(super) fn campaign(&self, c: &CampaignFile, limits: &[Limit], run: &RunSpec) -> Result<Campaign> {
        let key = format!("campaigns.{}", c.name);
        let k = |sub: &str| format!("{key}.{sub}");
        let end_s = run.warmup_s + run.horizon_s;
        let start_s = match &c.start {
            None => 0.0,
            Some(t) => parse_at(t).map_err(|e| self.err(&k("start"), e))?.0,
        };
        // A zone name takes its offset at the campaign's start (a
        // daylight-saving change during the run is not followed).
        let offset_of = |utc_offset: Option<&str>, time_zone: Option<&str>| match (utc_offset, time_zone) {
            (Some(o), None) => parse_utc_offset_s(o),
            (None, Some(z)) => zone_offset_s(z, run.week_of, start_s),
            _ => Err("give exactly one of `utc_offset` (\"-05:00\") or `time_zone` (\"America/New_York\")".into()),
        };
        let (zone_offsets_s, lead_zones) = match (&c.leads, &c.time_zones) {
            (LeadsFile::Count(n), zones) => {
                if !(1..=100_000_000).contains(n) {
                    return Err(self.err(&k("leads"), format!("{n} is not allowed: 1 to 100000000 leads")));
                }
                let zones = match zones {
                    None => vec![(0.0, 1.0)],
                    Some(z) if z.is_empty() => return Err(self.err(&k("time_zones"), "needs at least one entry")),
                    Some(z) => z
                        .iter()
                        .map(|tz| {
                            let off = offset_of(tz.utc_offset.as_deref(), tz.time_zone.as_deref())
                                .map_err(|e| self.err(&k("time_zones"), e))?;
                            if !(tz.share.is_finite() && tz.share > 0.0) {
                                return Err(self.err(&k("time_zones"), format!("share {} must be > 0", tz.share)));
                            }
                            Ok((off, tz.share))
                        })
                        .collect::<Result<Vec<_>>>()?,
                };
                let total: f64 = zones.iter().map(|z| z.1).sum();
                if (total - 1.0).abs() > 1e-6 {
                    return Err(self.err(&k("time_zones"), format!("the shares sum to {total}, not 1")));
                }
                let shares: Vec<f64> = zones.iter().map(|z| z.1).collect();
                (zones.iter().map(|z| z.0).collect(), interleave(&shares, *n as usize))
            }
            (LeadsFile::File(f), None) => self.leads_csv(&k("leads"), f, &offset_of)?,
            (LeadsFile::File(_), Some(_)) => {
                return Err(self.err(&k("time_zones"), "a lead CSV gives each lead's `utc_offset`: drop `time_zones`"))
            }
        };
        let w = c.window.as_ref();
        let clock = |sub: &str, v: Option<&String>, default: f64| -> Result<f64> {
            match v {
                None => Ok(default),
                Some(t) if t.trim() == "24:00" => Ok(DAY_S),
                // Whole seconds, like UTC offsets: the dialer's local ↔ UTC
                // conversions of window edges are then exact.
                Some(t) => match parse_at(t) {
                    Ok((s, false)) if s.fract() == 0.0 => Ok(s),
                    _ => {
                        Err(self.err(&k(sub), format!("{t:?} is not a time of day in whole seconds such as \"08:00\"")))
                    }
                },
            }
        };
        let window_start = clock("window.start", w.and_then(|w| w.start.as_ref()), 8.0 * 3600.0)?;
        let window_end = clock("window.end", w.and_then(|w| w.end.as_ref()), 21.0 * 3600.0)?;
        let mut days = [true; 7];
        if let Some(list) = w.and_then(|w| w.days.as_ref()) {
            days = [false; 7];
            for d in list {
                let i = crate::units::weekday_index(d).ok_or_else(|| {
                    self.err(&k("window.days"), format!("{d:?} is not a weekday (mon, tue, wed, thu, fri, sat, sun)"))
                })?;
                days[i] = true;
            }
        }
        let window = Window { start_s: window_start, end_s: window_end, days };
        if window_start >= window_end || !days.contains(&true) {
            return Err(self.err(
                &k("window"),
                format!(
                    "the dialing window never opens: {} (start must be before end on the same day, and `days` \
                     must name at least one weekday)",
                    window.describe()
                ),
            ));
        }
        let mut used = vec![false; zone_offsets_s.len()];
        for &z in lead_zones.iter() {
            used[z as usize] = true;
        }
        let opens_in_run = zone_offsets_s
            .iter()
            .zip(&used)
            .any(|(off, &u)| u && window.next_open(start_s + off).is_some_and(|local| local - off < end_s));
        if !opens_in_run {
            return Err(self.err(
                &k("window"),
                format!(
                    "the dialing window ({}) never opens for any lead between the campaign start ({:.1} h) and \
                     the end of the run ({:.1} h): lengthen run.horizon, move `start` or widen the window",
                    window.describe(),
                    start_s / 3600.0,
                    end_s / 3600.0
                ),
            ));
        }
        let max_concurrent = match c.max_concurrent {
            n @ 1..=1_000_000 => n as u32,
            n => return Err(self.err(&k("max_concurrent"), format!("{n} is not allowed: 1 to 1000000 dials"))),
        };
        let o = &c.outcomes;
        let mut outcomes: [(f64, Dist); 4] = std::array::from_fn(|_| (0.0, Dist::Deterministic { value_s: 0.0 }));
        let mut ring_time = Dist::Deterministic { value_s: 0.0 };
        for (i, entry) in [&o.answer, &o.busy, &o.no_answer, &o.voicemail].into_iter().enumerate() {
            let name = Outcome::ALL[i].name();
            let Some(OutcomeFile { probability, holding, ring_time: ring }) = entry else { continue };
            let ok = k(&format!("outcomes.{name}"));
            if !(0.0..=1.0).contains(probability) {
                return Err(self.err(&format!("{ok}.probability"), format!("{probability} is not between 0 and 1")));
            }
            outcomes[i] = (*probability, self.dist(&format!("{ok}.holding"), holding)?);
            match (ring, Outcome::ALL[i]) {
                (None, _) => {}
                (Some(r), Outcome::Answer) => ring_time = self.dist(&format!("{ok}.ring_time"), r)?,
                (Some(_), _) => {
                    return Err(self.err(
                        &format!("{ok}.ring_time"),
                        "`ring_time` is for `answer` (other outcomes' `holding` covers their ringing)",
                    ))
                }
            }
        }
        let total: f64 = outcomes.iter().map(|o| o.0).sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(self.err(
                &k("outcomes"),
                format!("the probabilities of answer, busy, no_answer and voicemail sum to {total}, not 1"),
            ));
        }
        let r = c.retry.as_ref();
        let delay = |name: &str, v: Option<&String>, default: Option<f64>| -> Result<Option<f64>> {
            match v.map(|s| s.trim()) {
                None => Ok(default),
                Some("never") => Ok(None),
                Some(t) => self.duration(&k(&format!("retry.{name}")), t).map(Some),
            }
        };
        let retry_after_s = [
            None, // a lead reached is done
            delay("busy", r.and_then(|r| r.busy.as_ref()), Some(1800.0))?,
            delay("no_answer", r.and_then(|r| r.no_answer.as_ref()), Some(4.0 * 3600.0))?,
            delay("voicemail", r.and_then(|r| r.voicemail.as_ref()), Some(DAY_S))?,
            delay("abandoned", r.and_then(|r| r.abandoned.as_ref()), Some(4.0 * 3600.0))?,
        ];
        let whole = |sub: &str, v: Option<i64>, default: u32| match v {
            None => Ok(default),
            Some(n @ 1..=250) => Ok(n as u32),
            Some(n) => Err(self.err(&k(sub), format!("{n} is not allowed: 1 to 250"))),
        };
        let max_attempts = whole("retry.max_attempts", r.and_then(|r| r.max_attempts), 6)?;
        let max_per_day = whole("retry.max_per_day", r.and_then(|r| r.max_per_day), 2)?;
        let agent_limits = c
            .agent_limits
            .iter()
            .map(|n| {
                let i = limits.iter().position(|l| &l.name == n).ok_or_else(|| {
                    let all: Vec<&str> = limits.iter().map(|l| l.name.as_str()).collect();
                    self.err(&k("agent_limits"), format!("no limit is named {n:?} (limits: {})", all.join(", ")))
                })?;
                if limits[i].scope != Scope::Call {
                    return Err(self.err(&k("agent_limits"), format!("{n:?} must have scope = \"call\"")));
                }
                // The dialer counts idle agents at its agent limits themselves.
                if limits[i].standby || limits[i].overflow_to().is_some() {
                    return Err(self.err(
                        &k("agent_limits"),
                        format!("{n:?} overflows or is a standby limit: agent limits are counted for pacing and cannot overflow"),
                    ));
                }
                Ok(i)
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(&l) = agent_limits.iter().enumerate().find(|(j, l)| agent_limits[..*j].contains(l)).map(|(_, l)| l)
        {
            return Err(self.err(
                &k("agent_limits"),
                format!("{:?} is listed twice: a dial holds each agent limit once", limits[l].name),
            ));
        }
        let abandon_after_s = match &c.abandon_after {
            None => 2.0,
            Some(t) => self.duration(&k("abandon_after"), t)?,
        };
        let max_abandonment = c.max_abandonment.unwrap_or(0.03);
        if !(0.0..=1.0).contains(&max_abandonment) {
            return Err(self.err(&k("max_abandonment"), format!("{max_abandonment} is not between 0 and 1")));
        }
        Ok(Campaign {
            name: c.name.clone(),
            zone_offsets_s,
            lead_zones,
            start_s,
            window,
            max_concurrent,
            outcomes,
            ring_time,
            retry_after_s,
            max_attempts,
            max_per_day,
            agent_limits,
            abandon_after_s,
            max_abandonment,
        })
    }

    /// A lead list: a CSV with a `utc_offset` or a `time_zone` column (other
    /// columns are ignored); the leads are dialed in file order.
    fn leads_csv(&self, key: &str, file: &str, offset_of: &OffsetOf) -> Result<(Vec<f64>, Arc<[u16]>)> {
        let path = self.relative(file);
        let shown = path.display();
        let text = self.input(&path).map_err(|e| self.err(key, e))?;
        let rows: Vec<(u64, LeadRow)> =
            rows(&text, &path, &[&["utc_offset", "time_zone"]]).map_err(|e| self.err(key, e))?;
        let (mut offsets, mut zones) = (Vec::<f64>::new(), Vec::new());
        // Leads share a few zones: look each name up once.
        let mut known: HashMap<String, f64> = HashMap::new();
        for (line, lead) in rows {
            let (cell, named) = match (lead.utc_offset, lead.time_zone) {
                (Some(o), None) => (o, false),
                (None, Some(z)) => (z, true),
                _ => {
                    return Err(self.err(
                        key,
                        format!(
                            "{shown}: needs one column `utc_offset` (such as \"-05:00\") or `time_zone` (such as \
                             \"America/New_York\"), not both"
                        ),
                    ))
                }
            };
            let off = match known.get(&cell) {
                Some(&off) => off,
                None => {
                    let off = if named { offset_of(None, Some(&cell)) } else { offset_of(Some(&cell), None) }
                        .map_err(|e| self.err(key, format!("{shown} line {line}: {e}")))?;
                    known.insert(cell, off);
                    off
                }
            };
            let z = match offsets.iter().position(|&o| o == off) {
                Some(z) => z,
                None => {
                    offsets.push(off);
                    offsets.len() - 1
                }
            };
            zones.push(z as u16);
        }
        if zones.is_empty() {
            return Err(self.err(key, format!("{shown} has no leads")));
        }
        Ok((offsets, Arc::from(zones)))
    }
}

/// Zones for `n` leads with the given shares, interleaved so that every
/// prefix of the list has close to the shares (each lead goes to the zone
/// furthest below its share so far), as a mixed real list would.
fn interleave(shares: &[f64], n: usize) -> Arc<[u16]> {
    let mut given = vec![0usize; shares.len()];
    (0..n)
        .map(|i| {
            let deficit = |z: usize| shares[z] * (i + 1) as f64 - given[z] as f64;
            let z = (0..shares.len()).fold(0, |b, z| if deficit(z) > deficit(b) { z } else { b });
            given[z] += 1;
            z as u16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start_h: f64, end_h: f64, days: [bool; 7]) -> Window {
        Window { start_s: start_h * 3600.0, end_s: end_h * 3600.0, days }
    }

    #[test]
    fn window_opens_and_closes_on_local_days() {
        let w = window(8.0, 21.0, [true, true, true, true, true, false, false]);
        assert!(!w.is_open(7.99 * 3600.0));
        assert!(w.is_open(8.0 * 3600.0));
        assert!(!w.is_open(21.0 * 3600.0));
        assert!(!w.is_open(5.0 * DAY_S + 10.0 * 3600.0)); // saturday
        assert!(!w.is_open(-DAY_S + 10.0 * 3600.0)); // the sunday before week 0
        assert_eq!(w.next_open(0.0), Some(8.0 * 3600.0));
        assert_eq!(w.next_open(9.0 * 3600.0), Some(9.0 * 3600.0));
        assert_eq!(w.next_open(4.0 * DAY_S + 21.0 * 3600.0), Some(7.0 * DAY_S + 8.0 * 3600.0)); // fri → mon
        assert_eq!(w.next_open(-3600.0), Some(8.0 * 3600.0));
        assert_eq!(window(8.0, 21.0, [false; 7]).next_open(0.0), None);
    }

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset_s("-05:00"), Ok(-5.0 * 3600.0));
        assert_eq!(parse_utc_offset_s("+5:30"), Ok(5.5 * 3600.0));
        assert_eq!(parse_utc_offset_s("UTC-8"), Ok(-8.0 * 3600.0));
        assert_eq!(parse_utc_offset_s("0"), Ok(0.0));
        assert!(parse_utc_offset_s("-15:00").is_err());
        assert!(parse_utc_offset_s("EST").is_err());
    }

    #[test]
    fn zone_names_take_their_offset_on_the_campaign_week() {
        let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        let h = 3600.0;
        assert_eq!(zone_offset_s("America/New_York", date("2026-11-23"), 13.0 * h), Ok(-5.0 * h));
        assert_eq!(zone_offset_s("America/New_York", date("2026-07-06"), 13.0 * h), Ok(-4.0 * h));
        assert_eq!(zone_offset_s("Asia/Kolkata", date("2026-11-23"), 0.0), Ok(5.5 * h));
        assert!(zone_offset_s("America/Gotham", date("2026-11-23"), 0.0).unwrap_err().contains("IANA"));
        assert!(zone_offset_s("America/Chicago", None, 0.0).unwrap_err().contains("week_of"));
    }

    #[test]
    fn interleaved_zones_keep_their_shares_in_every_prefix() {
        let z = interleave(&[0.5, 0.3, 0.2], 1000);
        for n in [10, 100, 1000] {
            let count = |k: u16| z[..n].iter().filter(|&&x| x == k).count() as f64;
            assert!((count(0) - 0.5 * n as f64).abs() <= 1.0);
            assert!((count(2) - 0.2 * n as f64).abs() <= 1.0);
        }
    }
}
