//! Helpers shared by the integration tests: models from TOML text, the
//! T statistic of the validation rule (T = (mean − exact)/(s/√R), |T| >
//! 4.06 fails at R = 100), and exact formulas.
#![allow(dead_code)]

use simcall::config::ModelDoc;
use simcall::model::Model;
use simcall::statistics::{ReplicationMetrics, SourceMetrics};
use std::path::Path;

/// Builds a model from TOML text (panics with the error on bad text: tests
/// only feed it valid models).
pub fn model(toml: &str) -> Model {
    ModelDoc::parse(toml, Path::new("test.toml")).and_then(|d| d.build()).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts that the model `toml` is refused with a message naming `key`
/// and containing `message`.
pub fn assert_refused_at(toml: &str, key: &str, message: &str) {
    let err = ModelDoc::parse(toml, Path::new("m.toml")).and_then(|d| d.build()).expect_err(toml).to_string();
    assert!(err.contains(key) && err.contains(message), "{toml}\n→ {err}");
}

/// One metric of the total, one value per replication.
pub fn total(reps: &[ReplicationMetrics], get: fn(&SourceMetrics) -> f64) -> Vec<f64> {
    reps.iter().map(|r| get(&r.total)).collect()
}

/// T = (mean − exact) / (s / √R): the validation rule's statistic.
pub fn t_stat(values: &[f64], exact: f64) -> (f64, f64, f64) {
    let r = values.len() as f64;
    let mean = values.iter().sum::<f64>() / r;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
    let se = sd / r.sqrt();
    ((mean - exact) / se, mean, se)
}

/// |T| above this fails: the two-sided 1e-4 point of the normal, per the
/// validation README (R = 100).
pub const T_CRIT: f64 = 4.06;

/// Erlang B by the recursion B_k = A·B_{k−1} / (k + A·B_{k−1}), B_0 = 1
/// (Jagerman 1974, BSTJ 53).
pub fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Renders seconds as a model duration.
pub fn secs(s: f64) -> String {
    format!("{s}s")
}

/// A model with one source named `s`, as TOML: `arrivals` and `holding` are
/// inline tables, `source_extra` more keys of the source (patience, redial),
/// `limits` the `[[limits]]` entries; 100 replications.
pub fn one_source_model(
    arrivals: &str,
    holding: &str,
    source_extra: &str,
    limits: &str,
    horizon_s: f64,
    warmup_s: f64,
    seed: u64,
) -> String {
    format!(
        "name = \"test\"\n[run]\nhorizon = \"{}\"\nwarmup = \"{}\"\nreplications = 100\nseed = {seed}\n\
         [[sources]]\nname = \"s\"\narrivals = {arrivals}\nholding = {holding}\n{source_extra}\n{limits}\n",
        secs(horizon_s),
        secs(warmup_s),
    )
}
