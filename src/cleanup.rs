//! Temporary files and folders in flight, so that an interrupted run
//! (SIGINT, SIGTERM) removes them before it exits: whatever was being
//! written is dropped, and what was there before stays as it was.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// A step that must not be cut in half (swapping an output set) is running.
static CRITICAL: AtomicBool = AtomicBool::new(false);
/// An interrupt came during a critical step: exit when it ends.
static PENDING: AtomicBool = AtomicBool::new(false);

/// What an interrupt (SIGINT, SIGTERM) does: removes everything in flight
/// and exits with 130, or, during a critical step, once that step ends.
pub fn interrupt() {
    PENDING.store(true, Ordering::SeqCst);
    if !CRITICAL.load(Ordering::SeqCst) {
        remove_all();
        std::process::exit(130);
    }
}

/// Runs `f` with interrupts held until it returns (renames that must
/// happen together), then acts on one that came meanwhile.
pub fn critical<T>(f: impl FnOnce() -> T) -> T {
    CRITICAL.store(true, Ordering::SeqCst);
    let out = f();
    CRITICAL.store(false, Ordering::SeqCst);
    if PENDING.load(Ordering::SeqCst) {
        remove_all();
        std::process::exit(130);
    }
    out
}

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
        // Other threads may still be writing into a folder being removed:
        // try again until it is gone (they fail once it is).
        for _ in 0..50 {
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(&p);
            } else {
                let _ = std::fs::remove_file(&p);
            }
            if !p.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}
