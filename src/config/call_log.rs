//! Reading what call centres export, row by row so a log of millions of
//! calls never sits in memory as text: call records (a start, a duration,
//! optionally a source; other CDR layouts name their columns) and interval
//! counts (`start,count` per 5, 15 or 30 minutes).
//!
//! Starts are seconds from Monday 00:00, a time such as "mon 09:30:00", or
//! ISO 8601 timestamps, taken in their own local time (the clock a call
//! centre's profile follows) from the Monday 00:00 of the earliest row's
//! week, so day `⌊start / 24 h⌋ mod 7` is the weekday (0 = Monday).

use crate::model::{CallLog, CallRecord, LoggedOutcome};
use crate::units::parse_at;
use std::io::Read;
use std::path::Path;

const WEEK_S: f64 = 7.0 * crate::units::DAY_S;

/// The columns of a call log: the standard layout is `start`, `duration`
/// and (optional) `source`; other CDR layouts name theirs.
#[derive(Debug, Clone)]
pub struct CallColumns {
    /// When the call started: seconds from Monday 00:00, `"mon 09:30:00"`,
    /// or an ISO 8601 timestamp (`2026-11-23T09:30:00Z`, `…+01:00`).
    pub start: String,
    /// How long it lasted: seconds, or a duration with units.
    pub duration: String,
    /// Which source it belongs to (optional column).
    pub source: String,
}

impl Default for CallColumns {
    fn default() -> Self {
        CallColumns { start: "start".into(), duration: "duration".into(), source: "source".into() }
    }
}

/// Reads a call log in the standard layout ([`read_call_log_with`]).
///
/// Errors name the file and, for a row that does not parse, its line.
pub fn read_call_log(path: &Path) -> std::result::Result<Vec<CallRecord>, String> {
    read_call_log_with(path, &CallColumns::default())
}

/// Reads a call log: CSV with a start, a duration and optionally a source
/// column (named by `columns`), streamed from the file. Returns the calls
/// sorted by start.
///
/// Errors name the file and, for a row that does not parse, its line; a
/// log mixing ISO timestamps with other starts, or spanning more than 10
/// years, is refused.
pub fn read_call_log_with(path: &Path, columns: &CallColumns) -> std::result::Result<Vec<CallRecord>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    calls_from(std::io::BufReader::new(file), path, columns)
}

/// [`read_call_log_with`] from text already read.
pub(super) fn call_log(text: &str, path: &Path, columns: &CallColumns) -> std::result::Result<Vec<CallRecord>, String> {
    calls_from(text.as_bytes(), path, columns)
}

fn calls_from(r: impl Read, path: &Path, columns: &CallColumns) -> std::result::Result<Vec<CallRecord>, String> {
    let mut calls = Vec::new();
    let shift = each_row(r, path, &columns.start, &[&columns.duration], &[&columns.source], |start_s, values| {
        let duration_s = duration(values.required[0], path, values.line, &columns.duration)?;
        let source = values.optional[0].filter(|s| !s.is_empty()).map(str::to_string);
        calls.push(CallRecord { start_s, duration_s, source });
        Ok(())
    })?;
    for c in &mut calls {
        c.start_s -= shift;
    }
    calls.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    within_ten_years(calls.first().map(|c| c.start_s), calls.last().map(|c| c.start_s), path, &columns.start)?;
    Ok(calls)
}

/// The optional columns of a call log with outcomes: a column the file
/// does not have is not read.
#[derive(Debug, Clone)]
pub struct OutcomeColumns {
    /// What became of the call: `answered`, `abandoned` or `blocked`.
    pub outcome: String,
    /// How long the caller waited before an answer or hanging up (s or with units).
    pub wait: String,
    /// Talk time of an answered call (s or with units).
    pub talk: String,
    /// Who called (any text; the same caller, the same text).
    pub caller: String,
}

impl Default for OutcomeColumns {
    fn default() -> Self {
        OutcomeColumns { outcome: "outcome".into(), wait: "wait".into(), talk: "talk".into(), caller: "caller".into() }
    }
}

