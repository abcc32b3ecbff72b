//! The capacity review of a plan (`report.html` beside the plan's tables):
//! the question and the answer (what to buy now, its monthly cost, the load
//! it is certified for, when the next upgrade falls due), the assumptions,
//! the month-by-month choice and calendar, every certified combination, the
//! upgrade ladder, the runway and cost charts, trust and reproduction. Same
//! rules as the sweep's report: one file, no script, nothing fetched.

use super::html::{environment, input_rows, limits, scalable, self_test_view, sla_text, sources};
use super::Drawn;
use crate::report::PlanReport;
use crate::units::money;
use serde::Serialize;

#[derive(Serialize)]
struct ChoiceRow {
    name: String,
    options: String,
}

#[derive(Serialize)]
struct LadderRow {
    choice: String,
    step: String,
    gain: String,
    extra: String,
    per_erl: String,
}

#[derive(Serialize)]
struct ChartRow {
    id: String,
    svg: String,
    caption: String,
}

/// The plan's `report.html`, embedding the runway and cost charts drawn
/// for its output set (`charts`, by name).
pub fn page(rep: &PlanReport, charts: &[(&str, Drawn)]) -> String {
    let (plan, r, base) = (&rep.plan, &rep.result, &rep.base);
    let first = r.months.first();
    let answer = match first.and_then(|m| m.chosen.map(|c| (m, c))) {
        Some((m, c)) => {
            let combo = &r.combos[c];
            let cost = m.cost.as_ref().map_or_else(
                || format!("{} a month fixed", money(combo.monthly_usd)),
                |b| format!("{} ± {} a month in all", money(b.total_usd.mean), money(b.total_usd.ci95)),
            );
            let next = r.months.iter().find(|n| n.chosen != Some(c)).map_or_else(
                || {
                    format!(
                        "It carries every {} of the forecast ({} {}s).",
                        plan.step_name(),
                        r.months.len(),
                        plan.step_name()
                    )
                },
                |n| {
                    format!(
                        "The next upgrade falls due at {} {} ({:.1} {}).",
                        plan.step_name(),
                        n.month,
                        n.load_erl,
                        plan.load_unit
                    )
                },
            );
            format!(
                "Buy {} now: {cost}, certified for {:.1}–{:.1} {unit} against {:.1} {unit} offered. {next}",
                r.names(plan, c).join(" + "),
                combo.certified.pass_erl,
                combo.certified.fail_erl,
                m.load_erl,
                unit = plan.load_unit
            )
        }
        None => format!("No combination of the options carries {} 0's load inside the SLA.", plan.step_name()),
    };
    let (months_header, months_rows) = super::plan::month_table(plan, r);
    let mut combos_header: Vec<String> = plan.choices.iter().map(|c| c.name.clone()).collect();
    combos_header.extend([
        "fixed $/month".to_string(),
        format!("certified ({})", plan.load_unit),
        "binding limit".into(),
        "replications".into(),
    ]);
    let mut order: Vec<usize> = (0..r.combos.len()).collect();
    order.sort_by(|&a, &b| r.combos[a].monthly_usd.total_cmp(&r.combos[b].monthly_usd));
    let combos_rows: Vec<Vec<String>> = order
        .iter()
        .map(|&i| {
            let c = &r.combos[i];
            let mut row: Vec<String> = r.names(plan, i).into_iter().map(String::from).collect();
            row.push(format!("{:.0}", c.monthly_usd));
            let range = format!("{:.1}–{:.1}", c.certified.pass_erl, c.certified.fail_erl);
            row.push(if c.refined { range } else { format!("{range} (judged at the loads asked)") });
            let binding = c.certified.binding.clone().unwrap_or_else(|| "-".into());
            row.push(match &c.certified.through {
                Some(i) => format!("{binding} (through incident {i})"),
                None => binding,
            });
            row.push(c.certified.replications.to_string());
            row
        })
        .collect();
    let ladder: Vec<LadderRow> = r
        .ladder
        .iter()
        .map(|s| LadderRow {
            choice: s.choice.clone(),
            step: format!("{} → {}", s.from, s.to),
            gain: format!("{:.1}", s.gain_erl),
            extra: format!("{:.0}", s.extra_usd),
            per_erl: if s.usd_per_erl.is_finite() { format!("{:.2}", s.usd_per_erl) } else { "nothing gained".into() },
        })
        .collect();
    let charts: Vec<ChartRow> = [
        ("runway", "Forecast load by month against the certified capacity of each month's choice: an upgrade falls due where the load line crosses it."),
        ("cost", "Monthly cost of each month's choice."),
    ]
    .iter()
    .filter_map(|(id, caption)| {
        let (_, d) = charts.iter().find(|(name, _)| name == id)?;
        Some(ChartRow { id: id.to_string(), svg: scalable(d.svg.clone()), caption: caption.to_string() })
    })
    .collect();
    let sims: u32 = r.combos.iter().map(|c| c.certified.evaluations).sum();
    let reps: u64 = r.combos.iter().map(|c| c.certified.replications).sum();
    let refined = r.combos.iter().filter(|c| c.refined).count();
    let ratios: Vec<f64> = r.combos.iter().filter_map(|c| c.certified.variance_ratio).collect();
    let control = super::format::control_sentence(&ratios, "per combination (geometric mean over its loads)");
    let trust = format!(
        "{} combinations considered, {} simulated: the search races them, judging each only at the months' loads it is asked about, and certifies by stochastic root finding on the offered load only the {refined} shown with a capacity (each month's choice and the upgrade ladder's; tolerance {:.1}%). {sims} loads simulated, {reps} replications; each load judged by the SLA's confidence rule with a first look at half the model's replications (at least 5), undecided counted as not passing, and a load beyond a limit with 90% one-sided confidence given up as not passing. {} never simulated (dominated, or short by monotonicity or a bound). A range is [highest load that passed, lowest that did not]; for a combination judged only at the loads asked, it is as wide as those loads leave it.{control}",
        r.total,
        r.combos.len(),
        100.0 * plan.tolerance,
        r.pruned
    );
    let inputs = input_rows(&rep.provenance);
    let mut env = environment();
    env.add_template("report.html", include_str!("../../assets/plan-report.html.j2"))
        .expect("the plan template parses");
    let ctx = minijinja::context! {
        title => plan.name,
        description => plan.description,
        version => env!("CARGO_PKG_VERSION"),
        question => format!("Which combination of {} is the cheapest that keeps {} inside its SLA each month of the forecast, and when does growth force the next upgrade?", plan.choices.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "), base.name),
        answer => answer,
        warnings => rep.warnings,
        sources => sources(base),
        limits => limits(base),
        choices => plan.choices.iter().map(|c| ChoiceRow { name: c.name.clone(), options: c.options.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", ") }).collect::<Vec<_>>(),
        sla => sla_text(base),
        survive => plan.survive_lines(),
        time_base => crate::cost::time_base(base),
        forecast => format!("Forecast offered load by month ({}): {}.", plan.load_unit, r.months.iter().map(|m| format!("{:.1}", m.load_erl)).collect::<Vec<_>>().join(", ")),
        sources_cited => plan.model_header,
        months_header => months_header,
        months_rows => months_rows,
        calendar => r.calendar(plan).into_iter().chain(r.risk_lines(plan)).collect::<Vec<_>>(),
        combos_header => combos_header,
        combos_rows => combos_rows,
        ladder => ladder,
        charts => charts,
        trust => trust,
        self_test => self_test_view(&rep.provenance),
        command => rep.provenance.command,
        seed => base.run.seed,
        inputs => inputs,
    };
    env.get_template("report.html").expect("added above").render(ctx).expect("the report renders from its own data")
}
