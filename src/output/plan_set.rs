//! A plan's output set, rendered from its [`PlanReport`]: the tables, the
//! runway and cost charts and the capacity-review page that embeds them.

use super::{plan, plan_report, OutputFile};
use crate::error::Result;
use crate::report::PlanReport;
use std::path::Path;

/// Every file of the plan's output set, by name.
///
/// Errors ([`crate::error::Error::Output`]) when a table or chart cannot be
/// rendered.
pub fn files(rep: &PlanReport) -> Result<Vec<OutputFile>> {
    let mut files = plan::table_files(&rep.plan, &rep.result)?;
    let charts = plan::charts(&rep.plan, &rep.result)?;
    for (name, d) in &charts {
        files.extend(d.files(Path::new(name)));
    }
    files.push(OutputFile::new("report.html", plan_report::page(rep, &charts)));
    Ok(files)
}
