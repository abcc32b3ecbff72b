//! Planning: certified capacities against the exact inverse of Erlang B,
//! the cheapest combination of plans per month of growth, the calendar and
//! the upgrade ladder, and costs as providers bill them.

use crate::common::*;
use simcall::capacity::{certify, inverse_erlang_b};
use simcall::config::bounds::Reach;
use simcall::config::load_plan;
use simcall::plan::search;
use simcall::study::Plan;
use std::path::Path;

/// Writes `plan` (TOML) and a model of Poisson calls through `limits` (with
/// `max_blocking = 1%`) into `dir`, and reads the plan.
fn plan_in(dir: &Path, limits: &str, plan: &str) -> Plan {
    std::fs::write(
        dir.join("m.toml"),
        format!(
            "name = \"m\"\n[run]\nhorizon = \"8h\"\nwarmup = \"30m\"\nreplications = {{ min = 20, max = 80 }}\nseed = 7\n\
             [sla]\nmax_blocking = \"1%\"\n[[sources]]\nname = \"s\"\narrivals = {{ offered_load = \"3 erl\" }}\n\
             holding = {{ dist = \"exponential\", mean = \"3m\" }}\n{limits}"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("p.toml"),
        format!("name = \"p\"\nmodel = \"m.toml\"\ncapacity_tolerance = \"2%\"\n{plan}"),
    )
    .unwrap();
    load_plan(&dir.join("p.toml"), &[], Reach::Soft).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn certified_capacity_of_a_loss_system_is_the_inverse_of_erlang_b() {
    for (c, target) in [(10u32, 0.01), (30, 0.02), (50, 0.05)] {
        let m = model(&format!(
            "name = \"b\"\n[run]\nhorizon = \"8h\"\nwarmup = \"30m\"\nreplications = {{ min = 20, max = 80 }}\nseed = 5\n\
             [sla]\nmax_blocking = {target}\n\
             [[sources]]\nname = \"s\"\narrivals = {{ offered_load = \"{} erl\" }}\nholding = {{ dist = \"exponential\", mean = \"3m\" }}\n\
             [[limits]]\nname = \"lines\"\ncapacity = {c}\n",
            c as f64 * 0.5
        ));
        let tol = 0.02;
        let cert = certify(&m, tol).unwrap();
        let exact = inverse_erlang_b(c as u64, target);
        println!(
            "c {c} target {target}: certified [{:.3}, {:.3}] Erl, exact {exact:.3}; {} loads, {} replications",
            cert.pass_erl, cert.fail_erl, cert.evaluations, cert.replications
        );
        assert!(cert.fail_erl / cert.pass_erl - 1.0 <= tol + 1e-12);
        assert!(cert.pass_erl <= exact * (1.0 + tol) && cert.fail_erl >= exact * (1.0 - tol), "{cert:?} vs {exact}");
        assert!(cert.monotone);
        assert_eq!(cert.binding.as_deref(), Some("lines"));
    }
}

#[test]
fn the_cheapest_pair_is_found_and_a_dominated_option_is_never_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[limits]]\nname = \"lines\"\ncapacity = 5\n[[limits]]\nname = \"agents\"\ncapacity = 5\n",
        r#"
        [forecast]
        loads = ["3 erl", "6 erl"]
        [[choices]]
        name = "lines"
        options = [
            { name = "5", set = { "limits.lines.capacity" = 5 }, price = { monthly = 10 } },
            { name = "10", set = { "limits.lines.capacity" = 10 }, price = { monthly = 20 } },
            { name = "20", set = { "limits.lines.capacity" = 20 }, price = { monthly = 40 } },
        ]
        [[choices]]
        name = "agents"
        options = [
            { name = "small", set = { "limits.agents.capacity" = 10 }, price = { monthly = 5 } },
            { name = "dominated", set = { "limits.agents.capacity" = 10 }, price = { monthly = 50 } },
            { name = "large", set = { "limits.agents.capacity" = 20 }, price = { monthly = 30 } },
        ]
        "#,
    );
    let r = search(&plan, None, &|_| {}).unwrap();
    let names = |m: usize| r.names(&plan, r.months[m].chosen.expect("covered"));
    // 3 Erl: 10 lines and 10 agents (B(3, 10) = 0.8%); 6 Erl: 20 and 20.
    assert_eq!(names(0), vec!["10", "small"]);
    assert_eq!(names(1), vec!["20", "large"]);
    assert_eq!(r.combos[r.months[1].chosen.unwrap()].monthly_usd, 70.0);
    // The dominated option (same capacity as `small`, dearer) is never simulated.
    assert!(
        r.combos.iter().all(|c| c.options[1] != 1),
        "{:?}",
        r.combos.iter().map(|c| &c.options).collect::<Vec<_>>()
    );
    assert!(
        r.pruned > 0 && r.combos.len() < r.total,
        "{} certified, {} pruned of {}",
        r.combos.len(),
        r.pruned,
        r.total
    );
    // The ladder from 20 lines / 20 agents: nothing above on lines; more agents are not offered.
    assert!(r.ladder.is_empty());
}

