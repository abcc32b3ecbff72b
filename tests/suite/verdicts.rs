//! SLA verdicts a capacity planner can trust: silent failures and turn
//! latency fail a stack, the busy hour is judged where it is, confidence
//! decides (or leaves undecided) each objective, and loss attribution adds
//! up and names co-binding limits.

use crate::common::*;
use simcall::config::ModelDoc;
use simcall::model::{Model, ObjectiveMetric};
use simcall::runs::run_judged;
use simcall::statistics::{SlaVerdict, Verdict};
use std::path::Path;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn shipped(path: &str, sets: &[(&str, &str)]) -> Model {
    let mut doc = ModelDoc::load(&repo(path)).unwrap();
    for (k, v) in sets {
        doc.set(k, simcall::config::overrides::parse_value(v)).unwrap();
    }
    doc.build().unwrap_or_else(|e| panic!("{e}"))
}

fn verdict_of(v: &SlaVerdict, metric: ObjectiveMetric) -> Verdict {
    v.objectives
        .iter()
        .find(|o| o.objective.metric == metric && o.source.is_none())
        .expect("the objective is set")
        .verdict
}

#[test]
fn silence_fails_the_workspace_stack() {
    // The ElevenLabs workspace limit of 14 connects callers to silence.
    let m = shipped("models/workspace-silence.toml", &[("run.horizon", "\"2h\"")]);
    let (_, v) = run_judged(&m, 0);
    assert_eq!(verdict_of(&v, ObjectiveMetric::Failure), Verdict::Fail, "{:?}", v.failing());
    assert_eq!(v.verdict, Verdict::Fail);
    assert!(v.failing().iter().any(|f| f.starts_with("failure ")), "{:?}", v.failing());
}

#[test]
fn a_silence_limit_fails_on_failures_even_when_the_sla_forgets_them() {
    // A newcomer's SLA: blocking and abandonment only. Failures after
    // connect are judged at the same 1% by default, and fail the stack.
    let m = shipped("models/workspace-silence.toml", &[("run.horizon", "\"2h\""), ("sla.max_failure", "\"off\"")]);
    let (_, v) = run_judged(&m, 0);
    assert!(v.ignored == ["failure"], "turned off on purpose: {:?}", v.ignored);
    assert!(v.objectives.iter().all(|o| o.objective.metric != ObjectiveMetric::Failure));
    let text = std::fs::read_to_string(repo("models/workspace-silence.toml")).unwrap();
    let forgetful: String = text.lines().filter(|l| !l.starts_with("max_failure")).collect::<Vec<_>>().join("\n");
    let mut doc = ModelDoc::parse(&forgetful, &repo("models/forgetful.toml")).unwrap();
    doc.set("run.horizon", simcall::config::overrides::parse_value("\"2h\"")).unwrap();
    let (_, v) = run_judged(&doc.build().unwrap(), 0);
    let failure = v.objectives.iter().find(|o| o.objective.metric == ObjectiveMetric::Failure).expect("defaulted");
    assert_eq!(failure.objective.defaulted_from, Some(ObjectiveMetric::Blocking));
    assert_eq!((failure.objective.limit, failure.verdict), (0.01, Verdict::Fail), "{:?}", v.failing());
    assert!(v.failing().iter().any(|f| f.starts_with("failure ")), "{:?}", v.failing());
    // With every lost-caller objective turned off, the failures are warned about.
    let mut doc = ModelDoc::parse(&forgetful, &repo("models/forgetful.toml")).unwrap();
    for (k, val) in [("run.horizon", "\"2h\""), ("sla.max_failure", "\"off\""), ("sla.max_abandonment", "\"off\"")] {
        doc.set(k, simcall::config::overrides::parse_value(val)).unwrap();
    }
    doc.set("sla.max_blocking", simcall::config::overrides::parse_value("\"off\"")).unwrap();
    doc.set("sla.max_p95_wait", simcall::config::overrides::parse_value("\"20s\"")).unwrap();
    let (_, v) = run_judged(&doc.build().unwrap(), 0);
    assert_eq!(v.verdict, Verdict::Pass, "only the p95 wait is judged");
    assert_eq!(v.ignored, ["blocking", "abandonment", "failure"]);
    assert!(v.unjudged.is_empty(), "turned off on purpose is not a warning: {:?}", v.unjudged);
}

