//! What `simcall sensitivity` shows: the inputs ranked as a table (printed
//! and `sensitivity.csv`) and a tornado chart (`tornado.png`, `.svg`): each
//! input's bar from its low value's answer to its high value's, around the
//! answer with every input as written.

use super::charts::{register_font, FONT_FAMILY};
use super::format::table;
use super::legend::COLORS;
use super::{render_error, tables, OutputFile};
use crate::error::Result;
use crate::sensitivity::{Answer, Sensitivity, Swing};
use crate::units::{money, significant};
use comfy_table::Cell;
use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

/// Whether the answers are a plan's (with a choice and a cost).
fn is_plan(s: &Sensitivity) -> bool {
    s.base.choice.is_some() || s.swings.iter().any(|w| answers(w).any(|a| a.choice.is_some()))
}

fn answers(w: &Swing) -> impl Iterator<Item = &Answer> {
    [&w.low, &w.high].into_iter().filter_map(|a| a.as_ref().ok())
}

/// A headroom interval as text: `+25%` (`+24% to +27%` when its ends
/// differ in the shown digits).
fn headroom_text(a: &Answer) -> String {
    let (lo, hi) = a.headroom();
    let pct = |x: f64| format!("{:+.0}%", 100.0 * x);
    if !hi.is_finite() {
        format!("above {}", pct(lo))
    } else if pct(lo) == pct(hi) {
        pct(lo)
    } else {
        format!("{} to {}", pct(lo), pct(hi))
    }
}

/// A certified capacity as text: `35.2` (`above 35.2` when no load failed).
fn capacity_text(a: &Answer) -> String {
    let c = &a.capacity;
    if c.fail_erl.is_finite() {
        significant(c.pass_erl, 3)
    } else {
        format!("above {}", significant(c.pass_erl, 3))
    }
}

/// The low and high values' answers through `show`, as `low / high`
/// (`-` for a value not evaluated).
fn pair(w: &Swing, show: impl Fn(&Answer) -> String) -> String {
    let one = |a: &std::result::Result<Answer, String>| a.as_ref().map_or("-".to_string(), &show);
    format!("{} / {}", one(&w.low), one(&w.high))
}

/// What an input does, in words: `no effect (trunk binds)`; for a plan,
/// the options its low or high value buys instead (`high: llm 500k TPM`);
/// why a value was not evaluated.
fn effect(w: &Swing, base: &Answer) -> String {
    let mut notes = Vec::new();
    if w.no_effect(base) {
        notes.push(match &base.capacity.binding {
            Some(b) => format!("no effect at this resolution ({b} binds)"),
            None => "no effect at this resolution".to_string(),
        });
    }
    for (side, a) in [("low", &w.low), ("high", &w.high)] {
        match a {
            Err(why) => notes.push(format!("{side}: not evaluated: {why}")),
            Ok(a) => match (&a.choice, &base.choice) {
                (Some((name, _)), Some((was, _))) if name != was => {
                    let options: Vec<&str> = name.split(", ").filter(|o| !was.split(", ").any(|x| x == *o)).collect();
                    notes.push(format!("{side}: {}", options.join(", ")));
                }
                (None, Some(_)) => notes.push(format!("{side}: no combination carries it")),
                _ => {}
            },
        }
    }
    notes.join("; ")
}

/// The inputs ranked, as a table: input and spread, its values, the
/// capacity and headroom at its low and high value, for a plan the first
/// month's cost, and its effect.
fn ranked_table(s: &Sensitivity) -> (Vec<String>, Vec<Vec<String>>) {
    let plan = is_plan(s);
    let mut header = vec![
        "input".to_string(),
        "low / as written / high".to_string(),
        format!("capacity, {} (low / high)", s.unit),
        "headroom (low / high)".to_string(),
    ];
    if plan {
        header.push("first month's cost (low / high)".to_string());
    }
    header.push("effect".to_string());
    let rows = s
        .swings
        .iter()
        .map(|w| {
            let mut row = vec![
                format!("{} ±{}%", w.vary.label, significant(100.0 * w.vary.fraction, 3)),
                format!("{} / {} / {}", w.values[1], w.values[0], w.values[2]),
                pair(w, capacity_text),
                pair(w, headroom_text),
            ];
            if plan {
                row.push(pair(w, |a| a.choice.as_ref().map_or("none".to_string(), |c| money(c.1))));
            }
            row.push(effect(w, &s.base));
            row
        })
        .collect();
    (header, rows)
}

