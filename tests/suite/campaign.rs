//! Outbound campaigns: reach against the geometric law of repeated
//! attempts, the dialer's throughput against its pacing caps (exact with
//! deterministic dials), the abandonment cap, and property tests of the
//! calling-hours and per-lead rules over random campaigns, read from the
//! dial log.

use crate::common::{model, t_stat, T_CRIT};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use simcall::config::ModelDoc;
use simcall::dialer::DialRecord;
use simcall::model::Outcome;
use simcall::runs::replicate;
use simcall::simulation::{simulate, simulate_logged};
use simcall::statistics::{CampaignMetrics, CampaignSummary, Summary};
use std::collections::HashMap;
use std::path::Path;

fn campaign_metric(reps: &[simcall::statistics::ReplicationMetrics], get: fn(&CampaignMetrics) -> f64) -> Vec<f64> {
    reps.iter().map(|r| get(&r.campaigns[0].metrics)).collect()
}

fn summary(toml: &str) -> CampaignSummary {
    let m = model(toml);
    Summary::new(&m, &replicate(&m, 0)).campaigns.remove(0)
}

/// A campaign `c` dialing all day every day, with `campaign` keys (leads,
/// pacing, outcomes…) and `limits`.
fn campaign_model(horizon: &str, replications: u32, campaign: &str, limits: &str) -> String {
    format!(
        "name = \"t\"\n[run]\nhorizon = \"{horizon}\"\nreplications = {replications}\nseed = 7\n\
         [[campaigns]]\nname = \"c\"\nwindow = {{ start = \"00:00\", end = \"24:00\" }}\n{campaign}\n{limits}\n"
    )
}

const ROOMY: &str = "[[limits]]\nname = \"trunk\"\ncapacity = 100000\n";

#[test]
fn reach_follows_the_geometric_law_of_attempts() {
    // Each attempt answers with p = 0.3, independently: with 3 attempts a
    // lead is reached with 1 − 0.7³ and takes (1 − 0.7³)/0.3 attempts on average.
    let toml = campaign_model(
        "1d",
        40,
        "leads = 2000\nmax_concurrent = 200\n\
         outcomes.answer = { probability = 0.3, holding = { dist = \"exponential\", mean = \"2m\" } }\n\
         outcomes.no_answer = { probability = 0.7, holding = { dist = \"deterministic\", value = \"25s\" } }\n\
         retry = { no_answer = \"10m\", max_attempts = 3, max_per_day = 250 }",
        ROOMY,
    );
    let m = model(&toml);
    let reps = replicate(&m, 0);
    let (t, mean, _) = t_stat(&campaign_metric(&reps, |m| m.reach_rate), 1.0 - 0.7f64.powi(3));
    println!("reach rate {mean:.5} vs {:.5} (T {t:+.2})", 1.0 - 0.7f64.powi(3));
    assert!(t.abs() < T_CRIT);
    let exact = (1.0 - 0.7f64.powi(3)) / 0.3;
    let (t, mean, _) = t_stat(&campaign_metric(&reps, |m| m.attempts_per_lead), exact);
    println!("attempts per lead {mean:.5} vs {exact:.5} (T {t:+.2})");
    assert!(t.abs() < T_CRIT);
    // Every lead is finished, so the campaign completes.
    assert!(campaign_metric(&reps, |m| m.leads_open).iter().all(|&v| v == 0.0));
}

#[test]
fn max_concurrent_paces_deterministic_dials_exactly() {
    // 2,400 leads, every dial 30 s of no answer, 10 at a time: 240 waves of
    // 30 s, so the last lead is finished at exactly 2 h, 1,200 dials an hour.
    let s = summary(&campaign_model(
        "3h",
        2,
        "leads = 2400\nmax_concurrent = 10\n\
         outcomes.no_answer = { probability = 1.0, holding = { dist = \"deterministic\", value = \"30s\" } }\n\
         retry = { max_attempts = 1 }",
        ROOMY,
    ));
    assert_eq!(s.metrics.completion_h.mean, 2.0);
    assert_eq!(s.hourly[0].1, 1200.0);
    assert_eq!(s.hourly[1].1, 1200.0);
    assert_eq!(s.paced_by.as_deref(), Some("max_concurrent"));
    // Little's law: 10 in flight for 2 h of the 3.
    assert!((s.metrics.mean_dials_in_flight.mean - 10.0 * 2.0 / 3.0).abs() < 1e-9);
}