#[test]
fn a_geometric_forecast_upgrades_in_the_month_the_exact_capacity_is_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[limits]]\nname = \"lines\"\ncapacity = 10\n",
        r#"
        [forecast]
        growth = "20%/month"
        months = 10
        [[choices]]
        name = "lines"
        options = [
            { name = "10", set = { "limits.lines.capacity" = 10 }, price = { monthly = 1 } },
            { name = "20", set = { "limits.lines.capacity" = 20 }, price = { monthly = 2 } },
            { name = "40", set = { "limits.lines.capacity" = 40 }, price = { monthly = 4 } },
        ]
        "#,
    );
    let r = search(&plan, None, &|_| {}).unwrap();
    // Loads 3 × 1.2^m Erl; the exact capacities at 1% are the inverse of Erlang B.
    let first_over = |c: u64| (0..=10).find(|&m| 3.0 * 1.2f64.powi(m) > inverse_erlang_b(c, 0.01)).unwrap();
    let upgrades: Vec<u32> = r.months.windows(2).filter(|w| w[0].chosen != w[1].chosen).map(|w| w[1].month).collect();
    assert_eq!(upgrades, vec![first_over(10) as u32, first_over(20) as u32], "{:?}", r.calendar(&plan));
    assert!(r.calendar(&plan)[1].contains("lines 10 → 20"), "{:?}", r.calendar(&plan));
}

#[test]
fn a_bill_with_increments_minimums_and_included_minutes_matches_the_hand_count() {
    // Calls of exactly 61 s through a trunk billed per started minute at
    // $0.01 (2 minutes a call), an AI plan of $100 with 100 included minutes
    // then $0.05 a minute (61 s billed per second with a 90 s minimum), and
    // 12 channels at $2 each.
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[limits]]\nname = \"trunk\"\ncapacity = 12\n[[limits]]\nname = \"ai\"\ncapacity = 12\n",
        r#"
        set = { "sources.s.holding" = { dist = "deterministic", value = "61s" } }
        [forecast]
        loads = ["3 erl"]
        [[choices]]
        name = "trunk"
        options = [{ name = "12", price = { per_slot_month = { price = 2, limit = "trunk" }, limit = "trunk", per_minute = 0.01, billing_increment = "60s" } }]
        [[choices]]
        name = "ai"
        options = [{ name = "plan", price = { monthly = 100, limit = "ai", included_minutes = 100, overage_per_minute = 0.05, minimum_per_call = "90s" } }]
        "#,
    );
    let r = search(&plan, None, &|_| {}).unwrap();
    let cost = r.months[0].cost.as_ref().expect("month 0 is carried");
    let model = plan.model_of(&[]).unwrap();
    let reps = simcall::runs::replicate(&model.with_load_scale(3.0 / model.offered_load_erl()).unwrap(), 0);
    let per_month = simcall::cost::MONTH_S / model.run.horizon_s;
    for (k, rep) in reps.iter().enumerate() {
        // Calls carried through both limits (blocking is rare at 3 Erl on 12):
        // the ones released after the warm-up are the admissions' holds.
        let trunk_calls: u64 = rep.limits[0].holds.iter().map(|h| h.1).sum();
        let ai_calls: u64 = rep.limits[1].holds.iter().map(|h| h.1).sum();
        let trunk = 24.0 + 0.01 * 2.0 * trunk_calls as f64 * per_month;
        let ai_minutes = 1.5 * ai_calls as f64 * per_month;
        let ai = 100.0 + 0.05 * (ai_minutes - 100.0).max(0.0);
        let total = cost.total_usd.replications[k];
        assert!((total - (trunk + ai)).abs() < 1e-6 * total, "replication {k}: {total} vs {}", trunk + ai);
    }
    assert_eq!(cost.parts[0].fixed_usd, 24.0);
    assert!(cost.total_usd.ci95 > 0.0 && cost.total_usd.ci95 < 0.05 * cost.total_usd.mean);
}

