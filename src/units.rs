//! Quantities with units, as written in model files: durations (`"250ms"`,
//! `"3m"`, `"1h30m"`), rates (`"12/min"`) and offered loads (`"45 erl"`).
//!
//! Every parser returns the value in SI base units (seconds, per second,
//! Erlangs) or a message saying what is allowed; callers add the file and key.

/// Seconds in a day: simulated time 0 is Monday 00:00, so day k starts at k·DAY_S.
pub const DAY_S: f64 = 86_400.0;
/// Weekday names as written in model files and outputs, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The index (Monday 0) of a weekday written as "mon" or "monday", in any
/// case; `None` for anything else ("monkey" is not a day).
pub fn weekday_index(text: &str) -> Option<usize> {
    const FULL: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let t = text.trim().to_ascii_lowercase();
    (0..7).find(|&i| t == WEEKDAYS[i] || t == FULL[i])
}

/// What a duration may look like, for error messages.
pub const DURATION_HELP: &str = "a duration with units such as \"250ms\", \"5s\", \"3m\", \"1h30m\", \"24h\", \"2d\"";
/// What a rate may look like, for error messages: exactly the units
/// [`parse_rate_per_s`] accepts.
pub const RATE_HELP: &str = "a rate \"N/unit\" with unit s, min, h or day (also sec, second, seconds, minute, \
                             minutes, hr, hour, hours, d, days), such as \"12/min\"";
/// What an offered load may look like, for error messages.
pub const LOAD_HELP: &str = "an offered load in Erlangs such as \"45 erl\"";

/// Parses a duration into seconds (≥ 0).
///
/// Accepts humantime's syntax (`"250ms"`, `"5s"`, `"3m"`, `"1h30m"`, `"1d"`)
/// and, for convenience, decimal seconds/minutes/hours such as `"0.5s"` or
/// `"2.5m"`. Errors when the text is not one of those.
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let t = text.trim();
    // humantime reads "M", "month" and "y" as months and years, which have
    // no fixed length (and "3M" is more often a mistyped "3m").
    let words = t.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty());
    if let Some(w) = words.into_iter().find(|w| ["M", "month", "months", "y", "year", "years"].contains(w)) {
        return Err(format!(
            "{text:?}: `{w}` (months, years) has no fixed length: write {DURATION_HELP}, or weeks such as \"4w\""
        ));
    }
    if t.parse::<f64>().is_ok() {
        return Err(format!("{text:?} has no unit: write {DURATION_HELP}"));
    }
    if let Ok(d) = humantime::parse_duration(t) {
        return Ok(d.as_secs_f64());
    }
    // humantime has no decimals: accept "<decimal><unit>" for the common units.
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "ms" => 1e-3,
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" | "day" => 86400.0,
        _ => return Err(format!("{text:?} is not {DURATION_HELP}")),
    };
    match num.parse::<f64>() {
        // Finite after scaling: 10³⁰⁶ hours is a number but not a duration.
        Ok(v) if v >= 0.0 && (v * scale).is_finite() => Ok(v * scale),
        _ => Err(format!("{text:?} is not {DURATION_HELP}")),
    }
}

/// Parses a rate `"N/unit"` into events per second (> 0).
///
/// Units: `s`/`sec`/`second(s)`, `min`/`minute(s)`, `h`/`hr`/`hour(s)`,
/// `d`/`day(s)` ([`RATE_HELP`]). Errors on other units (`m` is refused as
/// ambiguous), on a non-number and on a rate that is not strictly positive.
pub fn parse_rate_per_s(text: &str) -> Result<f64, String> {
    let Some((num, unit)) = text.split_once('/') else {
        return Err(format!("{text:?} is not {RATE_HELP}"));
    };
    let per = match unit.trim() {
        "s" | "sec" | "second" | "seconds" => 1.0,
        "min" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        _ => return Err(format!("{text:?} is not {RATE_HELP}")),
    };
    let n: f64 = num.trim().parse().map_err(|_| format!("{text:?} is not {RATE_HELP}"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("{text:?}: the rate must be greater than zero"));
    }
    Ok(n / per)
}