#[test]
fn a_queued_cps_limit_paces_the_dialer_to_its_rate() {
    // 1 call per second, queued: 1,800 dials take 1,800 s whatever
    // max_concurrent allows, and the CPS limit is reported as the pacer.
    let s = summary(&campaign_model(
        "2h",
        2,
        "leads = 1800\nmax_concurrent = 100\n\
         outcomes.no_answer = { probability = 1.0, holding = { dist = \"deterministic\", value = \"30s\" } }\n\
         retry = { max_attempts = 1 }",
        "[[limits]]\nname = \"cps\"\nkind = \"rate\"\nmax = 1\nwindow = \"1s\"\nalgorithm = \"token_bucket\"\n\
         on_full = { queue = {} }\n",
    ));
    // The last dial is admitted at 1,799 s and rings 30 s.
    assert_eq!(s.metrics.completion_h.mean, (1799.0 + 30.0) / 3600.0);
    assert_eq!(s.paced_by.as_deref(), Some("limit:cps"));
}

fn overdialing(max_abandonment: f64) -> CampaignSummary {
    // 5 agents, 3-minute conversations, half the dials answered after 10 s of
    // ringing: 40 dials in flight bring far more answers than agents.
    summary(&campaign_model(
        "12h",
        10,
        &format!(
            "leads = 20000\nmax_concurrent = 40\nagent_limits = [\"agents\"]\nmax_abandonment = {max_abandonment}\n\
             outcomes.answer = {{ probability = 0.5, ring_time = {{ dist = \"deterministic\", value = \"10s\" }}, \
             holding = {{ dist = \"exponential\", mean = \"3m\" }} }}\n\
             outcomes.no_answer = {{ probability = 0.5, holding = {{ dist = \"deterministic\", value = \"30s\" }} }}\n\
             retry = {{ max_attempts = 1 }}"
        ),
        "[[limits]]\nname = \"agents\"\ncapacity = 5\n",
    ))
}

#[test]
fn the_abandonment_cap_holds_by_slowing_the_dialer() {
    let capped = overdialing(0.03);
    let free = overdialing(1.0);
    let (rate_capped, rate_free) = (&capped.metrics.abandonment_rate, &free.metrics.abandonment_rate);
    println!(
        "abandonment: capped {:.4} ± {:.4}, uncapped {:.4} ± {:.4}; paced by {:?} / {:?}",
        rate_capped.mean, rate_capped.ci95, rate_free.mean, rate_free.ci95, capped.paced_by, free.paced_by
    );
    // The dialer overdials only within the worst-case budget, so no
    // replication ends over 3%.
    for r in &rate_capped.replications {
        assert!(*r <= 0.03 + 1e-12, "abandonment {r} over the cap");
    }
    assert!(rate_free.mean > 0.3, "without a cap, overdialing abandons most answers");
    assert_eq!(capped.paced_by.as_deref(), Some("abandonment_cap"));
    assert_eq!(free.paced_by.as_deref(), Some("max_concurrent"));
    // Abandoned callers are counted at the agent limit.
    assert!(capped.metrics.abandoned.mean > 0.0);
}

