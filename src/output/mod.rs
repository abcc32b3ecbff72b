//! What a run or sweep leaves behind: tables (CSV, Parquet), charts (PNG,
//! SVG) and terminal reports. Every file is written to a temporary name in
//! its folder and renamed into place, so a failure never leaves a
//! half-written file and never spoils the previous one.

pub mod campaigns;
pub mod charts;
pub mod diagnostics;
pub mod exporters;
pub mod fit;
pub mod format;
pub mod report;
pub mod series;
pub mod tables;

use crate::error::{Error, Result};
use std::path::Path;

/// Writes `path` atomically: `write` fills a temporary file in the same
/// folder (with the same extension, which some encoders read), which then
/// replaces `path`.
pub fn write_atomic(path: &Path, write: impl FnOnce(&Path) -> std::result::Result<(), String>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let suffix = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let tmp =
        tempfile::Builder::new().prefix(".simcall-").suffix(&suffix).tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    write(tmp.path()).map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