/// The printed summary: the answer as written, then each input ranked.
pub fn text(name: &str, s: &Sensitivity) -> String {
    let base = &s.base;
    let mut out = format!(
        "{name}: certified capacity {} {} at {} {} offered ({} headroom){}\n",
        capacity_text(base),
        s.unit,
        significant(base.load_erl, 3),
        s.unit,
        headroom_text(base),
        base.capacity.binding.as_ref().map_or(String::new(), |b| format!("; {b} binds")),
    );
    if let Some((choice, usd)) = &base.choice {
        out += &format!("first month: {choice}, {}/month\n", money(*usd));
    }
    let (header, rows) = ranked_table(s);
    let mut t = table(header);
    for row in rows {
        t.add_row(row.into_iter().map(Cell::new).collect::<Vec<_>>());
    }
    out += &format!("{t}\n");
    out += &format!(
        "{} loads simulated, {} replications (common random numbers: every certification uses the same streams)\n",
        s.effort.0, s.effort.1
    );
    out
}

/// One row per input and value (`low`, `high`): the value, the certified
/// capacity's interval, the headroom's, the change from the base and, for
/// a plan, the first month's choice and its cost.
pub fn frame(s: &Sensitivity) -> DataFrame {
    struct Row<'a> {
        rank: u32,
        swing: &'a Swing,
        side: &'static str,
        answer: Option<&'a Answer>,
        value: &'a str,
        change: Option<(f64, f64)>,
        why: Option<&'a str>,
    }
    let mut rows: Vec<Row> = Vec::new();
    for (k, w) in s.swings.iter().enumerate() {
        let change = w.capacity_change(&s.base);
        for (i, (side, a)) in [("low", &w.low), ("high", &w.high)].into_iter().enumerate() {
            rows.push(Row {
                rank: k as u32 + 1,
                swing: w,
                side,
                answer: a.as_ref().ok(),
                value: &w.values[i + 1],
                change: change[i],
                why: a.as_ref().err().map(String::as_str),
            });
        }
    }
    let f = |get: &dyn Fn(&Answer) -> f64| -> Vec<Option<f64>> { rows.iter().map(|r| r.answer.map(get)).collect() };
    fn choice<'a>(r: &Row<'a>) -> Option<&'a (String, f64)> {
        r.answer.and_then(|a| a.choice.as_ref())
    }
    let cols = vec![
        Column::new("rank".into(), rows.iter().map(|r| r.rank).collect::<Vec<_>>()),
        Column::new("key".into(), rows.iter().map(|r| r.swing.vary.key.as_str()).collect::<Vec<_>>()),
        Column::new("input".into(), rows.iter().map(|r| r.swing.vary.label.as_str()).collect::<Vec<_>>()),
        Column::new("side".into(), rows.iter().map(|r| r.side).collect::<Vec<_>>()),
        Column::new("value".into(), rows.iter().map(|r| r.value).collect::<Vec<_>>()),
        Column::new("value_as_written".into(), rows.iter().map(|r| r.swing.values[0].as_str()).collect::<Vec<_>>()),
        Column::new("capacity_pass_erl".into(), f(&|a| a.capacity.pass_erl)),
        Column::new("capacity_fail_erl".into(), f(&|a| a.capacity.fail_erl)),
        Column::new(
            "capacity_change_lowest_erl".into(),
            rows.iter().map(|r| r.change.map(|c| c.0)).collect::<Vec<_>>(),
        ),
        Column::new(
            "capacity_change_highest_erl".into(),
            rows.iter().map(|r| r.change.map(|c| c.1)).collect::<Vec<_>>(),
        ),
        Column::new("offered_load_erl".into(), f(&|a| a.load_erl)),
        Column::new("headroom_low".into(), f(&|a| a.headroom().0)),
        Column::new("headroom_high".into(), f(&|a| a.headroom().1)),
        Column::new("choice".into(), rows.iter().map(|r| choice(r).map(|c| c.0.as_str())).collect::<Vec<_>>()),
        Column::new("monthly_usd".into(), rows.iter().map(|r| choice(r).map(|c| c.1)).collect::<Vec<_>>()),
        Column::new("no_effect".into(), rows.iter().map(|r| r.swing.no_effect(&s.base)).collect::<Vec<_>>()),
        Column::new("not_evaluated".into(), rows.iter().map(|r| r.why).collect::<Vec<_>>()),
    ];
    DataFrame::new_infer_height(cols).expect("columns are built with equal lengths and unique names")
}

