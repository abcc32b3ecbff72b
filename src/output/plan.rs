//! A plan's outputs: `plan.csv` (month, load, the option per choice, its
//! monthly cost and certified capacity), `capacity.csv` (every combination
//! certified), `ladder.csv`, Parquet twins, the runway and cost charts, and
//! the printed summary with the upgrade calendar.

use super::charts::{register_font, FONT_FAMILY};
use super::format::table;
use super::legend::COLORS;
use super::{render_error, tables, Drawn, OutputFile};
use crate::cost::MonthCost;
use crate::error::Result;
use crate::plan::PlanResult;
use crate::study::Plan;
use crate::units::money;
use comfy_table::Cell;
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;
use std::path::Path;

fn frame(cols: Vec<Column>) -> DataFrame {
    DataFrame::new_infer_height(cols).expect("columns are built with equal lengths and unique names")
}

/// One row per month.
pub fn plan_frame(plan: &Plan, r: &PlanResult) -> DataFrame {
    let mut cols = vec![
        Column::new("month".into(), r.months.iter().map(|m| m.month).collect::<Vec<_>>()),
        Column::new("load_erl".into(), r.months.iter().map(|m| m.load_erl).collect::<Vec<_>>()),
    ];
    for (ci, c) in plan.choices.iter().enumerate() {
        let names: Vec<Option<String>> =
            r.months.iter().map(|m| m.chosen.map(|i| c.options[r.combos[i].options[ci]].name.clone())).collect();
        cols.push(Column::new(c.name.as_str().into(), names));
    }
    let of = |get: fn(&crate::plan::CertifiedCombo) -> f64| -> Vec<Option<f64>> {
        r.months.iter().map(|m| m.chosen.map(|i| get(&r.combos[i]))).collect()
    };
    cols.push(Column::new("fixed_usd".into(), of(|c| c.monthly_usd)));
    let cost = |get: fn(&MonthCost) -> f64| -> Vec<Option<f64>> {
        r.months.iter().map(|m| m.cost.as_ref().map(get)).collect()
    };
    cols.push(Column::new("monthly_usd_mean".into(), cost(|c| c.total_usd.mean)));
    cols.push(Column::new("monthly_usd_ci95".into(), cost(|c| c.total_usd.ci95)));
    cols.push(Column::new("usd_per_carried_call".into(), cost(|c| c.per_carried_call_usd.mean)));
    cols.push(Column::new("usd_per_carried_minute".into(), cost(|c| c.per_carried_minute_usd.mean)));
    cols.push(Column::new("certified_erl".into(), of(|c| c.certified.pass_erl)));
    cols.push(Column::new("covered".into(), r.months.iter().map(|m| m.chosen.is_some()).collect::<Vec<_>>()));
    if let Some(risk) = &r.risk {
        for (k, name) in ["load_p10_erl", "load_p50_erl", "load_p90_erl"].into_iter().enumerate() {
            cols.push(Column::new(name.into(), risk.bands.iter().map(|b| b[k]).collect::<Vec<_>>()));
        }
        cols.push(Column::new("chance_over_capacity".into(), risk.over_capacity.clone()));
    }
    frame(cols)
}

