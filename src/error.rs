//! The crate's error type. `Input` errors are the user's to fix (exit code 2);
//! `Io` errors are the machine's (exit code 1).

use std::path::{Path, PathBuf};

/// An error a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: a model, experiment, `--set` or CSV that cannot be used.
    /// The message names the file, the key and what is allowed.
    #[error("{0}")]
    Input(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// An input error about `key` in `file`.
    pub fn input(file: &Path, key: &str, message: impl std::fmt::Display) -> Self {
        if key.is_empty() {
            Error::Input(format!("{}: {message}", file.display()))
        } else {
            Error::Input(format!("{}: `{key}`: {message}", file.display()))
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }

    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Io { .. } => 1,
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
