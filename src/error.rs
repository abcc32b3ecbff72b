//! The crate's error type. `Input` errors are the user's to fix (exit code
//! 2): one [`Diagnostic`] per problem found, each naming the file, the key
//! path and what is allowed, with the span of the offending text when the
//! key is in the file. `Io` errors are the machine's (exit code 1).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The input cannot be used.
    Error,
    /// The input can be used, but probably does not say what was meant.
    Warning,
}

/// One problem with an input: where it is and what to do about it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// The file it is in (empty for a command-line argument).
    pub file: PathBuf,
    /// The dotted key path (`limits.trunk.capacity`; array entries by
    /// name), empty for the file as a whole.
    pub key: String,
    /// What is wrong, and what is allowed.
    pub message: String,
    /// Byte range of the offending text in `source`, if located.
    pub span: Option<Range<usize>>,
    /// The file's text, for showing the offending line (shared by all the
    /// file's diagnostics).
    pub source: Option<Arc<str>>,
}

impl Diagnostic {
    /// An error about `key` in `file`.
    pub fn error(file: &Path, key: &str, message: impl fmt::Display) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            key: key.to_string(),
            message: message.to_string(),
            span: None,
            source: None,
        }
    }

    /// A warning about `key` in `file`.
    pub fn warning(file: &Path, key: &str, message: impl fmt::Display) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(file, key, message) }
    }

    /// (line, column) of the span's start, both from 1, if located.
    pub fn line_column(&self) -> Option<(usize, usize)> {
        let (span, text) = (self.span.as_ref()?, self.source.as_deref()?);
        let before = text.get(..span.start)?;
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, column))
    }
}

impl fmt::Display for Diagnostic {
    /// `file, line L, column C: `key`: message` (parts that are unknown are left out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some((line, column)) = self.line_column() {
                write!(f, ", line {line}, column {column}")?;
            }
            write!(f, ": ")?;
        }
        if !self.key.is_empty() {
            write!(f, "`{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

/// An error a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: a model, experiment, `--set`, argument or CSV that cannot
    /// be used; every problem found, in file order where known.
    #[error("{}", display_all(.0))]
    Input(Vec<Diagnostic>),
    /// An output file or folder could not be written: the user's to fix
    /// (another folder, permissions, disk space).
    #[error(
        "cannot write {}: {source} (check that the folder exists and is writable and that the disk has room, or write elsewhere with --out)",
        path.display()
    )]
    Output {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

fn display_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(Diagnostic::to_string).collect::<Vec<_>>().join("\n")
}

impl Error {
    /// An input error about `key` in `file`.
    pub fn input(file: &Path, key: &str, message: impl fmt::Display) -> Self {
        Error::Input(vec![Diagnostic::error(file, key, message)])
    }

    /// An input error about a command-line argument or value (no file).
    pub fn usage(message: impl fmt::Display) -> Self {
        Error::input(Path::new(""), "", message)
    }

    /// An output that could not be written to `path`.
    pub fn output(path: &Path, source: std::io::Error) -> Self {
        Error::Output { path: path.to_path_buf(), source }
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }

    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Output { .. } => 2,
            Error::Io { .. } => 1,
        }
    }

    /// This error's diagnostics with `prefix` put before each message
    /// (e.g. which tier of an experiment the model was built for).
    pub fn context(self, prefix: &str) -> Self {
        match self {
            Error::Input(ds) => Error::Input(
                ds.into_iter().map(|d| Diagnostic { message: format!("{prefix}: {}", d.message), ..d }).collect(),
            ),
            io => io,
        }
    }
}

/// Gathers the problems of several independent checks, so that one run
/// reports every problem of a file, not only the first.
#[derive(Debug, Default)]
pub struct Problems(Vec<Diagnostic>);

impl Problems {
    /// The value of `r`, or `None` with its diagnostics kept (an I/O error
    /// is kept as a diagnostic of its path).
    pub fn take<T>(&mut self, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Error::Input(ds)) => {
                self.0.extend(ds);
                None
            }
            Err(Error::Io { path, source }) | Err(Error::Output { path, source }) => {
                self.0.push(Diagnostic::error(&path, "", source));
                None
            }
        }
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Whether any error (not a warning) was found.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// `Ok(value)` when no error was found, else every diagnostic.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T> {
        if self.has_errors() {
            Err(Error::Input(self.0))
        } else {
            Ok(value())
        }
    }

    /// Every diagnostic gathered, errors and warnings.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
