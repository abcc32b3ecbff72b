//! The files a study was read from, and how it builds its models.

use crate::error::Result;
use crate::model::Model;
use std::path::{Path, PathBuf};
use toml::Value;

/// A file as it was read: where, and the SHA-256 (hex) of its bytes. The
/// cell store keys a cell by its inputs' digests, and reports show them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct InputFile {
    /// The path, as the model or command resolved it.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
}

impl InputFile {
    /// The record of `bytes` read from `path`.
    pub fn of(path: &Path, bytes: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        InputFile { path: path.to_path_buf(), sha256: format!("{:x}", Sha256::digest(bytes)) }
    }

    /// Adds to `list` the files of `more` it does not hold yet, in order.
    pub fn add_new(list: &mut Vec<InputFile>, more: impl IntoIterator<Item = InputFile>) {
        for f in more {
            if !list.contains(&f) {
                list.push(f);
            }
        }
    }
}

/// The key a stored result (a sweep's cell, a plan's certification) is
/// kept under: SHA-256 (hex) of the results version
/// ([`crate::RESULTS_VERSION`]), what the result is besides its model
/// (`what`: the sweep point, the certification's tolerance), the model
/// document after every override (`document`, canonical JSON) and the
/// digests of the files the model reads. The same key means the same result.
pub fn result_key(what: &str, document: &str, read: &[InputFile]) -> String {
    use sha2::{Digest, Sha256};
    let mut text = format!("simcall results {}\n{what}\n{document}\n", crate::RESULTS_VERSION);
    for f in read {
        text += &format!("input {}\n", f.sha256);
    }
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// How a study builds the models it asks about: from the model document it
/// was read with, with model keys set. `config` implements it over the
/// parsed model file, so the study types need no file and no parser.
pub trait Models: std::fmt::Debug + Send + Sync {
    /// The model with `sets` (dotted key paths and values) applied in
    /// order, and the input files it read (profiles, traces, empirical
    /// durations, lead lists) with their digests, sorted by path.
    ///
    /// Errors name the file, the key and what is allowed when a key does
    /// not exist or the model it makes is invalid.
    fn build(&self, sets: &[(String, Value)]) -> Result<(Model, Vec<InputFile>)>;

    /// The model document after `sets`, as canonical JSON, and the input
    /// files its model reads: what the key of a stored result hashes
    /// ([`result_key`]).
    ///
    /// Errors as [`Models::build`].
    fn keyed(&self, sets: &[(String, Value)]) -> Result<(String, Vec<InputFile>)>;
}
