//! The review page of a study of one model (`report.html` of `simcall
//! backtest` and `simcall sensitivity`): the question and the answer, the
//! model's traffic, limit chain and SLA, one table, the charts, how far to
//! trust it and how to reproduce it. Same rules as the other reports: one
//! file, no script, nothing fetched.

use super::html::{environment, input_rows, limits, scalable, self_test_view, sla_text, sources};
use crate::model::Model;
use crate::report::Provenance;
use serde::Serialize;

/// What a study's page shows.
pub struct StudyPage<'a> {
    /// What kind of study: "backtest", "sensitivity".
    pub kind: &'a str,
    /// The question, in a sentence.
    pub question: String,
    /// The answer, in a few.
    pub answer: String,
    /// Warnings beside the answer.
    pub warnings: Vec<String>,
    /// The model studied.
    pub model: &'a Model,
    /// The comment block at the top of the model file.
    pub sources_cited: String,
    /// More assumptions, a paragraph each (the log read, the inputs varied).
    pub notes: Vec<String>,
    /// The table's title, header and rows.
    pub table: (String, Vec<String>, Vec<Vec<String>>),
    /// The charts: id, SVG, caption.
    pub charts: Vec<(&'a str, String, String)>,
    /// How far to trust it, in a paragraph.
    pub trust: String,
    /// The command and the inputs with their digests.
    pub provenance: &'a Provenance,
}

#[derive(Serialize)]
struct ChartRow {
    id: String,
    svg: String,
    caption: String,
}

/// The page of `p`, as HTML.
pub fn page(p: &StudyPage) -> String {
    let mut env = environment();
    env.add_template("report.html", include_str!("../../assets/study-report.html.j2"))
        .expect("the study template parses");
    let charts: Vec<ChartRow> = p
        .charts
        .iter()
        .map(|(id, svg, caption)| ChartRow { id: id.to_string(), svg: scalable(svg.clone()), caption: caption.clone() })
        .collect();
    let ctx = minijinja::context! {
        title => p.model.name,
        kind => p.kind,
        description => p.model.description,
        version => env!("CARGO_PKG_VERSION"),
        question => p.question,
        answer => p.answer,
        warnings => p.warnings,
        sources => sources(p.model),
        limits => limits(p.model),
        sla => sla_text(p.model),
        notes => p.notes,
        sources_cited => p.sources_cited,
        table_title => p.table.0,
        header => p.table.1,
        rows => p.table.2,
        charts => charts,
        trust => p.trust,
        self_test => self_test_view(p.provenance),
        command => p.provenance.command,
        seed => p.model.run.seed,
        inputs => input_rows(p.provenance),
    };
    env.get_template("report.html").expect("added above").render(ctx).expect("the page renders from its own data")
}
