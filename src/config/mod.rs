//! Files → checked models: the only code that reads TOML, CSV inputs and
//! time-zone names.
//!
//! Loading is two steps so that sweeps can change keys cheaply and safely:
//! [`ModelDoc::load`] reads and parses the TOML once, [`ModelDoc::set`]
//! overrides keys by path, and [`ModelDoc::build`] checks every value and
//! yields a [`Model`]. Building reports every problem it finds, each with
//! the file, the key path, what is allowed and (when the key is in the file)
//! the span of the offending text. Input files a model names (durations,
//! profiles, traces, lead lists) are read once through [`Inputs`] and shared
//! by every cell of an experiment.

pub mod bounds;
mod build;
mod call_log;
mod campaign;
mod csv_input;
mod days;
pub mod experiment;
mod file;
mod limit;
mod locate;
mod overflow;
pub mod overrides;
pub mod plan;
pub mod schema;
mod sla;
mod timeline;
mod traffic;
pub mod vary;
mod warnings;

pub use call_log::{
    header_of, read_call_log, read_call_log_for_fit, read_call_log_with, read_interval_counts, CallColumns,
    OutcomeColumns,
};
pub use experiment::{load_experiment, parse_sets};
pub use plan::load_plan;
pub use warnings::warnings;

use crate::error::{Diagnostic, Error, Result};
use crate::model::Model;
use crate::study::{InputFile, Models};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How a failed override's message starts (`cannot set K=V: …`): what
/// tells a study's key that the model lacked.
const SET_FAILURE: &str = "cannot set ";
/// How a diagnostic names the overrides applied before it (`… (after
/// setting K=V, …)`).
const AFTER_SETTING: &str = " (after setting ";

/// The input files a model names, each read once and shared by every
/// model built from the same document (the cells of an experiment).
#[derive(Debug, Default)]
pub struct Inputs {
    texts: Mutex<HashMap<PathBuf, TextAndDigest>>,
}

/// A file's text and the SHA-256 (hex) of its bytes.
type TextAndDigest = (Arc<str>, Arc<str>);

impl Inputs {
    /// The text of `path`, read on first use, and its SHA-256.
    ///
    /// Errors with the system's message when the file cannot be read.
    pub fn text(&self, path: &Path) -> std::result::Result<TextAndDigest, String> {
        let mut texts = self.texts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(t) = texts.get(path) {
            return Ok(t.clone());
        }
        let text: Arc<str> =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.into();
        let digest: Arc<str> = InputFile::of(path, text.as_bytes()).sha256.into();
        texts.insert(path.to_path_buf(), (text.clone(), digest.clone()));
        Ok((text, digest))
    }
}

/// A model file as parsed TOML, open to overrides before it is built.
#[derive(Debug, Clone)]
pub struct ModelDoc {
    /// Where it was read from; relative paths inside resolve against its folder.
    pub path: PathBuf,
    /// The file's text as read, for locating keys in diagnostics.
    text: Arc<str>,
    /// The parsed TOML, with the overrides applied so far.
    pub table: toml::Table,
    /// The overrides applied so far, named in error messages.
    applied: Vec<String>,
    /// The input files it names, read once for every build.
    inputs: Arc<Inputs>,
    /// How far the soft bounds hold for the models it builds.
    reach: bounds::Reach,
}

