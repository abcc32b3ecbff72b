//! The CSV inputs a model names, read from text already in memory
//! ([`super::Inputs`]) into serde row structs: one behaviour for headers
//! (names trimmed, extra columns ignored, a missing column named) and for
//! line numbers in errors (the file's own line, header = line 1).

use crate::units::parse_duration_s;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::path::Path;

/// Every row of `text` as `T`, with its line number. `columns` lists what
/// the header must have, one set of alternatives per entry; the first
/// missing one is named in the error.
///
/// Errors name the file and the line of a row that does not parse.
pub(super) fn rows<T: DeserializeOwned>(text: &str, path: &Path, columns: &[&[&str]]) -> Result<Vec<(u64, T)>, String> {
    let shown = path.display();
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| format!("{shown}: {e}"))?.clone();
    for alternatives in columns {
        if !alternatives.iter().any(|c| headers.iter().any(|h| h == *c)) {
            let named: Vec<String> = alternatives.iter().map(|c| format!("`{c}`")).collect();
            return Err(format!("{shown}: needs a column {}", named.join(" or ")));
        }
    }
    rdr.deserialize::<T>()
        .enumerate()
        .map(|(i, row)| {
            let line = i as u64 + 2;
            row.map(|r| (line, r)).map_err(|e| {
                let line = e.position().map_or(line, |p| p.line());
                format!("{shown} line {line}: {e}")
            })
        })
        .collect()
}

/// One row of a profile: `at`, `rate`.
#[derive(Debug, Deserialize)]
pub(super) struct AtRateRow {
    pub(super) at: String,
    pub(super) rate: String,
}

/// One lead: a `utc_offset` or a `time_zone`.
#[derive(Debug, Deserialize)]
pub(super) struct LeadRow {
    #[serde(default)]
    pub(super) utc_offset: Option<String>,
    #[serde(default)]
    pub(super) time_zone: Option<String>,
}

/// One duration: `duration_s` (seconds) or `duration` (with units).
#[derive(Debug, Deserialize)]
struct DurationRow {
    #[serde(default)]
    duration_s: Option<String>,
    #[serde(default)]
    duration: Option<String>,
}

/// Durations (s) from a CSV with a column `duration_s` (seconds) or
/// `duration` (durations with units), or of one column of either.
///
/// Errors name the file and the line of a value that is not a duration.
pub(super) fn durations(text: &str, path: &Path) -> Result<Vec<f64>, String> {
    let shown = path.display();
    // A file of one column, whatever its header, is read as `duration`.
    let one_column = text.lines().next().is_some_and(|h| !h.contains(','));
    let header = text.lines().next().unwrap_or("").trim();
    let text: std::borrow::Cow<str> = if one_column && header != "duration_s" && header != "duration" {
        let body = text.split_once('\n').map_or("", |(_, b)| b);
        format!("duration\n{body}").into()
    } else {
        text.into()
    };
    let rows: Vec<(u64, DurationRow)> = rows(&text, path, &[&["duration_s", "duration"]])?;
    rows.into_iter()
        .map(|(line, r)| match (r.duration_s, r.duration) {
            (Some(s), _) => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{shown} line {line}: {s:?} is not a number of seconds ≥ 0")),
            (None, Some(d)) => parse_duration_s(&d).map_err(|e| format!("{shown} line {line}: {e}")),
            (None, None) => Err(format!("{shown} line {line}: no duration")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_carry_their_line_and_missing_columns_are_named() {
        let p = Path::new("x.csv");
        let r: Vec<(u64, AtRateRow)> = rows("at, rate\n09:00,1/min\n10:00, 2/min\n", p, &[&["at"], &["rate"]]).unwrap();
        assert_eq!((r[1].0, r[1].1.rate.as_str()), (3, "2/min"));
        let e = rows::<AtRateRow>("at\n09:00\n", p, &[&["at"], &["rate"]]).unwrap_err();
        assert!(e.contains("needs a column `rate`"), "{e}");
    }

    #[test]
    fn durations_in_seconds_or_with_units_or_one_bare_column() {
        let p = Path::new("d.csv");
        assert_eq!(durations("duration_s\n1.5\n2\n", p).unwrap(), vec![1.5, 2.0]);
        assert_eq!(durations("id,duration\n1,3m\n", p).unwrap(), vec![180.0]);
        assert_eq!(durations("hold\n3m\n", p).unwrap(), vec![180.0]);
        assert!(durations("duration_s\n-1\n", p).unwrap_err().contains("line 2"));
    }
}