/// A random campaign: time zones, a window on some weekdays, caps, retry
/// delays and outcomes, behind a queued CPS limit and a pool of numbers.
fn random_campaign(rng: &mut Xoshiro256PlusPlus) -> String {
    let zones: Vec<String> = (0..rng.random_range(1..4))
        .map(|_| format!("{{ utc_offset = \"{:+}\", share = 1.0 }}", rng.random_range(-10..=10)))
        .collect();
    let share = 1.0 / zones.len() as f64;
    let zones = zones.iter().map(|z| z.replace("1.0", &format!("{share}"))).collect::<Vec<_>>().join(", ");
    let start_h = rng.random_range(6..11);
    let end_h = rng.random_range(start_h + 2..23);
    let mut days: Vec<&str> =
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].into_iter().filter(|_| rng.random_bool(0.6)).collect();
    if days.is_empty() {
        days.push("tue");
    }
    let mut probabilities: Vec<f64> = (0..4).map(|_| rng.random_range(0.05..1.0)).collect();
    let sum: f64 = probabilities.iter().sum();
    probabilities.iter_mut().for_each(|p| *p /= sum);
    probabilities[3] = 1.0 - probabilities[..3].iter().sum::<f64>();
    format!(
        "name = \"random\"\n[run]\nhorizon = \"16d\"\nreplications = 1\nseed = {seed}\n\
         [[campaigns]]\nname = \"c\"\nleads = {leads}\ntime_zones = [{zones}]\nstart = \"{start}\"\n\
         window = {{ start = \"{start_h:02}:{m:02}\", end = \"{end_h:02}:00\", days = [{days}] }}\n\
         max_concurrent = {conc}\nagent_limits = [\"agents\"]\n\
         outcomes.answer = {{ probability = {p0}, ring_time = {{ dist = \"uniform\", min = \"2s\", max = \"20s\" }}, \
         holding = {{ dist = \"exponential\", mean = \"2m\" }} }}\n\
         outcomes.busy = {{ probability = {p1}, holding = {{ dist = \"deterministic\", value = \"3s\" }} }}\n\
         outcomes.no_answer = {{ probability = {p2}, holding = {{ dist = \"deterministic\", value = \"30s\" }} }}\n\
         outcomes.voicemail = {{ probability = {p3}, holding = {{ dist = \"uniform\", min = \"20s\", max = \"40s\" }} }}\n\
         retry = {{ busy = \"{busy}m\", no_answer = \"{na}m\", voicemail = \"{vm}m\", abandoned = \"{ab}m\", \
         max_attempts = {attempts}, max_per_day = {per_day} }}\n\
         [[limits]]\nname = \"cps\"\nkind = \"rate\"\nmax = 1\nwindow = \"1s\"\nalgorithm = \"token_bucket\"\n\
         on_full = {{ queue = {{ timeout = \"{cps_timeout}m\" }} }}\n\
         [[limits]]\nname = \"numbers\"\nkind = \"rate\"\nmax = 30\nwindow = \"1h\"\nalgorithm = \"sliding_window\"\n\
         pool = {numbers}\non_full = {{ queue = {{ timeout = \"30m\" }} }}\n\
         [[limits]]\nname = \"agents\"\ncapacity = {agents}\n",
        seed = rng.random_range(0..1000),
        leads = rng.random_range(200..3000),
        start = ["mon 00:00", "mon 15:30", "wed 07:00", "sat 12:00"][rng.random_range(0..4)],
        m = [0, 30][rng.random_range(0..2)],
        days = days.iter().map(|d| format!("\"{d}\"")).collect::<Vec<_>>().join(", "),
        conc = rng.random_range(1..60),
        p0 = probabilities[0],
        p1 = probabilities[1],
        p2 = probabilities[2],
        p3 = probabilities[3],
        busy = rng.random_range(5..60),
        na = rng.random_range(30..360),
        vm = rng.random_range(60..1500),
        ab = rng.random_range(30..300),
        attempts = rng.random_range(1..7),
        per_day = rng.random_range(1..4),
        cps_timeout = rng.random_range(1..120),
        numbers = rng.random_range(1..20),
        agents = rng.random_range(1..15),
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// The dialer's rules over random campaigns (proptest draws the seed of
    /// the campaign's random settings, and shrinks it on a failure).
    #[test]
    fn campaigns_never_dial_outside_the_window_or_above_the_per_lead_caps(seed in 0u64..1_000_000) {
        dial_rules_hold(seed);
    }
}

