//! The inputs `simcall sensitivity` varies: `KEY=±20%` arguments, the
//! traffic inputs a model file sets (found in its TOML), and a key's value
//! scaled by a factor as the file would write it (`"4m"` × 1.2 = `"4.8m"`).

use toml::{Table, Value};

/// One input to vary: a key of the model file and how far (a fraction).
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The dotted key path, as `--set` takes it (`sources.inbound.holding.mean`).
    pub key: String,
    /// What it is, in the field's words (`inbound: mean holding time`).
    pub label: String,
    /// How far it moves each way: 0.2 for ±20%.
    pub fraction: f64,
}

/// The default spread of an input: ±20%.
pub const DEFAULT_FRACTION: f64 = 0.2;

/// Reads a `--vary` argument: `KEY=±20%` (also `KEY=+-20%`, `KEY=20%`,
/// `KEY=0.2`), or a bare `KEY` (±20%).
///
/// Errors name the argument and what is allowed: a fraction above 0 and
/// below 100%.
pub fn parse_vary(arg: &str) -> Result<Vary, String> {
    let (key, spread) = match arg.split_once('=') {
        Some((k, s)) => (k.trim(), Some(s.trim())),
        None => (arg.trim(), None),
    };
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("--vary {arg}: name a dotted key of the model, such as sources.inbound.holding.mean=±20%"));
    }
    let fraction = match spread {
        None => DEFAULT_FRACTION,
        Some(s) => {
            let s = s.trim_start_matches('±').trim_start_matches("+-").trim_start_matches("+/-").trim();
            let f = match s.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
                None => s.parse::<f64>(),
            };
            match f {
                Ok(f) if f > 0.0 && f < 1.0 => f,
                _ => {
                    return Err(format!(
                        "--vary {arg}: the spread must be above 0 and below 100%, such as ±20% (or 0.2)"
                    ))
                }
            }
        }
    };
    Ok(Vary { key: key.to_string(), label: key.to_string(), fraction })
}

/// The value at a dotted key path of `doc` (a segment after an array names
/// the entry whose `name` matches, as `--set` reads it), if there is one.
pub fn get_path<'a>(doc: &'a Table, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.').peekable();
    let mut here: &Value = doc.get(segments.next()?)?;
    while let Some(seg) = segments.next() {
        here = match here {
            Value::Table(t) => t.get(seg)?,
            Value::Array(items) => {
                let entry = items.iter().find(|v| v.get("name").and_then(Value::as_str) == Some(seg))?;
                match segments.next() {
                    Some(next) => entry.get(next)?,
                    None => entry,
                }
            }
            _ => return None,
        };
    }
    Some(here)
}

/// The value `key` has in `doc`: as written, or the default of a key the
/// file may leave out and `--vary` still moves (`arrivals.scale`, 1).
pub fn base_value(doc: &Table, key: &str) -> Option<Value> {
    get_path(doc, key).cloned().or_else(|| key.ends_with("arrivals.scale").then_some(Value::Float(1.0)))
}

/// `v` scaled by `factor` as a model file would write it: a number
/// multiplied (an integer rounded, kept at least 1); a string's leading
/// number multiplied with its unit kept (`"4m"` → `"4.8m"`, `"480/h"` →
/// `"576/h"`, `"2%"` → `"2.4%"`); an array element by element.
///
/// Errors when `v` holds no number (a name, a table) or an integer would
/// not move.
pub fn scaled(v: &Value, factor: f64) -> Result<Value, String> {
    match v {
        Value::Float(x) => Ok(Value::Float(round_sig(x * factor))),
        Value::Integer(i) => {
            let n = ((*i as f64) * factor).round().max(1.0) as i64;
            if n == *i {
                Err(format!("{i} × {factor} rounds to itself: vary it further"))
            } else {
                Ok(Value::Integer(n))
            }
        }
        Value::String(s) => {
            let t = s.trim();
            let end = t.char_indices().find(|&(_, c)| !(c.is_ascii_digit() || c == '.')).map_or(t.len(), |(k, _)| k);
            let (number, unit) = t.split_at(end);
            let x: f64 = number.parse().map_err(|_| format!("{s:?} does not start with a number to scale"))?;
            Ok(Value::String(format!("{}{unit}", shown(round_sig(x * factor)))))
        }
        Value::Array(items) => items.iter().map(|x| scaled(x, factor)).collect::<Result<Vec<_>, _>>().map(Value::Array),
        other => Err(format!("{other} holds no number to scale")),
    }
}