impl ModelDoc {
    /// Reads and parses `path`.
    ///
    /// Errors when the file cannot be read or is not TOML (with line and column).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::input(path, "", format!("cannot read the model file: {e}")))?;
        Self::parse(&text, path)
    }

    /// Parses model TOML held in memory; `path` names it in errors and
    /// anchors relative paths.
    ///
    /// Errors when the text is not TOML (with line and column).
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let text: Arc<str> = text.into();
        let table =
            text.parse::<toml::Table>().map_err(|e| Error::Input(vec![locate::toml_error(path, &text, "", &e)]))?;
        Ok(ModelDoc {
            path: path.to_path_buf(),
            text,
            table,
            applied: Vec::new(),
            inputs: Arc::default(),
            reach: bounds::Reach::Soft,
        })
    }

    /// The document, with the soft bounds holding as far as `reach` says
    /// for every model it builds (`--yes` is [`bounds::Reach::Hard`]).
    pub fn reaching(mut self, reach: bounds::Reach) -> Self {
        self.reach = reach;
        self
    }

    /// Overrides the key at a dotted `key_path` (see [`overrides::set_path`]).
    ///
    /// Errors when the path does not exist in the model (naming what exists).
    pub fn set(&mut self, key_path: &str, value: toml::Value) -> Result<()> {
        let shown = format!("{key_path}={value}");
        overrides::set_path(&mut self.table, key_path, value)
            .map_err(|e| Error::input(&self.path, "", format!("{SET_FAILURE}{shown}: {e}")))?;
        self.applied.push(shown);
        Ok(())
    }

    /// The model an experiment or plan file at `path` names (`model`,
    /// relative to that file), with the file's `run` and `sla` tables
    /// applied; returns the model's path too.
    ///
    /// Errors (naming `path` and `model`) when the model file does not
    /// exist; else as [`ModelDoc::load`], and for a `run` or `sla` key that
    /// is not in the model, at that key of `path`.
    pub(crate) fn load_for(
        path: &Path,
        model: &str,
        run: &toml::Table,
        sla: &toml::Table,
        reach: bounds::Reach,
    ) -> Result<(PathBuf, Self)> {
        let model_path = path.parent().unwrap_or(Path::new(".")).join(model);
        if !model_path.is_file() {
            return Err(Error::input(path, "model", format!("the model file {} does not exist", model_path.display())));
        }
        let mut doc = ModelDoc::load(&model_path)?.reaching(reach);
        let mut p = crate::error::Problems::default();
        for (section, table) in [("run", run), ("sla", sla)] {
            for (k, v) in table {
                // A key that is not in the model is this file's mistake.
                let origin = [(format!("{section}.{k}"), format!("{section}.{}", locate::quoted(k)))];
                p.take(doc.set(&origin[0].0, v.clone()).map_err(|e| locate::repoint(e, &origin, path)));
            }
        }
        p.finish(|| (model_path, doc))
    }

    /// Checks every value and builds the model.
    ///
    /// Errors name the file, the key and what is allowed (unknown keys,
    /// values of the wrong type, non-positive rates, capacity 0, an unknown
    /// distribution, durations without units, …): every problem found in
    /// one error, each located in the file's text where the key is written.
    pub fn build(&self) -> Result<Model> {
        self.build_reading().map(|(model, _)| model)
    }

    /// Builds the model as [`ModelDoc::build`] does, and names the input
    /// files it read (profiles, traces, empirical durations, lead lists),
    /// each with its digest, sorted by path: what a cell's result depends
    /// on besides the document.
    ///
    /// Errors as [`ModelDoc::build`].
    pub fn build_reading(&self) -> Result<(Model, Vec<InputFile>)> {
        let b = build::Builder { path: &self.path, inputs: &self.inputs, reach: self.reach, read: Default::default() };
        let model = b.model(&self.table).map_err(|e| self.located(e))?;
        let beyond = bounds::check(&model, &self.path, self.reach);
        if beyond.is_empty() {
            let read = b
                .read
                .into_inner()
                .into_iter()
                .map(|(path, sha256)| InputFile { path, sha256: sha256.to_string() })
                .collect();
            Ok((model, read))
        } else {
            Err(self.located(Error::Input(beyond)))
        }
    }

    /// The document after the overrides applied so far, as canonical JSON
    /// (what a stored result's key hashes).
    pub fn document(&self) -> String {
        serde_json::to_string(&self.table).expect("a TOML table serializes as JSON")
    }

    /// The comment block at the top of the file (the sources it cites),
    /// without the comment marks.
    pub fn header(&self) -> String {
        self.text
            .lines()
            .take_while(|l| l.starts_with('#') || l.trim().is_empty())
            .map(|l| l.trim_start_matches('#').trim())
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// The model file's own record: its path and the digest of the text
    /// this document was parsed from (before any override).
    pub fn file(&self) -> InputFile {
        InputFile::of(&self.path, self.text.as_bytes())
    }

    /// Builds the model and also checks what is allowed but probably not
    /// meant: the model (if it builds) and every diagnostic, warnings
    /// included (`simcall validate`).
    pub fn check(&self) -> (Option<Model>, Vec<Diagnostic>) {
        match self.build() {
            Ok(m) => {
                let warnings = warnings::warnings(&m, &self.path)
                    .into_iter()
                    .map(|d| {
                        let span = locate::span_of(&self.text, &d.key);
                        Diagnostic { span, source: Some(self.text.clone()), ..d }
                    })
                    .collect();
                (Some(m), warnings)
            }
            Err(Error::Input(ds)) => (None, ds),
            Err(e) => (None, vec![Diagnostic::error(&self.path, "", e)]),
        }
    }

    /// Diagnostics of `e` with spans in the file's text (and the overrides
    /// applied so far named, since they may be the cause).
    fn located(&self, e: Error) -> Error {
        let Error::Input(ds) = e else { return e };
        let after = if self.applied.is_empty() {
            String::new()
        } else {
            format!("{AFTER_SETTING}{})", self.applied.join(", "))
        };
        let ds = ds
            .into_iter()
            .map(|d| {
                if d.file != self.path {
                    return d;
                }
                let span = locate::span_for(&self.text, &d);
                Diagnostic { span, source: Some(self.text.clone()), message: format!("{}{after}", d.message), ..d }
            })
            .collect::<Vec<_>>();
        Error::Input(in_file_order(ds))
    }
}