/// Every dial of the random campaign `seed` inside its lead's window, at
/// most `max_attempts` a lead and `max_per_day` a local day, each redial
/// after its outcome's delay, never a reached lead again.
fn dial_rules_hold(seed: u64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let case = seed;
    let toml = random_campaign(&mut rng);
    let m = model(&toml);
    let c = &m.campaigns[0];
    let r = simulate_logged(&m, 0, 0);
    let log: &[DialRecord] = &r.dial_log[0];
    let counts = &r.campaigns[0];
    assert_eq!(log.len() as u64, counts.dials, "case {case}: one log row per placed dial");
    assert!(counts.dials > 0, "case {case}: the campaign dials\n{toml}");
    // The same model and seed give the same dials.
    assert_eq!(simulate_logged(&m, 0, 0).dial_log, r.dial_log, "case {case}");
    let mut per_lead: HashMap<u32, Vec<&DialRecord>> = HashMap::new();
    for d in log {
        per_lead.entry(d.lead).or_default().push(d);
        // Inside the window, in the lead's local time, on an allowed day.
        let local = d.placed_s + d.utc_offset_s;
        let day = (local / 86_400.0).floor();
        let time_of_day = local - day * 86_400.0;
        let weekday = (day as i64).rem_euclid(7) as usize;
        assert!(
            c.window.days[weekday] && time_of_day >= c.window.start_s && time_of_day < c.window.end_s,
            "case {case}: lead {} dialed at local {time_of_day:.0} s on weekday {weekday}, outside {}",
            d.lead,
            c.window.describe()
        );
        assert!(d.placed_s >= c.start_s, "case {case}: dialed before the campaign's start");
    }
    for (lead, dials) in &per_lead {
        assert!(dials.len() as u32 <= c.max_attempts, "case {case}: lead {lead} over max_attempts");
        let mut per_day: HashMap<i64, u32> = HashMap::new();
        for (k, d) in dials.iter().enumerate() {
            assert_eq!(d.attempt, k as u32 + 1, "case {case}: attempts are numbered in order");
            let day = ((d.placed_s + d.utc_offset_s) / 86_400.0).floor() as i64;
            let n = per_day.entry(day).or_default();
            *n += 1;
            assert!(*n <= c.max_per_day, "case {case}: lead {lead} dialed {n} times on local day {day}");
            if k > 0 {
                // A lead is dialed again only after its last outcome's delay
                // (an answer is retried only if it was abandoned).
                let prev = dials[k - 1];
                assert_ne!(prev.outcome, Outcome::Answer, "case {case}: a reached lead was dialed again");
                let delay = c.retry_after_s[prev.outcome as usize].expect("only retried outcomes come back");
                assert!(
                    d.placed_s - prev.placed_s >= delay,
                    "case {case}: lead {lead} redialed {:.0} s after a {:?}, before its {delay} s delay",
                    d.placed_s - prev.placed_s,
                    prev.outcome
                );
            }
        }
    }
}

#[test]
fn campaign_counts_add_up() {
    // Every placed dial ends in one outcome or is still in progress; every
    // lead is reached, finished otherwise, or still open.
    let m = model(&random_campaign(&mut Xoshiro256PlusPlus::seed_from_u64(5)));
    for rep in 0..4 {
        let r = simulate(&m, 0, rep);
        let c = &r.campaigns[0];
        let ended: u64 = c.outcomes.fields().map(|(_, n)| n).sum();
        assert!(ended <= c.dials && c.dials - ended <= m.campaigns[0].max_concurrent as u64);
        assert!(c.leads_reached <= c.leads_finished && c.leads_finished <= c.leads);
        assert_eq!(c.outcomes.get(Outcome::Answer), c.leads_reached);
        assert_eq!(c.dials_by_hour.iter().map(|&v| v as u64).sum::<u64>(), c.dials);
        assert_eq!(c.reached_by_hour.iter().map(|&v| v as u64).sum::<u64>(), c.leads_reached);
    }
}