/// Every file of an output set but its store, with its bytes.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn plan_resume_reads_its_certifications_back_and_a_new_forecast_reuses_them() {
    use crate::cli::{simcall, text};
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::fs::create_dir_all(dir.path().join("experiments")).unwrap();
    std::fs::copy(root.join("models/plan-stack.toml"), dir.path().join("models/plan-stack.toml")).unwrap();
    let plan = dir.path().join("experiments/plan.toml");
    let original = std::fs::read_to_string(root.join("experiments/plan.toml")).unwrap();
    std::fs::write(&plan, &original).unwrap();
    let run = |out: &Path, resume: bool| {
        let mut args = vec!["plan", plan.to_str().unwrap(), "--out", out.to_str().unwrap()];
        if resume {
            args.push("--resume");
        }
        let o = simcall(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let a = dir.path().join("a");
    run(&a, false);
    let first = outputs(&a);
    let stored = std::fs::read_dir(a.join("cells")).unwrap().count();
    assert!(stored > 0);
    // Run again with --resume: nothing simulated, the same outputs.
    let again = run(&a, true);
    let loads: u32 = std::fs::read_to_string(a.join("capacity.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').rev().nth(2).unwrap().parse::<u32>().unwrap())
        .sum();
    assert!(again.contains(&format!("0 loads simulated, {loads} read from the store")), "{again}");
    assert_eq!(outputs(&a), first);
    // Slower growth: the months change, the combinations certified before are read.
    let slower = original.replace("mid = \"10%/month\"", "mid = \"5%/month\"");
    assert_ne!(slower, original);
    std::fs::write(&plan, slower).unwrap();
    let resumed = run(&a, true);
    let b = dir.path().join("b");
    run(&b, false);
    let line = resumed.lines().find(|l| l.contains("from the store")).unwrap();
    let reused: usize = line.split(", ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(stored > 0);
    assert!(reused > 0, "{line}");
    assert_eq!(outputs(&a), outputs(&b), "a resumed plan equals a fresh one");
}

/// Usage scales to a month by traffic, not time: a weekly profile with
/// quiet weekends run for its Monday is billed for the week it describes.
#[test]
fn a_month_of_a_weekly_profile_counts_its_weekends_as_the_profile_says() {
    let text = |points: &str| {
        format!(
            r#"
            name = "week"
            [run]
            horizon = "1d"
            [[sources]]
            name = "inbound"
            arrivals = {{ profile = "week", points = [{points}] }}
            holding = {{ dist = "exponential", mean = "2m" }}
            [[limits]]
            name = "trunk"
            capacity = 100
        "#
        )
    };
    let month_s = simcall::cost::MONTH_S;
    // Weekdays 10/min, weekends 2/min: a Monday's usage × 30.44 × (the
    // week's mean rate / Monday's rate) is the month's.
    let week =
        crate::common::model(&text(r#"{ at = "mon 00:00", rate = "10/min" }, { at = "sat 00:00", rate = "2/min" }"#));
    let mean_per_min = (5.0 * 10.0 + 2.0 * 2.0) / 7.0;
    let expected = month_s / 86_400.0 * mean_per_min / 10.0;
    assert!((week.month_scale(month_s) / expected - 1.0).abs() < 1e-9, "{} vs {expected}", week.month_scale(month_s));
    // The same rate every day: the month is 30.44 of the run's days.
    let flat = crate::common::model(&text(r#"{ at = "mon 00:00", rate = "10/min" }"#));
    assert!((flat.month_scale(month_s) / (month_s / 86_400.0) - 1.0).abs() < 1e-9);
    assert!(simcall::cost::time_base(&week).contains("scaled by offered traffic to a month of 30.44 days"));
}

#[test]
fn a_plan_that_must_survive_an_incident_buys_what_the_incident_needs() {
    // The incident halves the lines for the whole run: through it the
    // system is Erlang B at c/2 lines, judged at 5% blocking; without it, at
    // c lines and 1%. 8 Erl needs 20 lines on a normal day (B⁻¹(20, 1%) =
    // 12.0 Erl) but 40 to survive (B⁻¹(10, 5%) = 6.2, B⁻¹(20, 5%) = 15.2).
    let dir = tempfile::tempdir().unwrap();
    let limits = "[[limits]]\nname = \"lines\"\ncapacity = 10\n\
                  [[incidents]]\nname = \"half\"\nlimit = \"lines\"\nstart = \"0s\"\nduration = \"9h\"\ncapacity_factor = 0.5\n";
    let choices = "[forecast]\nloads = [\"8 erl\"]\n\
                   [[choices]]\nname = \"lines\"\noptions = [\n\
                   { name = \"20\", set = { \"limits.lines.capacity\" = 20 }, price = { monthly = 20 } },\n\
                   { name = \"40\", set = { \"limits.lines.capacity\" = 40 }, price = { monthly = 40 } },\n]\n";
    let survive = "[[survive]]\nincident = \"half\"\nsla = { max_blocking = \"5%\" }\n";
    let calm = search(
        &plan_in(
            dir.path(),
            limits,
            &format!("{choices}[[survive]]\nincident = \"half\"\nsla = {{ max_blocking = \"99%\" }}\n"),
        ),
        None,
        &|_| {},
    )
    .unwrap();
    let through = search(&plan_in(dir.path(), limits, &format!("{choices}{survive}")), None, &|_| {}).unwrap();
    let chosen = |r: &simcall::plan::PlanResult| r.combos[r.months[0].chosen.unwrap()].clone();
    // Ignoring the incident (surviving it at 99% blocking): 20 lines, the normal day binds.
    let (c, exact) = (chosen(&calm), inverse_erlang_b(20, 0.01));
    assert_eq!((c.options[0], c.certified.through.as_deref()), (0, None), "{c:?}");
    assert!(c.certified.pass_erl <= exact * 1.02 && c.certified.fail_erl >= exact * 0.98, "{c:?} vs {exact}");
    // Surviving it at 5%: 40 lines, certified through the incident at B⁻¹(20, 5%).
    let (c, exact) = (chosen(&through), inverse_erlang_b(20, 0.05));
    assert_eq!((c.options[0], c.certified.through.as_deref()), (1, Some("half")), "{c:?}");
    assert!(c.certified.pass_erl <= exact * 1.02 && c.certified.fail_erl >= exact * 0.98, "{c:?} vs {exact}");
    let twenty = through.combos.iter().find(|k| k.options == [0]).expect("20 lines was certified");
    assert_eq!(twenty.certified.through.as_deref(), Some("half"));
    // Judged only at the month's load: it failed there, through the incident.
    assert!(!twenty.refined && twenty.certified.fail_erl <= 8.0 * (1.0 + 1e-9), "{twenty:?}");
}

#[test]
fn a_survive_entry_must_name_an_incident_of_the_model() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.toml"),
        "name = \"m\"\n[run]\nhorizon = \"1h\"\n[sla]\nmax_blocking = \"1%\"\n[[sources]]\nname = \"s\"\n\
         arrivals = { offered_load = \"3 erl\" }\nholding = { dist = \"exponential\", mean = \"3m\" }\n\
         [[limits]]\nname = \"lines\"\ncapacity = 10\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        "name = \"p\"\nmodel = \"m.toml\"\n[forecast]\nloads = [\"3 erl\"]\n[[choices]]\nname = \"c\"\n\
         options = [{ name = \"a\", set = {}, price = { monthly = 1 } }]\n[[survive]]\nincident = \"outage\"\n",
    )
    .unwrap();
    let e = load_plan(&dir.path().join("p.toml"), &[], Reach::Soft).unwrap_err().to_string();
    assert!(
        e.contains("survive[0].incident") && e.contains("no incident is named \"outage\" (the model has none)"),
        "{e}"
    );
}

/// Exhaustive certification's answer for each month of `plan`: every
/// combination certified to the tolerance, the cheapest (by fixed price,
/// ties by fewer upgrades then option order, as the search ranks them)
/// whose certified capacity carries the month's load.
fn exhaustive(plan: &Plan) -> Vec<Option<Vec<usize>>> {
    let sizes: Vec<usize> = plan.choices.iter().map(|c| c.options.len()).collect();
    let mut combos: Vec<(Vec<usize>, f64, f64)> = Vec::new();
    for k in 0..sizes.iter().product::<usize>() {
        // Combination k in mixed radix, the last choice fastest.
        let mut combo: Vec<usize> = sizes
            .iter()
            .rev()
            .scan(k, |rest, &size| {
                let digit = *rest % size;
                *rest /= size;
                Some(digit)
            })
            .collect();
        combo.reverse();
        let options: Vec<_> = plan.choices.iter().zip(&combo).map(|(c, &o)| (c, &c.options[o])).collect();
        let price: f64 = options.iter().map(|(_, o)| o.monthly_usd).sum();
        let cert = certify(&plan.model_of(&options).unwrap(), plan.tolerance).unwrap();
        combos.push((combo, price, cert.pass_erl));
    }
    combos
        .sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.iter().sum::<usize>().cmp(&b.0.iter().sum())).then(a.0.cmp(&b.0)));
    plan.monthly_load_erl.iter().map(|&l| combos.iter().find(|c| c.2 >= l).map(|c| c.0.clone())).collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]

    /// Racing (each combination judged only at the loads asked, only the
    /// choices certified) chooses what certifying every combination would,
    /// on random plans of lines × agents (every call holds one of each, so a
    /// combination's exact capacity is the inverse of Erlang B at the fewer),
    /// with loads at least 6% from every exact capacity.
    #[test]
    fn racing_chooses_what_exhaustive_certification_chooses(
        lines in proptest::collection::btree_set(3u64..16, 3),
        agents in proptest::collection::btree_set(3u64..16, 2),
        prices in proptest::collection::vec(1u32..50, 5),
        loads in proptest::collection::vec(1.0f64..9.0, 3),
    ) {
        let exact: Vec<f64> = lines.iter().chain(&agents).map(|&c| inverse_erlang_b(c, 0.01)).collect();
        proptest::prop_assume!(loads.iter().all(|l| exact.iter().all(|e| (l / e - 1.0).abs() > 0.06)));
        let dir = tempfile::tempdir().unwrap();
        let option = |name: &str, c: u64, p: u32| format!("{{ name = \"{c}\", set = {{ \"limits.{name}.capacity\" = {c} }}, price = {{ monthly = {p} }} }}");
        let lines_options: Vec<String> = lines.iter().zip(&prices).map(|(&c, &p)| option("lines", c, p)).collect();
        let agents_options: Vec<String> = agents.iter().zip(&prices[3..]).map(|(&c, &p)| option("agents", c, p)).collect();
        let loads_toml: Vec<String> = loads.iter().map(|l| format!("\"{l:.3} erl\"")).collect();
        let plan = plan_in(
            dir.path(),
            "[[limits]]\nname = \"lines\"\ncapacity = 5\n[[limits]]\nname = \"agents\"\ncapacity = 5\n",
            &format!(
                "run = {{ replications = {{ min = 10, max = 40 }}, horizon = \"4h\" }}\n[forecast]\nloads = [{}]\n\
                 [[choices]]\nname = \"lines\"\noptions = [{}]\n[[choices]]\nname = \"agents\"\noptions = [{}]\n",
                loads_toml.join(", "),
                lines_options.join(", "),
                agents_options.join(", ")
            ),
        );
        let raced = search(&plan, None, &|_| {}).unwrap();
        let chosen: Vec<Option<Vec<usize>>> =
            raced.months.iter().map(|m| m.chosen.map(|i| raced.combos[i].options.clone())).collect();
        proptest::prop_assert_eq!(chosen, exhaustive(&plan));
    }
}

/// Racing chooses what certifying every combination would on the shipped
/// plan of platform tiers (`experiments/tiers-plan.toml`: fixed prices,
/// four loads from 30 to 900 Erl).
#[test]
fn racing_chooses_what_exhaustive_certification_chooses_on_the_shipped_tiers_plan() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/tiers-plan.toml");
    let plan = load_plan(&path, &[], Reach::Soft).unwrap_or_else(|e| panic!("{e}"));
    let raced = search(&plan, None, &|_| {}).unwrap();
    let chosen: Vec<Option<Vec<usize>>> =
        raced.months.iter().map(|m| m.chosen.map(|i| raced.combos[i].options.clone())).collect();
    assert_eq!(chosen, exhaustive(&plan));
    assert!(chosen.iter().flatten().count() >= 3, "{chosen:?}");
}

/// The racing search takes the same steps on any thread count: the turns
/// plan (five limits, conversation turns) writes byte-identical files with
/// 1 and 2 threads.
#[test]
fn the_racing_search_is_deterministic_across_thread_counts() {
    use crate::cli::{simcall, text};
    let dir = tempfile::tempdir().unwrap();
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/turns-plan.toml");
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let o = simcall(&["--threads", threads, "plan", plan.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        outputs(&out)
    };
    let one = run("1");
    assert!(one.iter().any(|(name, _)| name == "capacity.csv"));
    assert_eq!(one, run("2"));
}