/// A call log's calls for fitting ([`CallLog`]), streamed from the file;
/// `source` keeps that source's rows only.
///
/// Errors as [`read_call_log_with`], and name the line of an outcome that
/// is not one of the words above, or of a wait or talk time that is not a
/// duration.
pub fn read_call_log_for_fit(
    path: &Path,
    columns: &CallColumns,
    outcomes: &OutcomeColumns,
    source: Option<&str>,
) -> std::result::Result<CallLog, String> {
    use std::hash::{Hash, Hasher};
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header = header_of(path)?;
    let has = |c: &str| header.iter().any(|h| h == c);
    let mut log = CallLog {
        outcomes: has(&outcomes.outcome).then(Vec::new),
        waits_s: has(&outcomes.wait).then(Vec::new),
        talks_s: has(&outcomes.talk).then(Vec::new),
        callers: has(&outcomes.caller).then(Vec::new),
        ..CallLog::default()
    };
    let optional = [&columns.source, &outcomes.outcome, &outcomes.wait, &outcomes.talk, &outcomes.caller];
    let shift = each_row(
        std::io::BufReader::new(file),
        path,
        &columns.start,
        &[&columns.duration],
        &optional.map(String::as_str),
        |start_s, values| {
            if source.is_some_and(|s| values.optional[0] != Some(s)) {
                return Ok(());
            }
            let line = values.line;
            log.starts_s.push(start_s);
            log.durations_s.push(duration(values.required[0], path, line, &columns.duration)?);
            if let Some(v) = &mut log.outcomes {
                let text = values.optional[1].unwrap_or("").trim().to_ascii_lowercase();
                v.push(match text.as_str() {
                    "answered" | "completed" | "carried" => LoggedOutcome::Answered,
                    "abandoned" | "abandon" => LoggedOutcome::Abandoned,
                    "blocked" | "busy" | "rejected" => LoggedOutcome::Blocked,
                    _ => {
                        return Err(format!(
                            "{} line {line}: {}: {text:?} is not an outcome: answered, abandoned or blocked",
                            path.display(),
                            outcomes.outcome
                        ))
                    }
                });
            }
            if let Some(v) = &mut log.waits_s {
                v.push(duration(values.optional[2].unwrap_or(""), path, line, &outcomes.wait)? as f32);
            }
            if let Some(v) = &mut log.talks_s {
                let text = values.optional[3].unwrap_or("");
                v.push(if text.is_empty() { f32::NAN } else { duration(text, path, line, &outcomes.talk)? as f32 });
            }
            if let Some(v) = &mut log.callers {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                values.optional[4].unwrap_or("").hash(&mut h);
                v.push(h.finish());
            }
            Ok(())
        },
    )?;
    // Sort every column by start (stable: rows of one start keep their order).
    let mut order: Vec<u32> = (0..log.starts_s.len() as u32).collect();
    order.sort_by(|a, b| log.starts_s[*a as usize].total_cmp(&log.starts_s[*b as usize]));
    fn permute<T: Copy>(v: &mut Vec<T>, order: &[u32]) {
        *v = order.iter().map(|&i| v[i as usize]).collect();
    }
    permute(&mut log.starts_s, &order);
    permute(&mut log.durations_s, &order);
    log.starts_s.iter_mut().for_each(|t| *t -= shift);
    if shift != 0.0 {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 5).expect("a date");
        log.monday = epoch.checked_add_days(chrono::Days::new((shift / 86_400.0).round() as u64));
    }
    if let Some(v) = &mut log.outcomes {
        permute(v, &order);
    }
    if let Some(v) = &mut log.waits_s {
        permute(v, &order);
    }
    if let Some(v) = &mut log.talks_s {
        permute(v, &order);
    }
    if let Some(v) = &mut log.callers {
        permute(v, &order);
    }
    within_ten_years(log.starts_s.first().copied(), log.starts_s.last().copied(), path, &columns.start)?;
    Ok(log)
}

/// Interval counts: rows `start,count` (calls offered in the interval that
/// starts there), sorted by start; `count_column` names the count.
///
/// Errors name the file and line of a start that does not parse or a count
/// that is not a whole number ≥ 0.
pub fn read_interval_counts(
    path: &Path,
    start_column: &str,
    count_column: &str,
) -> std::result::Result<Vec<(f64, f64)>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut rows = Vec::new();
    let shift =
        each_row(std::io::BufReader::new(file), path, start_column, &[count_column], &[], |start_s, values| {
            let count = values.required[0]
                .parse::<f64>()
                .ok()
                .filter(|c| c.is_finite() && *c >= 0.0 && c.fract() == 0.0 && *c < 1e12)
                .ok_or_else(|| {
                    format!(
                        "{} line {}: {count_column}: {:?} is not a number of calls (a whole number ≥ 0)",
                        path.display(),
                        values.line,
                        values.required[0]
                    )
                })?;
            rows.push((start_s, count));
            Ok(())
        })?;
    for r in &mut rows {
        r.0 -= shift;
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    within_ten_years(rows.first().map(|r| r.0), rows.last().map(|r| r.0), path, start_column)?;
    Ok(rows)
}

/// The column names of a CSV file's header (to tell a call log from interval counts).
///
/// Errors when the file cannot be read or has no header.
pub fn header_of(path: &Path) -> std::result::Result<Vec<String>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(std::io::BufReader::new(file));
    let h = rdr.headers().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(h.iter().map(str::to_string).collect())
}

/// One row's values: the required columns by index, the optional ones
/// (`None` when the file has no such column), and the row's line.
struct Values<'a> {
    required: Vec<&'a str>,
    optional: Vec<Option<&'a str>>,
    line: u64,
}