#[test]
fn an_outcome_nothing_judges_is_warned_about() {
    let m =
        shipped("models/workspace-silence.toml", &[("run.horizon", "\"2h\""), ("sla", "{ max_p95_wait = \"20s\" }")]);
    let (_, v) = run_judged(&m, 0);
    let unjudged: Vec<ObjectiveMetric> = v.unjudged.iter().map(|u| u.0).collect();
    assert!(unjudged.contains(&ObjectiveMetric::Failure), "{:?}", v.unjudged);
    assert!(v.all_warnings().iter().any(|w| w.starts_with("failure ") && w.contains("set max_failure")));
}

#[test]
fn the_tts_key_fails_on_429s_without_its_semaphore_and_on_latency_with_it() {
    let with = shipped("models/tts-semaphore.toml", &[("run.horizon", "\"2h\"")]);
    let (_, v) = run_judged(&with, 0);
    assert_eq!(verdict_of(&v, ObjectiveMetric::Failure), Verdict::Pass);
    assert_eq!(verdict_of(&v, ObjectiveMetric::P95TurnLatency), Verdict::Fail, "{:?}", v.failing());
    // The same stack without the semaphore: requests hit the key's 3-request
    // limit directly and calls fail after three 429s.
    let text = std::fs::read_to_string(repo("models/tts-semaphore.toml")).unwrap();
    let start = text.find("[[limits]]\nname = \"elevenlabs-semaphore\"").expect("the semaphore");
    let end = start + text[start..].find("\n\n").expect("its end") + 2;
    let without = format!("{}{}", &text[..start], &text[end..]);
    let mut doc = ModelDoc::parse(&without, &repo("models/no-semaphore.toml")).unwrap();
    doc.set("run.horizon", simcall::config::overrides::parse_value("\"2h\"")).unwrap();
    let (_, v) = run_judged(&doc.build().unwrap(), 0);
    assert_eq!(verdict_of(&v, ObjectiveMetric::Failure), Verdict::Fail, "{:?}", v.failing());
    // A newcomer's SLA without max_failure: the failures after three 429s
    // are judged at the blocking target by default, and fail the stack.
    let forgetful: String = without.lines().filter(|l| !l.starts_with("max_failure")).collect::<Vec<_>>().join("\n");
    let mut doc = ModelDoc::parse(&forgetful, &repo("models/no-semaphore.toml")).unwrap();
    doc.set("run.horizon", simcall::config::overrides::parse_value("\"2h\"")).unwrap();
    let (_, v) = run_judged(&doc.build().unwrap(), 0);
    let failure = v.objectives.iter().find(|o| o.objective.metric == ObjectiveMetric::Failure).unwrap();
    assert_eq!(failure.objective.defaulted_from, Some(ObjectiveMetric::Blocking));
    assert_eq!(failure.verdict, Verdict::Fail, "{:?}", v.failing());
}

#[test]
fn a_profile_that_passes_over_the_run_fails_in_its_busy_hour() {
    let sets = [("limits.tts.capacity", "75"), ("limits.trunk.capacity", "90"), ("run.replications", "20")];
    let mut over_run = sets.to_vec();
    over_run.push(("sla.over", "\"run\""));
    let (s, v) = run_judged(&shipped("models/daily-profile.toml", &over_run), 0);
    assert_eq!(v.verdict, Verdict::Pass, "over the run: {:?}", v.failing());
    assert!(s.judged.is_none());
    // Judged over the run on a profile whose busy hour is far above its mean: warned.
    assert!(v.warnings.iter().any(|w| w.contains("averages the peak away")), "{:?}", v.warnings);
    // Left to its default, a profile is judged at its busy hour.
    let (s, v) = run_judged(&shipped("models/daily-profile.toml", &sets), 0);
    assert!(v.over_why.starts_with("by default, since source \"inbound\" follows profile"), "{}", v.over_why);
    assert_eq!(v.verdict, Verdict::Fail, "busy hour: {:?}", v.failing());
    let w = s.judged.as_ref().expect("judged over the busy hour");
    assert_eq!(w.label, "busy hour 10:00-11:00", "the 20/min hour of the profile");
    assert!(w.offered_load_erl.mean > 2.0 * s.total.offered_load_erl.mean);
    // The busy hour's attempts are a share of the run's, counted exactly.
    assert!(w.total.attempts.mean < s.total.attempts.mean && w.total.attempts.mean > 0.0);
}