/// `x` to 6 significant digits (so 0.8 × 1.2 prints 0.96, not 0.96000…01).
fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 6 - x.abs().log10().floor() as i32 - 1;
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// A number as text without a trailing `.0`.
fn shown(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// The traffic inputs a model file sets, in file order, each as a key
/// `--vary` takes with its label: per inbound source, the arrival rate (as
/// `arrivals.scale`, which scales every kind of rate), `burst_factor`, the
/// day-to-day and half-day cv (`overdispersion`), the holding time's mean
/// and cv, patience's mean and cv, the redial probability and delay, and
/// each turn's interval and request service time.
pub fn default_inputs(doc: &Table) -> Vec<Vary> {
    let mut out = Vec::new();
    let sources = doc.get("sources").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for s in sources {
        let Some(name) = s.get("name").and_then(Value::as_str) else { continue };
        let at = |k: &str| format!("sources.{name}.{k}");
        let mut push = |key: String, what: &str| {
            if base_value(doc, &key).is_some() {
                out.push(Vary { key, label: format!("{name}: {what}"), fraction: DEFAULT_FRACTION });
            }
        };
        let arrivals = s.get("arrivals");
        let scalable = arrivals.is_some_and(|a| a.get("trace").is_none() && a.get("population").is_none());
        if scalable {
            push(at("arrivals.scale"), "arrival rate");
        } else if arrivals.is_some_and(|a| a.get("rate_per_idle").is_some()) {
            push(at("arrivals.rate_per_idle"), "arrival rate per idle caller");
        }
        push(at("arrivals.burst_factor"), "burst factor");
        push(at("arrivals.overdispersion"), "day-to-day cv");
        push(at("arrivals.day_to_day.cv"), "day-to-day cv");
        push(at("arrivals.within_day.cv"), "half-day cv");
        for (dist, what) in [("holding", "holding time"), ("patience", "patience")] {
            push(at(&format!("{dist}.mean")), &format!("mean {what}"));
            push(at(&format!("{dist}.value")), what);
            push(at(&format!("{dist}.cv")), &format!("{what} cv"));
        }
        push(at("redial.probability"), "redial probability");
        push(at("redial.delay.mean"), "mean redial delay");
        push(at("turns.interval.mean"), "mean turn interval");
        let requests = s.get("turns").and_then(|t| t.get("requests")).and_then(Value::as_array);
        for r in requests.map_or(&[][..], Vec::as_slice) {
            if let Some(req) = r.get("name").and_then(Value::as_str) {
                push(at(&format!("turns.requests.{req}.service.mean")), &format!("{req} mean service time"));
                push(at(&format!("turns.requests.{req}.service.value")), &format!("{req} service time"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_read_as_fractions() {
        assert_eq!(parse_vary("a.b=±20%").unwrap().fraction, 0.2);
        assert_eq!(parse_vary("a.b=+-5%").unwrap().fraction, 0.05);
        assert_eq!(parse_vary("a.b=0.1").unwrap().fraction, 0.1);
        assert_eq!(parse_vary("a.b").unwrap().fraction, DEFAULT_FRACTION);
        assert!(parse_vary("a.b=±100%").is_err());
        assert!(parse_vary("a.b=0").is_err());
        assert!(parse_vary("=5%").is_err());
    }

    #[test]
    fn values_scale_as_the_file_writes_them() {
        let v = |s: &str| crate::config::overrides::parse_value(s);
        assert_eq!(scaled(&v("\"4m\""), 1.2).unwrap(), v("\"4.8m\""));
        assert_eq!(scaled(&v("\"480/h\""), 0.8).unwrap(), v("\"384/h\""));
        assert_eq!(scaled(&v("\"2%\""), 1.2).unwrap(), v("\"2.4%\""));
        assert_eq!(scaled(&v("0.8"), 1.2).unwrap(), v("0.96"));
        assert_eq!(scaled(&v("50"), 1.1).unwrap(), v("55"));
        assert_eq!(scaled(&v("[\"1/min\", \"0.5/min\"]"), 2.0).unwrap(), v("[\"2/min\", \"1/min\"]"));
        assert!(scaled(&v("2"), 1.1).is_err());
        assert!(scaled(&v("\"lognormal\""), 1.1).is_err());
    }

    #[test]
    fn default_inputs_are_the_traffic_keys_the_file_sets() {
        let doc: Table = r#"
            [[sources]]
            name = "in"
            arrivals = { rate = "10/min", day_to_day = { dist = "lognormal", cv = 0.1 } }
            holding = { dist = "lognormal", mean = "3m", cv = 0.8 }
            patience = { dist = "exponential", mean = "40s" }
            redial = { max_attempts = 3, delay = { dist = "exponential", mean = "2m" } }
            "#
        .parse()
        .unwrap();
        let keys: Vec<String> = default_inputs(&doc).into_iter().map(|v| v.key).collect();
        assert_eq!(
            keys,
            [
                "sources.in.arrivals.scale",
                "sources.in.arrivals.day_to_day.cv",
                "sources.in.holding.mean",
                "sources.in.holding.cv",
                "sources.in.patience.mean",
                "sources.in.redial.delay.mean",
            ]
        );
        assert_eq!(get_path(&doc, "sources.in.holding.cv"), Some(&Value::Float(0.8)));
        assert_eq!(get_path(&doc, "sources.out.holding.cv"), None);
    }
}
