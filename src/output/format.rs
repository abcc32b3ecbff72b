//! Formatting shared by the reports: estimates as `mean ± ci95`, terminal
//! tables, and metric sets as JSON objects.

use crate::statistics::Estimate;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::{json, Map, Value};

/// A named metric and how to read it from a `T`, for a table column or a chart line.
pub type Pick<T> = (&'static str, fn(&T) -> f64);

/// The trust section's sentence on control variates, from the variance
/// ratios achieved (`ratios`, plain mean over control variate) by `what`
/// ("in 12 cells", "per combination"); empty when none was used.
pub fn control_sentence(ratios: &[f64], what: &str) -> String {
    match (ratios.iter().copied().reduce(f64::min), ratios.iter().copied().reduce(f64::max)) {
        (Some(a), Some(b)) => format!(
            " Lost-caller probabilities were judged with a control variate (the first attempts that would have found the chain's smallest concurrency limit full had none been refused, or the offered load where the SLA is judged: their means known exactly from the rates; Lavenberg and Welch 1981): variance ratios (plain mean over control variate) {a:.1} to {b:.1} {what}."
        ),
        _ => String::new(),
    }
}

/// `mean ± ci95` with a precision that suits the value.
pub fn pm(e: &Estimate) -> String {
    let digits = |v: f64| {
        if v == 0.0 || v.abs() >= 100.0 {
            1
        } else if v.abs() >= 1.0 {
            3
        } else {
            5
        }
    };
    if e.mean.is_nan() {
        "-".to_string() // not defined for this kind of limit
    } else if e.ci95.is_finite() {
        format!("{:.*} ± {:.*}", digits(e.mean), e.mean, digits(e.mean), e.ci95)
    } else {
        format!("{:.*}", digits(e.mean), e.mean)
    }
}

/// A terminal table with `header`, in the reports' style.
pub fn table(header: Vec<String>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(header);
    t
}

/// `{ name: estimate, … }` from a metric set's fields.
pub fn metrics_json<'a>(fields: impl Iterator<Item = (&'static str, &'a Estimate)>) -> Map<String, Value> {
    fields.map(|(n, e)| (n.to_string(), json!(e))).collect()
}