/// The answer in words: the input that moves it most and how far, and the
/// inputs with no effect at this resolution.
pub fn answer(s: &Sensitivity) -> String {
    let plan = is_plan(s);
    let mut out = match s.swings.iter().find(|w| !w.no_effect(&s.base) && answers(w).next().is_some()) {
        Some(w) => {
            let mut t = format!(
                "{} ±{}% moves the answer most: certified capacity {} {} and headroom {} at its low / high value",
                w.vary.label,
                significant(100.0 * w.vary.fraction, 3),
                pair(w, capacity_text),
                s.unit,
                pair(w, headroom_text)
            );
            if plan {
                t += &format!(
                    ", the first month's cost {} against {}",
                    pair(w, |a| a.choice.as_ref().map_or("none".to_string(), |c| money(c.1))),
                    s.base.choice.as_ref().map_or("none".to_string(), |c| money(c.1))
                );
            }
            t + "."
        }
        None => "No input moves the answer beyond what the certification resolves.".to_string(),
    };
    let none: Vec<&str> = s.swings.iter().filter(|w| w.no_effect(&s.base)).map(|w| w.vary.label.as_str()).collect();
    if !none.is_empty() {
        out += &format!(" No effect at this resolution: {}", none.join(", "));
        out += &s.base.capacity.binding.as_ref().map_or(".".to_string(), |b| format!(" ({b} binds)."));
    }
    out
}

/// What the page of a sensitivity study needs besides its results.
pub struct PageInputs<'a> {
    /// The model whose inputs varied (a plan's model with its first month's
    /// options as written).
    pub model: &'a crate::model::Model,
    /// Its file's comment block.
    pub header: String,
    /// The command and the inputs.
    pub provenance: &'a crate::report::Provenance,
    /// The tolerance of the certifications (a fraction).
    pub tolerance: f64,
}