/// M/M/10/10 at `a` Erlangs with `max_blocking` at `target`, replications
/// from 10 up to 40.
fn erlang_b_cell(a: f64, target: f64) -> (usize, Verdict) {
    let m = model(&format!(
        "name = \"b\"\n[run]\nhorizon = \"2h\"\nwarmup = \"10m\"\nreplications = {{ min = 10, max = 40 }}\nseed = 11\n\
         [sla]\nmax_blocking = {target}\n\
         [[sources]]\nname = \"s\"\narrivals = {{ offered_load = \"{a} erl\" }}\nholding = {{ dist = \"exponential\", mean = \"3m\" }}\n\
         [[limits]]\nname = \"lines\"\ncapacity = 10\n"
    ));
    let (s, v) = run_judged(&m, 0);
    (s.total.blocking_probability.replications.len(), v.verdict)
}

#[test]
fn confidence_decides_clear_cells_within_min_and_leaves_the_borderline_undecided() {
    let exact = erlang_b(5.0, 10);
    assert_eq!(erlang_b_cell(5.0, exact), (40, Verdict::Undecided), "B(5, 10) = {exact} exactly at the limit");
    assert_eq!(erlang_b_cell(5.0, 2.0 * exact), (10, Verdict::Pass));
    assert_eq!(erlang_b_cell(5.0, 0.5 * exact), (10, Verdict::Fail));
}

#[test]
fn loss_shares_add_up_and_equal_limits_in_series_are_co_binding() {
    // Three limits of 10 in series, 12 Erl: all losses at the first, the
    // other two always full at those instants.
    let m = model(&one_source_model(
        "{ offered_load = \"12 erl\" }",
        "{ dist = \"exponential\", mean = \"3m\" }",
        "",
        "[[limits]]\nname = \"trunk\"\ncapacity = 10\n[[limits]]\nname = \"platform\"\ncapacity = 10\n\
         [[limits]]\nname = \"llm-key\"\ncapacity = 10\n",
        7200.0,
        600.0,
        3,
    ));
    let (s, _) = run_judged(&m, 0);
    assert_eq!(s.binding_limit(), Some(0));
    assert_eq!(s.co_binding(0), vec![1, 2]);
    assert_eq!(s.limits[0].metrics.loss_share.mean, 1.0);
    // Loss shares are pooled counts: they add up to 1 in every run with losses.
    for (model_path, sets) in [
        ("models/workspace-silence.toml", vec![("run.horizon", "\"1h\"")]),
        ("models/outbound.toml", vec![("run.horizon", "\"1h\""), ("sources.dialer.arrivals.rate", "\"30/min\"")]),
        ("models/voice-agent.toml", vec![("sources.inbound.arrivals.rate", "\"30/min\"")]),
    ] {
        let (s, _) = run_judged(&shipped(model_path, &sets), 0);
        let sum: f64 = s.limits.iter().map(|l| l.metrics.loss_share.mean).sum();
        let losses: f64 = s.limits.iter().map(|l| l.metrics.losses_caused.mean).sum();
        if losses > 0.0 {
            assert!((sum - 1.0).abs() < 1e-12, "{model_path}: shares add up to {sum}");
        } else {
            assert_eq!(sum, 0.0, "{model_path}: no losses, no shares");
        }
    }
}