/// Parses an offered load `"45 erl"` (also `"45erl"`, `"45 E"`) into Erlangs (> 0).
pub fn parse_load_erl(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let num = lower
        .strip_suffix("erl")
        .or_else(|| lower.strip_suffix('e'))
        .ok_or_else(|| format!("{text:?} is not {LOAD_HELP}"))?;
    let n: f64 = num.trim().parse().map_err(|_| format!("{text:?} is not {LOAD_HELP}"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("{text:?}: the offered load must be greater than zero"));
    }
    Ok(n)
}

/// A clock label for a time in seconds since Monday 00:00, e.g. "tue 09:35"
/// (weeks wrap; a negative time is in the week before).
pub fn clock_label(t_s: f64) -> String {
    let minutes = (t_s / 60.0).floor() as i64;
    let (day, minute) = (minutes.div_euclid(1440).rem_euclid(7) as usize, minutes.rem_euclid(1440));
    format!("{} {:02}:{:02}", WEEKDAYS[day], minute / 60, minute % 60)
}

/// [`clock_label`] with the seconds, e.g. "tue 09:35:07".
pub fn clock_label_s(t_s: f64) -> String {
    format!("{}:{:02}", clock_label(t_s), (t_s.floor() as i64).rem_euclid(60))
}

/// A number as a person reads it: plain, or in e-notation when very large
/// or small.
pub fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e9 || x.abs() < 1e-4) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// `v` with `digits` significant digits, trailing zeros trimmed: 0.0125
/// → "0.0125", 2.50 → "2.5", 1234.5 at 3 digits → "1235" (never fewer
/// than the integer digits).
pub fn significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (digits - 1 - v.abs().log10().floor() as i32).clamp(0, 15) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A probability as a percentage with up to 3 significant digits, trailing
/// zeros dropped: 0.01 → "1%", 0.0125 → "1.25%".
pub fn percent(p: f64) -> String {
    format!("{}%", significant(100.0 * p, 3))
}

/// `v` rounded to a whole number with thousands separators: "78,248", "-350".
pub fn thousands(v: f64) -> String {
    let digits = (v.abs().round() as u64).to_string();
    let mut out = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v <= -0.5 {
        format!("-{out}")
    } else {
        out
    }
}

/// Dollars with thousands separators: "$78,248", "-$350".
pub fn money(usd: f64) -> String {
    match thousands(usd).strip_prefix('-') {
        Some(abs) => format!("-${abs}"),
        None => format!("${}", thousands(usd)),
    }
}

/// An axis tick as a person reads it: thousands separated, whole numbers
/// without decimals ("1,200", "30"), others with up to 3 significant
/// digits ("0.25", "2.5").
pub fn tick(v: f64) -> String {
    if v.is_finite() && (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        thousands(v)
    } else {
        significant(v, 3)
    }
}

/// A difference in dollars with its sign: "+$350", "-$12", "+$0".
pub fn signed_money(usd: f64) -> String {
    if usd < -0.5 {
        money(usd)
    } else {
        format!("+{}", money(usd))
    }
}

/// Bytes as a person reads them: "730 MB", "2.4 GB".
pub fn bytes_text(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else {
        format!("{:.0} MB", (b / 1e6).ceil())
    }
}