/// One row per combination certified.
pub fn capacity_frame(plan: &Plan, r: &PlanResult) -> DataFrame {
    let mut cols = Vec::new();
    for (ci, c) in plan.choices.iter().enumerate() {
        let names: Vec<String> = r.combos.iter().map(|k| c.options[k.options[ci]].name.clone()).collect();
        cols.push(Column::new(c.name.as_str().into(), names));
    }
    cols.push(Column::new("monthly_usd".into(), r.combos.iter().map(|c| c.monthly_usd).collect::<Vec<_>>()));
    cols.push(Column::new("pass_erl".into(), r.combos.iter().map(|c| c.certified.pass_erl).collect::<Vec<_>>()));
    cols.push(Column::new("fail_erl".into(), r.combos.iter().map(|c| c.certified.fail_erl).collect::<Vec<_>>()));
    cols.push(Column::new(
        "binding_limit".into(),
        r.combos.iter().map(|c| c.certified.binding.clone()).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "certified_through".into(),
        r.combos.iter().map(|c| c.certified.through.clone()).collect::<Vec<_>>(),
    ));
    cols.push(Column::new("certified_to_tolerance".into(), r.combos.iter().map(|c| c.refined).collect::<Vec<_>>()));
    cols.push(Column::new(
        "variance_ratio".into(),
        r.combos.iter().map(|c| c.certified.variance_ratio).collect::<Vec<_>>(),
    ));
    cols.push(Column::new("evaluations".into(), r.combos.iter().map(|c| c.certified.evaluations).collect::<Vec<_>>()));
    cols.push(Column::new(
        "replications".into(),
        r.combos.iter().map(|c| c.certified.replications).collect::<Vec<_>>(),
    ));
    cols.push(Column::new("calls".into(), r.combos.iter().map(|c| c.certified.calls).collect::<Vec<_>>()));
    frame(cols)
}