fn build_error(toml: &str) -> String {
    match ModelDoc::parse(toml, Path::new("bad.toml")).and_then(|d| d.build()) {
        Ok(_) => panic!("the model should be refused:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_campaigns_get_clear_errors() {
    let base = campaign_model(
        "2d",
        1,
        "leads = 100\nmax_concurrent = 5\n\
         outcomes.no_answer = { probability = 1.0, holding = { dist = \"deterministic\", value = \"30s\" } }",
        ROOMY,
    );
    assert!(model(&base).campaigns.len() == 1);
    let cases = [
        ("end = \"24:00\"", "end = \"00:00\"", "never opens"),
        ("start = \"00:00\", end = \"24:00\"", "start = \"10:00\", end = \"09:00\"", "never opens"),
        ("end = \"24:00\" }", "end = \"24:00\", days = [] }", "never opens"),
        ("end = \"24:00\" }", "end = \"24:00\", days = [\"sat\"] }", "never opens for any lead"),
        ("probability = 1.0", "probability = 0.9", "sum to 0.9"),
        ("leads = 100", "leads = 0", "campaigns.c.leads"),
        ("max_concurrent = 5", "max_concurrent = 5\nagent_limits = [\"nope\"]", "no limit is named \"nope\""),
        ("max_concurrent = 5", "max_concurrent = 5\ntime_zones = [{ utc_offset = \"EST\", share = 1 }]", "UTC offset"),
        ("max_concurrent = 5", "max_concurrent = 5\ntime_zones = [{ utc_offset = \"-5\", share = 0.5 }]", "sum to 0.5"),
        (
            "max_concurrent = 5",
            "max_concurrent = 5\ntime_zones = [{ utc_offset = \"-5\", time_zone = \"America/Chicago\", share = 1 }]",
            "exactly one of",
        ),
        ("max_concurrent = 5", "max_concurrent = 5\nretry = { busy = \"soon\" }", "campaigns.c.retry.busy"),
    ];
    for (from, to, expected) in cases {
        assert!(base.contains(from), "{from}");
        let msg = build_error(&base.replacen(from, to, 1));
        println!("{msg}");
        assert!(msg.contains(expected), "{msg:?} should mention {expected:?}");
        assert!(msg.contains("bad.toml"), "{msg:?} names the file");
    }
}

#[test]
fn a_lead_list_gives_each_lead_its_time_zone_and_reports_bad_rows() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let leads = dir.path().join("leads.csv");
    std::fs::write(&leads, "phone,utc_offset\n+12125550100,-05:00\n+13105550100,-08:00\n+12125550101,-05:00\n")
        .expect("write");
    let toml = campaign_model(
        "1d",
        1,
        "leads = \"leads.csv\"\nmax_concurrent = 5\n\
         outcomes.no_answer = { probability = 1.0, holding = { dist = \"deterministic\", value = \"30s\" } }",
        ROOMY,
    );
    let path = dir.path().join("m.toml");
    let m = ModelDoc::parse(&toml, &path).and_then(|d| d.build()).expect("a valid model");
    let c = &m.campaigns[0];
    assert_eq!(c.zone_offsets_s, vec![-5.0 * 3600.0, -8.0 * 3600.0]);
    assert_eq!(&c.lead_zones[..], &[0, 1, 0]);
    std::fs::write(&leads, "phone,utc_offset\n+12125550100,-05:00\n+13105550100,Pacific\n").expect("write");
    let msg = ModelDoc::parse(&toml, &path).and_then(|d| d.build()).expect_err("a bad row").to_string();
    assert!(msg.contains("line 3") && msg.contains("Pacific"), "{msg}");
    // IANA names, with the offsets of the run's week: daylight time in July.
    std::fs::write(&leads, "phone,time_zone\n+12125550100,America/New_York\n+13105550100,America/Los_Angeles\n")
        .expect("write");
    let summer = toml.replace("seed = 7\n", "seed = 7\nweek_of = \"2026-07-06\"\n");
    let m = ModelDoc::parse(&summer, &path).and_then(|d| d.build()).expect("a valid model");
    assert_eq!(m.campaigns[0].zone_offsets_s, vec![-4.0 * 3600.0, -7.0 * 3600.0]);
    let msg = ModelDoc::parse(&toml, &path).and_then(|d| d.build()).expect_err("no week_of").to_string();
    assert!(msg.contains("line 2") && msg.contains("week_of"), "{msg}");
    let msg = ModelDoc::parse(&summer.replace("2026-07-06", "2026-07-07"), &path)
        .and_then(|d| d.build())
        .expect_err("a Tuesday")
        .to_string();
    assert!(msg.contains("run.week_of") && msg.contains("Monday"), "{msg}");
}
