//! Which input moves the answer: on a plain loss system the change of the
//! certified capacity with the number of lines is the slope of the exact
//! inverse of Erlang B, and an input no outcome depends on is named as
//! having no effect, with the limit that binds.

use simcall::capacity::inverse_erlang_b;
use simcall::config::vary::{base_value, parse_vary};
use simcall::config::ModelDoc;
use simcall::sensitivity::{measure, model_answer};
use std::path::Path;

const LOSS: &str = r#"
    name = "loss"
    [run]
    horizon = "400h"
    warmup = "2h"
    replications = { min = 30, max = 60 }
    seed = 11
    [[sources]]
    name = "calls"
    arrivals = { offered_load = "40 erl" }
    holding = { dist = "exponential", mean = "180s" }
    patience = { dist = "exponential", mean = "60s" }
    [[limits]]
    name = "trunk"
    capacity = 50
    [sla]
    max_blocking = "1%"
    "#;

#[test]
fn capacity_moves_with_lines_as_the_inverse_of_erlang_b_and_patience_does_not_move_it() {
    let doc = ModelDoc::parse(LOSS, Path::new("loss.toml")).unwrap();
    let inputs = vec![
        parse_vary("limits.trunk.capacity=±10%").unwrap(),
        parse_vary("sources.calls.patience.mean=±50%").unwrap(),
    ];
    let values = |k: &str| base_value(&doc.table, k);
    let answer = |sets: &[(String, toml::Value)]| model_answer(&doc, sets, 0.005);
    let s = measure(&inputs, &values, &answer, "Erl").unwrap();
    assert_eq!(s.swings[0].vary.key, "limits.trunk.capacity", "lines move the answer most");
    assert_eq!(s.swings[0].values, ["50".to_string(), "45".into(), "55".into()]);
    let (low, high) = (s.swings[0].low.as_ref().unwrap(), s.swings[0].high.as_ref().unwrap());
    // The certified capacities' change over 10 lines against the exact
    // inverse of Erlang B at 1%: within the two brackets' widths, plus 3%
    // for the confidence rule (each certified load sits where the upper
    // bound, not the mean, reaches 1%).
    let exact = inverse_erlang_b(55, 0.01) - inverse_erlang_b(45, 0.01);
    let mid = |a: &simcall::sensitivity::Answer| 0.5 * (a.capacity.pass_erl + a.capacity.fail_erl);
    let simulated = mid(high) - mid(low);
    let slack = (low.capacity.fail_erl - low.capacity.pass_erl) + (high.capacity.fail_erl - high.capacity.pass_erl);
    println!(
        "capacity 45 lines {:.3}, 55 lines {:.3}: change {simulated:.3} Erl, exact {exact:.3} (slack {slack:.3})",
        mid(low),
        mid(high)
    );
    assert!((simulated - exact).abs() <= slack + 0.03 * exact, "{simulated} vs {exact}");
    // Each certified capacity lies at or below the exact inverse (the
    // confidence rule is conservative), and not far below it.
    for (a, c) in [(low, 45), (high, 55), (&s.base, 50)] {
        let x = inverse_erlang_b(c, 0.01);
        assert!(
            a.capacity.pass_erl <= x * 1.01 && a.capacity.pass_erl >= x * 0.93,
            "{c} lines: {:?} vs {x}",
            a.capacity
        );
    }
    // Nobody waits in a loss system: patience moves nothing, and the
    // trunk is named as what binds.
    let patience = &s.swings[1];
    assert!(patience.no_effect(&s.base));
    assert_eq!(s.base.capacity.binding.as_deref(), Some("trunk"));
    assert!(!s.swings[0].no_effect(&s.base));
}

#[test]
fn the_command_writes_its_table_and_tornado_and_refuses_bad_inputs_with_exit_2() {
    use crate::cli::{repo, simcall, text};
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("s");
    let model = repo("models/plan-stack.toml");
    let out = simcall(&[
        "sensitivity",
        &model,
        "--vary",
        "sources.inbound.patience.mean=±25%",
        "--vary",
        "limits.trunk.capacity=±20%",
        "--set",
        "run.replications=5",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("\"30s\" / \"40s\" / \"50s\""), "{printed}");
    assert!(printed.contains("32 / 40 / 48"), "{printed}");
    let page = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(page.contains("limits.trunk.capacity (32 &#x2f; 48)"), "the page names each input's values");
    let csv = std::fs::read_to_string(out_dir.join("sensitivity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    assert!(csv.lines().next().unwrap().starts_with("rank,key,input,side,value"), "{csv}");
    for f in ["tornado.png", "tornado.svg", "report.html"] {
        assert!(out_dir.join(f).metadata().unwrap().len() > 1000, "{f}");
    }
    for (args, needle) in [
        (vec!["sensitivity", &model, "--vary", "sources.inbound.holding.median=±20%"], "has no such key"),
        (vec!["sensitivity", &model, "--vary", "sources.inbound.holding.mean=±120%"], "below 100%"),
        (vec!["sensitivity", &model, "--tolerance", "80%"], "from 0.1% to 50%"),
        (vec!["sensitivity", "no/such/model.toml"], "cannot read"),
    ] {
        let out = simcall(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(needle), "{args:?}: {}", text(&out.stderr));
    }
}