/// One row per month × choice of the bill: fixed and usage parts, then the
/// month's lost calls, total, and costs per carried call and minute.
pub fn costs_frame(r: &PlanResult) -> DataFrame {
    let rows: Vec<(u32, &MonthCost, Option<&crate::cost::ChoiceCost>)> = r
        .months
        .iter()
        .filter_map(|m| m.cost.as_ref().map(|c| (m.month, c)))
        .flat_map(|(m, c)| c.parts.iter().map(move |p| (m, c, Some(p))).chain(std::iter::once((m, c, None))))
        .collect();
    let part =
        |get: fn(&crate::cost::ChoiceCost) -> f64| -> Vec<Option<f64>> { rows.iter().map(|r| r.2.map(get)).collect() };
    // A month's whole-bill figure, on its `total` row only.
    let total = |get: fn(&MonthCost) -> f64| -> Vec<Option<f64>> {
        rows.iter().map(|r| r.2.is_none().then(|| get(r.1))).collect()
    };
    frame(vec![
        Column::new("month".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new(
            "choice".into(),
            rows.iter().map(|r| r.2.map_or("total".to_string(), |p| p.choice.clone())).collect::<Vec<_>>(),
        ),
        Column::new("option".into(), rows.iter().map(|r| r.2.map(|p| p.option.clone())).collect::<Vec<_>>()),
        Column::new("fixed_usd".into(), part(|p| p.fixed_usd)),
        Column::new("usage_usd_mean".into(), part(|p| p.usage_usd.mean)),
        Column::new("usage_usd_ci95".into(), part(|p| p.usage_usd.ci95)),
        Column::new("lost_calls_usd_mean".into(), total(|c| c.lost_calls_usd.mean)),
        Column::new("total_usd_mean".into(), total(|c| c.total_usd.mean)),
        Column::new("total_usd_ci95".into(), total(|c| c.total_usd.ci95)),
        Column::new("usd_per_carried_call".into(), total(|c| c.per_carried_call_usd.mean)),
        Column::new("usd_per_carried_minute".into(), total(|c| c.per_carried_minute_usd.mean)),
    ])
}

/// One row per step of the upgrade ladder.
pub fn ladder_frame(r: &PlanResult) -> DataFrame {
    let l = &r.ladder;
    frame(vec![
        Column::new("choice".into(), l.iter().map(|s| s.choice.clone()).collect::<Vec<_>>()),
        Column::new("from".into(), l.iter().map(|s| s.from.clone()).collect::<Vec<_>>()),
        Column::new("to".into(), l.iter().map(|s| s.to.clone()).collect::<Vec<_>>()),
        Column::new("gain_erl".into(), l.iter().map(|s| s.gain_erl).collect::<Vec<_>>()),
        Column::new("extra_usd".into(), l.iter().map(|s| s.extra_usd).collect::<Vec<_>>()),
        Column::new("usd_per_erl".into(), l.iter().map(|s| s.usd_per_erl).collect::<Vec<_>>()),
    ])
}

/// The month-by-month table as text cells: `month`, `load (Erl)`, the
/// option per choice, `$/month (± 95% CI)`, `certified (Erl)` and the
/// runner-up with its extra fixed price. Shared by the terminal and the
/// report.
pub fn month_table(plan: &Plan, r: &PlanResult) -> (Vec<String>, Vec<Vec<String>>) {
    let unit = &plan.load_unit;
    let mut header = vec![if plan.by_month { "month" } else { "#" }.to_string(), format!("load ({unit})")];
    header.extend(plan.choices.iter().map(|c| c.name.clone()));
    let total = if plan.value_per_lost_call > 0.0 { "fixed + usage + lost calls" } else { "fixed + usage" };
    header.extend([
        "fixed $/month".to_string(),
        "usage $/month (± 95% CI)".to_string(),
        format!("total $/month ({total}, ± 95% CI)"),
        format!("certified ({unit})"),
        "runner-up (dearer by, $/month in total, estimated)".to_string(),
    ]);
    if r.risk.is_some() {
        header.extend([format!("load p10–p90 ({unit})"), "chance it cannot carry the load".to_string()]);
    }
    let rows = r
        .months
        .iter()
        .map(|m| {
            let mut row = vec![m.month.to_string(), format!("{:.1}", m.load_erl)];
            match m.chosen {
                Some(i) => {
                    row.extend(r.names(plan, i).into_iter().map(String::from));
                    row.push(money(r.combos[i].monthly_usd));
                    match &m.cost {
                        Some(c) => {
                            row.push(format!("{} ± {}", money(c.usage_usd.mean), money(c.usage_usd.ci95)));
                            row.push(format!("{} ± {}", money(c.total_usd.mean), money(c.total_usd.ci95)));
                        }
                        None => row.extend(["-".to_string(), money(r.combos[i].monthly_usd)]),
                    }
                    let cert = &r.combos[i].certified;
                    let through = cert.through.as_ref().map_or(String::new(), |i| format!(" (through {i})"));
                    row.push(format!("{:.1}–{:.1}{through}", cert.pass_erl, cert.fail_erl));
                    row.push(m.runner_up.map_or("-".into(), |u| {
                        let fixed = r.combos[u].monthly_usd - r.combos[i].monthly_usd;
                        let total = m
                            .runner_up_dearer_usd
                            .map_or(String::new(), |d| format!(", {} in total", crate::units::signed_money(d)));
                        format!("{} ({} fixed{total})", r.names(plan, u).join(", "), crate::units::signed_money(fixed))
                    }));
                }
                None => {
                    row.push("no combination carries it".into());
                    row.extend((1..plan.choices.len() + 5).map(|_| "-".to_string()));
                }
            }
            if let Some(risk) = &r.risk {
                let [p10, _, p90] = risk.bands[m.month as usize];
                row.push(format!("{p10:.1}–{p90:.1}"));
                row.push(
                    risk.over_capacity[m.month as usize]
                        .map_or("-".into(), |p| format!("{}%", crate::units::significant(100.0 * p, 2))),
                );
            }
            row
        })
        .collect();
    (header, rows)
}

/// What `simcall plan` prints: the months, the calendar, the ladder and
/// the search's effort.
pub fn text(plan: &Plan, r: &PlanResult) -> String {
    let (header, rows) = month_table(plan, r);
    let mut t = table(header);
    for row in rows {
        t.add_row(row.into_iter().map(Cell::new).collect::<Vec<_>>());
    }
    let mut out = format!(
        "{}: {} {}s, tolerance {:.1}%; SLA judged over {}, loads in {}\n{t}\n",
        plan.name,
        r.months.len(),
        plan.step_name(),
        100.0 * plan.tolerance,
        plan.judged_over,
        plan.load_unit
    );
    for line in plan.survive_lines() {
        out += &format!("{line}\n");
    }
    out += "calendar:\n";
    for line in r.calendar(plan) {
        out += &format!("  {line}\n");
    }
    for line in r.risk_lines(plan) {
        out += &format!("  {line}\n");
    }
    if !r.ladder.is_empty() {
        let unit = &plan.load_unit;
        let mut l = table(vec![
            "choice".to_string(),
            "next option".to_string(),
            format!("gain ({unit})"),
            "+$/month fixed".to_string(),
            format!("$ per {unit}"),
        ]);
        for s in &r.ladder {
            l.add_row(vec![
                Cell::new(&s.choice),
                Cell::new(format!("{} → {}", s.from, s.to)),
                Cell::new(format!("{:.1}", s.gain_erl)),
                Cell::new(format!("{:.0}", s.extra_usd)),
                Cell::new(if s.usd_per_erl.is_finite() {
                    format!("{:.2}", s.usd_per_erl)
                } else {
                    "nothing gained".into()
                }),
            ]);
        }
        out += &format!("upgrade ladder (from the last month's choice):\n{l}\n");
    }
    let sims: u32 = r.combos.iter().map(|c| c.certified.evaluations).sum();
    let reps: u64 = r.combos.iter().map(|c| c.certified.replications).sum();
    let refined = r.combos.iter().filter(|c| c.refined).count();
    let calls: u64 = r.combos.iter().map(|c| c.certified.calls).sum();
    out + &format!(
        "search: {} combinations, {} simulated ({refined} certified to the tolerance, {} judged only at the loads asked; {sims} loads simulated, {reps} replications, {calls} calls), {} never simulated (dominated, or short by monotonicity or a bound)\n",
        r.total,
        r.combos.len(),
        r.combos.len() - refined,
        r.pruned
    )
}

/// The plan's tables as files: `plan`, `capacity` and `costs` as CSV and
/// Parquet, `ladder` as CSV.
///
/// Errors ([`crate::error::Error::Output`]) when a table cannot be written.
pub fn table_files(plan: &Plan, r: &PlanResult) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    for (name, mut df, parquet) in [
        ("plan", plan_frame(plan, r), true),
        ("capacity", capacity_frame(plan, r), true),
        ("ladder", ladder_frame(r), false),
        ("costs", costs_frame(r), true),
    ] {
        if parquet {
            files.extend(tables::both(&mut df, Path::new(name))?);
        } else {
            let file = format!("{name}.csv");
            files.push(OutputFile::new(&file, tables::csv(&mut df, &file)?));
        }
    }
    Ok(files)
}