/// Reads the `what` file (an experiment's, a plan's) at `path` into its top
/// level `T`, and `then` the rest of it; every diagnostic about the file is
/// then located in its text, each problem once.
///
/// Errors when the file cannot be read, is not TOML, has a key `T` does not
/// allow or a value of the wrong type, or as `then` does.
fn read_study<T: serde::de::DeserializeOwned, R>(
    path: &Path,
    what: &str,
    then: impl FnOnce(&Arc<str>, T) -> Result<R>,
) -> Result<R> {
    let text: Arc<str> = std::fs::read_to_string(path)
        .map_err(|e| Error::input(path, "", format!("cannot read the {what} file: {e}")))?
        .into();
    let read = || {
        let table: toml::Table =
            text.parse().map_err(|e| Error::Input(vec![locate::toml_error(path, &text, "", &e)]))?;
        then(&text, build::part(path, "", &toml::Value::Table(table))?)
    };
    read().map_err(|e| locate::in_text(path, &text, e))
}

/// A model document with the overrides every model built from it ends
/// with (the command line's `--set`s, which win): how an experiment or a
/// plan builds its models.
#[derive(Debug, Clone)]
pub struct DocModels {
    doc: ModelDoc,
    after: Vec<(String, toml::Value)>,
}

impl DocModels {
    /// The models of `doc`, with nothing set after.
    pub fn new(doc: ModelDoc) -> Self {
        DocModels { doc, after: vec![] }
    }

    /// The document after `sets`, then the overrides it ends with.
    ///
    /// Errors when a key does not exist (naming what exists).
    pub(super) fn doc_with(&self, sets: &[(String, toml::Value)]) -> Result<ModelDoc> {
        let mut doc = self.doc.clone();
        for (k, v) in sets.iter().chain(&self.after) {
            doc.set(k, v.clone())?;
        }
        Ok(doc)
    }
}

impl Models for DocModels {
    fn build(&self, sets: &[(String, toml::Value)]) -> Result<(Model, Vec<InputFile>)> {
        self.doc_with(sets)?.build_reading()
    }

    fn keyed(&self, sets: &[(String, toml::Value)]) -> Result<(String, Vec<InputFile>)> {
        let doc = self.doc_with(sets)?;
        let (_, read) = doc.build_reading()?;
        Ok((doc.document(), read))
    }
}

/// Diagnostics sorted by where they are in the file (unlocated ones last,
/// in the order found).
fn in_file_order(mut ds: Vec<Diagnostic>) -> Vec<Diagnostic> {
    ds.sort_by_key(|d| d.span.as_ref().map_or(usize::MAX, |s| s.start));
    ds
}
