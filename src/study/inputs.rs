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

    /// The model document after `sets`, as canonical JSON: what the key of
    /// a stored result hashes (with the digests of the files it reads).
    ///
    /// Errors when a key does not exist.
    fn document(&self, sets: &[(String, Value)]) -> Result<String>;
}