/// The plan's charts, by name: `runway` and `cost`.
///
/// Errors ([`crate::error::Error::Output`]) when a chart cannot be drawn.
pub fn charts(plan: &Plan, r: &PlanResult) -> Result<Vec<(&'static str, Drawn)>> {
    register_font();
    let runway = draw_chart!((1000, 620), |area| draw_runway(area, plan, r)).map_err(|e| render_error("runway", e))?;
    let cost = draw_chart!((1000, 500), |area| draw_cost(area, plan, r)).map_err(|e| render_error("cost", e))?;
    Ok(vec![("runway", runway), ("cost", cost)])
}

/// The runway: each certified combination's capacity as a horizontal band
/// [last pass, first fail] across the months, against the forecast curve
/// and, when the forecast is a range, its p10–p90 fan.
fn draw_runway<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    plan: &Plan,
    r: &PlanResult,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let months = r.months.len().max(1) as f64 - 1.0;
    let fan = r.risk.as_ref().map(|k| &k.bands);
    let top = r
        .months
        .iter()
        .map(|m| m.load_erl)
        .chain(r.combos.iter().filter(|c| c.refined).map(|c| c.certified.pass_erl))
        .chain(fan.iter().flat_map(|b| b.iter().map(|q| q[2])))
        .fold(1.0, f64::max)
        * 1.15;
    let mut ctx = ChartBuilder::on(&root)
        .caption(format!("{}: certified capacity of each combination vs forecast", plan.name), (FONT_FAMILY, 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..months.max(1.0) + 0.5, 0.0..top)
        .map_err(|e| err(&e))?;
    let step = |v: &f64| step_tick(plan, *v);
    let y_tick = |v: &f64| crate::units::tick(*v);
    ctx.configure_mesh()
        .x_desc(plan.step_name())
        .x_label_formatter(&step)
        .y_label_formatter(&y_tick)
        .y_desc(format!("offered load ({})", plan.load_unit))
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    let chosen: Vec<usize> = r.months.iter().filter_map(|m| m.chosen).collect();
    // Combinations judged only at the loads asked have ranges as wide as
    // those loads leave them: only the certified ones are drawn.
    for (k, c) in r.combos.iter().enumerate().filter(|(_, c)| c.refined) {
        let color = if chosen.contains(&k) { COLORS[k % COLORS.len()] } else { RGBColor(190, 190, 190) };
        let hi = c.certified.fail_erl.min(top);
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(-0.5, c.certified.pass_erl), (months.max(1.0) + 0.5, hi)],
            color.mix(0.35).filled(),
        )))
        .map_err(|e| err(&e))?;
        if chosen.contains(&k) {
            let label = format!("{} ({}/month fixed)", r.names(plan, k).join(", "), money(c.monthly_usd));
            ctx.draw_series(std::iter::once(Text::new(label, (-0.4, c.certified.pass_erl), (FONT_FAMILY, 12))))
                .map_err(|e| err(&e))?;
        }
    }
    if let Some(bands) = fan {
        let outline: Vec<(f64, f64)> = bands
            .iter()
            .enumerate()
            .map(|(m, q)| (m as f64, q[2].min(top)))
            .chain(bands.iter().enumerate().rev().map(|(m, q)| (m as f64, q[0])))
            .collect();
        ctx.draw_series(std::iter::once(Polygon::new(outline, BLACK.mix(0.12).filled())))
            .map_err(|e| err(&e))?
            .label("forecast p10–p90")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], BLACK.mix(0.12).filled()));
    }
    ctx.draw_series(LineSeries::new(r.months.iter().map(|m| (m.month as f64, m.load_erl)), BLACK.stroke_width(3)))
        .map_err(|e| err(&e))?
        .label(if fan.is_some() { "forecast load (p50)" } else { "forecast load" })
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(3)));
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT_FAMILY, 13))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