/// Calls `row` with each row's start (s, before the shift) and values;
/// returns the shift to subtract from every start: 0 for starts in seconds
/// or weekday times, else the earliest ISO start's Monday 00:00 (as seconds
/// from Monday 1970-01-05, the epoch's first Monday).
fn each_row(
    r: impl Read,
    path: &Path,
    start_column: &str,
    required: &[&str],
    optional: &[&str],
    mut row: impl FnMut(f64, &Values) -> std::result::Result<(), String>,
) -> std::result::Result<f64, String> {
    let shown = path.display();
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(r);
    let headers = rdr.headers().map_err(|e| format!("{shown}: {e}"))?.clone();
    let index = |name: &str| headers.iter().position(|h| h == name);
    let start_at = index(start_column).ok_or_else(|| format!("{shown}: needs a column `{start_column}`"))?;
    let required_at = required
        .iter()
        .map(|c| index(c).ok_or_else(|| format!("{shown}: needs a column `{c}`")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let optional_at: Vec<Option<usize>> = optional.iter().map(|c| index(c)).collect();
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 5).expect("a date").and_time(chrono::NaiveTime::MIN);
    let mut iso: Option<bool> = None;
    let mut earliest = f64::INFINITY;
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(String::new(), |p| format!(" line {}", p.line()));
                return Err(format!("{shown}{line}: {e}"));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let text = record.get(start_at).unwrap_or("");
        let (start, is_iso) = match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => (v, false),
            _ => match iso_start(text) {
                Some(t) => ((t - epoch).num_milliseconds() as f64 / 1000.0, true),
                None => (
                    parse_at(text).map(|(t, _)| t).map_err(|e| {
                        format!("{shown} line {line}: {start_column}: {e}, or seconds ≥ 0, or an ISO 8601 timestamp")
                    })?,
                    false,
                ),
            },
        };
        if *iso.get_or_insert(is_iso) != is_iso {
            return Err(format!("{shown} line {line}: mixes ISO timestamps with other start times: use one form"));
        }
        earliest = earliest.min(start);
        let values = Values {
            required: required_at.iter().map(|&i| record.get(i).unwrap_or("")).collect(),
            optional: optional_at.iter().map(|i| i.and_then(|i| record.get(i))).collect(),
            line,
        };
        row(start, &values)?;
    }
    Ok(if iso == Some(true) { (earliest / WEEK_S).floor() * WEEK_S } else { 0.0 })
}

/// A duration cell: seconds, or a duration with units, within the bounds.
fn duration(text: &str, path: &Path, line: u64, column: &str) -> std::result::Result<f64, String> {
    let shown = path.display();
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => crate::units::parse_duration_s(text)
            .map_err(|e| format!("{shown} line {line}: {column}: {e}, or seconds ≥ 0")),
    }
    .and_then(|v| super::bounds::duration(v, text).map_err(|e| format!("{shown} line {line}: {column}: {e}")))
}

/// The profile and concurrency walk the log's span: it must be a span of
/// calls, not of typos.
fn within_ten_years(
    first: Option<f64>,
    last: Option<f64>,
    path: &Path,
    column: &str,
) -> std::result::Result<(), String> {
    if let (Some(first), Some(last)) = (first, last) {
        if last - first > super::bounds::MAX_DURATION_S || last > 1e12 {
            return Err(format!(
                "{}: {column}: the rows span from {} s to {} s: a log covers at most 10 years (and starts count from 0 or are ISO 8601 timestamps)",
                path.display(),
                crate::units::number(first),
                crate::units::number(last)
            ));
        }
    }
    Ok(())
}

/// A start written as an ISO 8601 timestamp: its local date and time.
fn iso_start(text: &str) -> Option<chrono::NaiveDateTime> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_local());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_timestamps_count_from_the_first_weeks_monday_in_local_time() {
        let log = "when,secs,queue\n2026-11-25T09:30:00+01:00,60,a\n2026-11-24T23:00:00Z,30,b\n";
        let cols = CallColumns { start: "when".into(), duration: "secs".into(), source: "queue".into() };
        let calls = call_log(log, Path::new("cdr.csv"), &cols).unwrap();
        // 2026-11-23 is a Monday: Tuesday 23:00 and Wednesday 09:30, local.
        assert_eq!(calls[0].start_s, 86_400.0 + 23.0 * 3600.0);
        assert_eq!(calls[1].start_s, 2.0 * 86_400.0 + 9.5 * 3600.0);
        assert_eq!(calls[1].source.as_deref(), Some("a"));
        let e =
            call_log("start,duration\n2026-11-25T09:30:00Z,1\n600,1\n", Path::new("x.csv"), &CallColumns::default());
        assert!(e.unwrap_err().contains("line 3: mixes"));
        let e = call_log("begin,duration\n1,1\n", Path::new("x.csv"), &CallColumns::default()).unwrap_err();
        assert!(e.contains("needs a column `start`"), "{e}");
        let e = call_log("start,duration\n1,1\n2,soon\n", Path::new("x.csv"), &CallColumns::default()).unwrap_err();
        assert!(e.starts_with("x.csv line 3: duration:"), "{e}");
    }
}
