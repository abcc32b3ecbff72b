//! A call log with outcomes, as `simcall fit` reads it: plain data, column
//! by column.

/// What became of a logged call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoggedOutcome {
    /// Answered (`answered`, `completed`, `carried`).
    Answered,
    /// The caller hung up waiting (`abandoned`, `abandon`).
    Abandoned,
    /// Refused without waiting (`blocked`, `busy`, `rejected`).
    Blocked,
}

/// A call log for fitting, column by column and sorted by start: starts
/// and durations (16 bytes a call), and whichever outcome columns the file
/// has (`None` when it has not).
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    /// Starts (s from the log's Monday 00:00).
    pub starts_s: Vec<f64>,
    /// Durations (s).
    pub durations_s: Vec<f64>,
    /// What became of each call.
    pub outcomes: Option<Vec<LoggedOutcome>>,
    /// Each call's wait (s).
    pub waits_s: Option<Vec<f32>>,
    /// Each call's talk time (s); NaN where the row leaves it empty.
    pub talks_s: Option<Vec<f32>>,
    /// Each call's caller, hashed.
    pub callers: Option<Vec<u64>>,
    /// The date of the log's time 0 (a Monday), when its starts are dated.
    pub monday: Option<chrono::NaiveDate>,
}