/// The monthly cost of each month's choice, as a step chart.
/// A tick of the forecast's axis: "month 2" (or "load 2") at whole steps,
/// nothing between them.
fn step_tick(plan: &Plan, v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v >= -1e-9 {
        format!("{} {}", plan.step_name(), v.round() as i64)
    } else {
        String::new()
    }
}

fn draw_cost<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    plan: &Plan,
    r: &PlanResult,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let costs: Vec<(f64, f64)> =
        r.months.iter().filter_map(|m| m.cost.as_ref().map(|c| (m.month as f64, c.total_usd.mean))).collect();
    let months = r.months.len().max(1) as f64;
    let top = costs.iter().map(|c| c.1).fold(1.0, f64::max) * 1.15;
    let mut ctx = ChartBuilder::on(&root)
        .caption(format!("{}: monthly cost of the cheapest certified combination", plan.name), (FONT_FAMILY, 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..months - 0.5, 0.0..top)
        .map_err(|e| err(&e))?;
    let step = |v: &f64| step_tick(plan, *v);
    let y_money = |v: &f64| money(*v);
    ctx.configure_mesh()
        .x_desc(plan.step_name())
        .x_label_formatter(&step)
        .y_label_formatter(&y_money)
        .y_desc("total per month (fixed + usage)")
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    let mut steps = Vec::new();
    for (i, &(m, c)) in costs.iter().enumerate() {
        steps.push((m - 0.5, c));
        steps.push((costs.get(i + 1).map_or(m + 0.5, |n| n.0 - 0.5), c));
    }
    ctx.draw_series(LineSeries::new(steps, COLORS[0].stroke_width(3))).map_err(|e| err(&e))?;
    ctx.draw_series(costs.iter().map(|&p| Circle::new(p, 4, COLORS[0].filled()))).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
