//! A run's outputs as one set. They are written into a new folder beside
//! the output folder (`.<name>.simcall-new-<pid>`), which then takes the
//! output folder's place in one step (Linux `renameat2` with
//! `RENAME_EXCHANGE`; elsewhere two renames, which a later run completes if
//! killed between them). So at any moment the output folder holds the whole
//! previous set or the whole new one, never a mix; a run that fails (a full
//! disk, an exporter's error, a kill) leaves the previous set as it was.
//!
//! The cell store (`cells/`) moves with the set. A folder holding files
//! simcall did not write is never replaced.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The file that marks a folder as a simcall output set.
pub const MARKER: &str = ".simcall.set";
/// The cell store's folder inside a set.
pub const CELLS: &str = "cells";

fn staging_prefix(name: &str) -> String {
    format!(".{name}.simcall-new-")
}

fn old_prefix(name: &str) -> String {
    format!(".{name}.simcall-old-")
}

fn parent_and_name(dir: &Path) -> Result<(PathBuf, String)> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::usage(format!("{}: the output must be a folder name", dir.display())))?;
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    Ok((parent, name))
}

/// Whether `dir` may be replaced: missing, empty, marked as a set, or
/// holding only files simcall writes (outputs of earlier versions).
///
/// Errors (usage, exit 2) naming a file simcall did not write.
pub fn check_replaceable(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    if dir.join(MARKER).exists() {
        return Ok(());
    }
    // What earlier versions wrote (before the marker): tables, charts,
    // reports and fit's snippet; never a user's models or experiments.
    let known = ["csv", "parquet", "png", "svg", "txt", "html"];
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = name == CELLS
            || name == "snippet.toml"
            || name.starts_with(".simcall")
            || (e.path().is_file()
                && Path::new(&name).extension().is_some_and(|x| known.contains(&&*x.to_string_lossy())));
        if !ours {
            return Err(Error::usage(format!(
                "{} holds {name:?}, which simcall did not write: the whole folder is replaced by a run's outputs, so choose an empty or new --out folder",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Finishes or undoes what a killed run left beside `dir`: a staged set
/// that had already replaced the folder's name is put in place, the cell
/// store goes back into the folder, and leftovers are removed. Call it
/// before writing to `dir` (not while another run writes the same folder).
pub fn recover(dir: &Path) {
    let Ok((parent, name)) = parent_and_name(dir) else { return };
    let Ok(entries) = std::fs::read_dir(&parent) else { return };
    let mut leftovers: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            n.starts_with(&staging_prefix(&name)) || n.starts_with(&old_prefix(&name))
        })
        .collect();
    leftovers.sort();
    for p in leftovers {
        let n = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let staged = n.starts_with(&staging_prefix(&name));
        if !dir.exists() && (!staged || p.join(MARKER).exists()) {
            // Killed between the two renames: the set is whole, put it back.
            if std::fs::rename(&p, dir).is_ok() {
                continue;
            }
        }
        if p.join(CELLS).is_dir() && !dir.join(CELLS).exists() && dir.is_dir() {
            let _ = std::fs::rename(p.join(CELLS), dir.join(CELLS));
        }
        let _ = std::fs::remove_dir_all(&p);
    }
    if dir.join(CELLS).is_dir() {
        crate::store::Store::open(&dir.join(CELLS)).map(|s| s.remove_stale_temps()).ok();
    }
}

/// Writes a set of outputs to `dir`: `fill` writes every file into the
/// folder it is given; if it succeeds the set replaces `dir` whole (with
/// `dir`'s cell store carried over), else nothing changes.
///
/// Errors when `dir` holds files simcall did not write, when `fill` fails
/// (its error), or when the folders cannot be created or renamed.
pub fn write(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    check_replaceable(dir)?;
    let (parent, name) = parent_and_name(dir)?;
    std::fs::create_dir_all(&parent).map_err(|e| Error::output(&parent, e))?;
    let staging = parent.join(format!("{}{}", staging_prefix(&name), std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    crate::cleanup::register(&staging);
    if let Err(e) = std::fs::create_dir(&staging) {
        crate::cleanup::unregister(&staging);
        return Err(Error::output(&staging, e));
    }
    let filled = fill(&staging).and_then(|()| {
        let version = format!("simcall {}\n", env!("CARGO_PKG_VERSION"));
        std::fs::write(staging.join(MARKER), version).map_err(|e| Error::output(&staging.join(MARKER), e))
    });
    // The swap runs whole: an interrupt waits for it (a kill -9 cannot; a
    // later run's `recover` finishes or undoes what it left).
    crate::cleanup::critical(|| {
        crate::cleanup::unregister(&staging);
        let result = filled.and_then(|()| swap_in(&staging, dir, &parent, &name));
        if result.is_err() && !staging.join(CELLS).exists() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result
    })
}

/// Puts the whole `staging` set at `dir`, carrying `dir`'s cell store over.
fn swap_in(staging: &Path, dir: &Path, parent: &Path, name: &str) -> Result<()> {
    if !dir.exists() {
        return std::fs::rename(staging, dir).map_err(|e| Error::output(dir, e));
    }
    if dir.join(CELLS).is_dir() {
        std::fs::rename(dir.join(CELLS), staging.join(CELLS)).map_err(|e| Error::output(&dir.join(CELLS), e))?;
    }
    if exchange(staging, dir).is_ok() {
        // `staging` now holds the previous set.
        let _ = std::fs::remove_dir_all(staging);
        return Ok(());
    }
    let old = parent.join(format!("{}{}", old_prefix(name), std::process::id()));
    std::fs::rename(dir, &old).map_err(|e| Error::output(dir, e))?;
    std::fs::rename(staging, dir).map_err(|e| Error::output(dir, e))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Exchanges two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let rc =
        unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no atomic exchange here"))
}