/// Seconds as a person reads them: "40 s", "12 min", "3.5 h", "2.1 days".
pub fn duration_text(s: f64) -> String {
    if s < 120.0 {
        format!("{:.0} s", s.max(1.0))
    } else if s < 7200.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

/// `"mon 09:30"`, `"09:30"` or `"09:30:15"`: (seconds into the period
/// (a week from Monday 00:00, or a day), has a weekday).
///
/// Errors on an unknown weekday or a clock time outside 00:00–23:59:59.
pub fn parse_at(text: &str) -> std::result::Result<(f64, bool), String> {
    let bad = || format!("{text:?} is not a time such as \"09:30\" or \"mon 09:30\"");
    let t = text.trim().to_ascii_lowercase();
    let (day, clock) = match t.split_once(' ') {
        Some((d, c)) => (Some(crate::units::weekday_index(d).ok_or_else(bad)?), c.trim()),
        None => (None, t.as_str()),
    };
    let parts: Vec<f64> =
        clock.split(':').map(|p| p.parse::<f64>().map_err(|_| bad())).collect::<std::result::Result<_, _>>()?;
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (*h, *m, 0.0),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(bad()),
    };
    if !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) || !(0.0..60.0).contains(&s) {
        return Err(bad());
    }
    Ok((day.unwrap_or(0) as f64 * DAY_S + h * 3600.0 + m * 60.0 + s, day.is_some()))
}

/// Checks that `width_s` is an interval counts can be kept in: whole
/// minutes from 1 to 60 that divide a day (5 min, 15 min, 30 min, 1 h).
///
/// Errors, naming `flag`, otherwise.
pub fn check_interval_s(flag: &str, width_s: f64) -> Result<(), String> {
    let per_day = DAY_S / width_s;
    if (60.0..=3600.0).contains(&width_s) && (per_day - per_day.round()).abs() <= 1e-9 {
        Ok(())
    } else {
        Err(format!(
            "{flag} {} s: use whole minutes from 1 to 60 that divide a day (5min, 15min, 30min, 1h)",
            number(width_s)
        ))
    }
}

