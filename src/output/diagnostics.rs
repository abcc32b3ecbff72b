//! Bad input as a person reads it: each diagnostic with its file, line,
//! column, key and message, and the offending line of the file underlined
//! (codespan-reporting), errors and warnings alike.

use crate::error::{Diagnostic, Error, Severity};
use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};

/// One diagnostic: `error: file, line L, column C: `key`: message`, then
/// the line it is about when it is located in the file's text.
pub fn render_one(d: &Diagnostic) -> String {
    let head = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let (Some(span), Some(source)) = (&d.span, &d.source) else { return format!("{head}: {d}\n") };
    let file = SimpleFile::new(d.file.display().to_string(), source.as_ref());
    let report = match d.severity {
        Severity::Error => Report::error(),
        Severity::Warning => Report::warning(),
    }
    .with_message(d.to_string())
    .with_labels(vec![Label::primary((), span.clone()).with_message(if d.key.is_empty() {
        "here".to_string()
    } else {
        format!("`{}`", d.key)
    })]);
    term::emit_into_string(&Config::default(), &file, &report).unwrap_or_else(|_| format!("{head}: {d}\n"))
}

/// Every diagnostic of `e` (or the I/O error), one after another.
pub fn render(e: &Error) -> String {
    match e {
        Error::Input(ds) => ds.iter().map(render_one).collect(),
        Error::Io { .. } | Error::Output { .. } => format!("error: {e}\n"),
    }
}
