//! Temporary files and folders in flight, so that an interrupted run
//! (SIGINT, SIGTERM) removes them before it exits: whatever was being
//! written is dropped, and what was there before stays as it was.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Notes that `path` (a temporary file or folder) is being written.
pub fn register(path: &Path) {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner()).push(path.to_path_buf());
}

/// Notes that `path` was renamed into place or removed.
pub fn unregister(path: &Path) {
    let mut v = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = v.iter().rposition(|p| p == path) {
        v.swap_remove(i);
    }
}

/// Removes everything in flight (on an interrupt, just before exiting).
pub fn remove_all() {
    let v = std::mem::take(&mut *IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner()));
    for p in v {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(&p);
        } else {
            let _ = std::fs::remove_file(&p);
        }
    }
}