/// A certification's relative width from the command line: `2%` or
/// `0.02`, from 0.1% to 50% (as a plan's `capacity_tolerance`).
///
/// Errors say what is allowed.
pub fn parse_tolerance(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(v) if (0.001..=0.5).contains(&v) => Ok(v),
        _ => Err(format!("{text:?}: a relative width from 0.1% to 50%, such as 2%")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_and_week() {
        assert_eq!(parse_at("09:30").unwrap(), (9.0 * 3600.0 + 1800.0, false));
        assert_eq!(parse_at("tue 00:00:30").unwrap(), (86_400.0 + 30.0, true));
        assert!(parse_at("25:00").is_err());
        assert!(parse_at("someday 09:00").is_err());
    }

    #[test]
    fn ticks_are_plain_numbers() {
        assert_eq!(tick(1200.0), "1,200");
        assert_eq!(tick(30.0), "30");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(-40.0), "-40");
        assert_eq!(tick(0.0), "0");
    }

    #[test]
    fn dollars_have_thousands_separators() {
        assert_eq!(money(78_248.4), "$78,248");
        assert_eq!(money(959.0), "$959");
        assert_eq!(money(1_000_000.0), "$1,000,000");
        assert_eq!(money(-350.0), "-$350");
    }

    #[test]
    fn percentages_keep_three_digits() {
        assert_eq!(percent(0.01), "1%");
        assert_eq!(percent(0.0125), "1.25%");
        assert_eq!(percent(0.12345), "12.3%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn unit_traps_are_refused_with_what_to_write() {
        for months in ["3M", "1month", "2 months", "1y", "1year"] {
            let e = parse_duration_s(months).unwrap_err();
            assert!(e.contains("no fixed length"), "{months}: {e}");
        }
        assert!(parse_duration_s("180").unwrap_err().contains("no unit"));
        assert_eq!(parse_duration_s("3m").unwrap(), 180.0);
        assert_eq!(parse_duration_s("2w").unwrap(), 14.0 * 86_400.0);
        for (text, per_s) in [("10/second", 10.0), ("60/minutes", 1.0), ("3600/hr", 1.0), ("86400/days", 1.0)] {
            assert_eq!(parse_rate_per_s(text).unwrap(), per_s, "{text}");
        }
        let e = parse_rate_per_s("10/m").unwrap_err();
        assert!(e.contains("unit s, min, h or day") && e.contains("minutes"), "{e}");
    }

    #[test]
    fn clock_labels_wrap_weeks() {
        assert_eq!(clock_label(86_400.0 + 9.0 * 3600.0 + 35.0 * 60.0), "tue 09:35");
        assert_eq!(clock_label_s(86_400.0 + 9.0 * 3600.0 + 35.0 * 60.0 + 7.9), "tue 09:35:07");
        assert_eq!(clock_label_s(-3600.0), "sun 23:00:00");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_s("250ms").unwrap(), 0.25);
        assert_eq!(parse_duration_s("3m").unwrap(), 180.0);
        assert_eq!(parse_duration_s("1h30m").unwrap(), 5400.0);
        assert_eq!(parse_duration_s("1d").unwrap(), 86400.0);
        assert_eq!(parse_duration_s("0.5s").unwrap(), 0.5);
        assert_eq!(parse_duration_s("2.5m").unwrap(), 150.0);
        assert!(parse_duration_s("5").is_err());
        assert!(parse_duration_s("5 parsecs").is_err());
    }

    #[test]
    fn rates_and_loads() {
        assert_eq!(parse_rate_per_s("12/min").unwrap(), 0.2);
        assert_eq!(parse_rate_per_s("3600/h").unwrap(), 1.0);
        assert!(parse_rate_per_s("0/min").is_err());
        assert!(parse_rate_per_s("-1/s").is_err());
        assert!(parse_rate_per_s("12/fortnight").is_err());
        assert_eq!(parse_load_erl("45 erl").unwrap(), 45.0);
        assert!(parse_load_erl("45").is_err());
        assert!(parse_load_erl("0 erl").is_err());
    }

    #[test]
    fn a_number_that_overflows_its_unit_is_not_a_duration() {
        // Found by `cargo fuzz run units`: 300 digits of hours parsed as infinity.
        let text = format!("{}h", "6".repeat(306));
        assert!(parse_duration_s(&text).is_err());
        assert!(parse_duration_s(&format!("{}d", "9".repeat(305))).is_err());
    }

    proptest::proptest! {
        /// Every duration, rate and load written as simcall writes numbers
        /// (Rust's shortest round-trip decimal, never e-notation) reads back
        /// as that value times its unit's scale: rates and loads exactly,
        /// durations to the nanosecond (humantime's resolution).
        #[test]
        fn written_quantities_read_back(x in 0.0f64..1e7, whole in 0u64..1_000_000_000) {
            for (unit, scale) in [("s", 1.0), ("m", 60.0), ("h", 3600.0), ("ms", 1e-3), ("d", 86400.0)] {
                let (got, want) = (parse_duration_s(&format!("{x}{unit}")).unwrap(), x * scale);
                proptest::prop_assert!((got - want).abs() <= 1e-9 + 1e-15 * want, "{}{}: {} vs {}", x, unit, got, want);
            }
            proptest::prop_assert_eq!(parse_duration_s(&format!("{whole}s")), Ok(whole as f64));
            if x > 0.0 {
                for (unit, per) in [("s", 1.0), ("min", 60.0), ("hour", 3600.0), ("day", 86400.0)] {
                    proptest::prop_assert_eq!(parse_rate_per_s(&format!("{x}/{unit}")), Ok(x / per));
                }
                proptest::prop_assert_eq!(parse_load_erl(&format!("{x} erl")), Ok(x));
            }
        }

        /// Whatever the text, the parsers return a value or a message: never
        /// a panic, never a non-finite or negative value.
        #[test]
        fn any_text_parses_to_a_finite_value_or_an_error(text in "\\PC{0,24}") {
            for v in [parse_duration_s(&text), parse_rate_per_s(&text), parse_load_erl(&text)].into_iter().flatten() {
                proptest::prop_assert!(v.is_finite() && v >= 0.0, "{:?} gave {}", text, v);
            }
            let _ = weekday_index(&text);
        }
    }
}