/// `sensitivity.csv`, the tornado chart and `report.html`.
///
/// Errors ([`crate::error::Error::Output`]) when a file cannot be written or drawn.
pub fn files(name: &str, s: &Sensitivity, p: &PageInputs) -> Result<Vec<OutputFile>> {
    register_font();
    let mut files = vec![OutputFile::new("sensitivity.csv", tables::csv(&mut frame(s), "sensitivity.csv")?)];
    let tornado = draw_chart!((1000, 160 + 44 * s.swings.len().max(1) as u32), |area| draw_tornado(area, name, s))
        .map_err(|e| render_error("tornado", e))?;
    files.extend(tornado.files(std::path::Path::new("tornado")));
    let plan = is_plan(s);
    let (header, rows) = ranked_table(s);
    let what = if plan {
        "the first month's monthly cost"
    } else {
        "the headroom (certified capacity over offered load − 1)"
    };
    let mut notes = vec![format!(
        "With every input as written: certified capacity {} {} at {} {} offered ({} headroom){}.",
        capacity_text(&s.base),
        s.unit,
        significant(s.base.load_erl, 3),
        s.unit,
        headroom_text(&s.base),
        s.base.choice.as_ref().map_or(String::new(), |(c, usd)| format!("; first month: {c}, {}/month", money(*usd)))
    )];
    notes.push(format!(
        "Each input moves to its low and high value with the others as written: {}.",
        s.swings
            .iter()
            .map(|w| format!("{} ({})", w.vary.key, w.values[1..].join(" / ")))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    let trust = format!(
        "Every certification uses the same random streams (common random numbers), so the rows differ by their inputs, not by noise. A certified capacity is the interval [highest load judged pass, lowest judged not pass], no wider than {}; an input whose low and high intervals overlap the base's moves nothing the certification can resolve. {} loads simulated and {} replications in all.",
        crate::units::percent(p.tolerance),
        s.effort.0,
        s.effort.1
    );
    let page = super::study_page::page(&super::study_page::StudyPage {
        kind: "sensitivity",
        question: format!(
            "Which input of {} moves the answer most, when each is {}% off?",
            p.model.name,
            s.swings
                .iter()
                .map(|w| significant(100.0 * w.vary.fraction, 3))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join("/")
        ),
        answer: answer(s),
        warnings: Vec::new(),
        model: p.model,
        sources_cited: p.header.clone(),
        notes,
        table: ("Each input at its low and high value, ranked".into(), header, rows),
        charts: vec![(
            "tornado",
            tornado.svg.clone(),
            format!(
                "Each input's low (blue) and high (red) value against the answer with every input as written: {what}."
            ),
        )],
        trust,
        provenance: p.provenance,
    });
    files.push(OutputFile::new("report.html", page));
    Ok(files)
}

/// The quantity a bar shows: the monthly cost (USD) for a plan, else the
/// headroom's midpoint (percent).
fn bar_value(a: &Answer, plan: bool) -> f64 {
    if plan {
        a.choice.as_ref().map_or(f64::NAN, |c| c.1)
    } else {
        let (lo, hi) = a.headroom();
        100.0 * if hi.is_finite() { 0.5 * (lo + hi) } else { lo }
    }
}

/// The tornado: one bar per input, ranked top down, from the base answer
/// to its low value's (one colour) and to its high value's (another).
fn draw_tornado<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    name: &str,
    s: &Sensitivity,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let plan = is_plan(s);
    let base = bar_value(&s.base, plan);
    let ends: Vec<[f64; 2]> = s
        .swings
        .iter()
        .map(|w| [&w.low, &w.high].map(|a| a.as_ref().ok().map_or(base, |a| bar_value(a, plan))))
        .collect();
    let (lo, hi) =
        ends.iter().flatten().filter(|v| v.is_finite()).fold((base, base), |(l, h), &v| (l.min(v), h.max(v)));
    let pad = ((hi - lo) * 0.08).max(if plan { 1.0 } else { 0.5 });
    let n = s.swings.len().max(1);
    let what = if plan {
        "first month's cost per month (USD)"
    } else {
        "headroom: certified capacity over offered load − 1 (%)"
    };
    let tick = |v: &f64| if plan { money(*v) } else { format!("{v:.0}%") };
    let labels: Vec<String> =
        s.swings.iter().map(|w| format!("{} ±{}%", w.vary.label, significant(100.0 * w.vary.fraction, 3))).collect();
    // Each input has 5 segments of the y axis, top down: its bar spans the
    // middle 3, its label sits at the centre of the third.
    const ROW: usize = 5;
    let y_label = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(j) if j % ROW == 2 && j / ROW < labels.len() => {
            labels[labels.len() - 1 - j / ROW].clone()
        }
        _ => String::new(),
    };
    let mut ctx = ChartBuilder::on(&root)
        .caption(format!("{name}: which input moves the answer (around every input as written)"), (FONT_FAMILY, 18))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(300)
        .build_cartesian_2d((lo - pad)..(hi + pad), (0..n * ROW).into_segmented())
        .map_err(|e| err(&e))?;
    ctx.configure_mesh()
        .disable_y_mesh()
        .x_desc(what)
        .x_label_formatter(&tick)
        .y_label_formatter(&y_label)
        .y_labels(n * ROW)
        .label_style((FONT_FAMILY, 13))
        .draw()
        .map_err(|e| err(&e))?;
    for (k, e) in ends.iter().enumerate() {
        let row = (n - 1 - k) * ROW;
        for (side, &v) in e.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let color = COLORS[side % COLORS.len()];
            let (a, b) = (base.min(v), base.max(v));
            let bar = ctx
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, SegmentValue::Exact(row + 1)), (b.max(a + 1e-9), SegmentValue::Exact(row + 4))],
                    color.mix(0.7).filled(),
                )))
                .map_err(|e| err(&e))?;
            if k == 0 {
                bar.label(if side == 0 { "low value" } else { "high value" })
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], color.mix(0.7).filled()));
            }
        }
    }
    ctx.draw_series(std::iter::once(PathElement::new(
        vec![(base, SegmentValue::Exact(0)), (base, SegmentValue::Exact(n * ROW))],
        BLACK.stroke_width(2),
    )))
    .map_err(|e| err(&e))?;
    ctx.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT_FAMILY, 13))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
