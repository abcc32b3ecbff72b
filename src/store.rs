//! The cell store: each finished cell's result, saved the moment it is
//! decided, as `<key>.json` in a folder (`<output>/cells/`), where `key`
//! says what the cell is ([`crate::study::Cell::key`]), not where it sits
//! in the grid. A sweep run again with `--resume`, a shard of it, or an
//! experiment with a value inserted into an axis finds what is already
//! there; `simcall merge` builds the outputs from it.
//!
//! Every file is written under a temporary name and renamed into place, so
//! a file in the store is always whole: a kill at any moment loses at most
//! the cells still running. The store also records which experiment (and
//! `--set`s) it belongs to, for `merge`.

use crate::error::{Error, Result};
use crate::statistics::{SlaVerdict, Summary};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What the store keeps of one cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredCell {
    /// The cell's key.
    pub key: String,
    /// Its estimates.
    pub summary: Summary,
    /// Its SLA, judged.
    pub verdict: SlaVerdict,
}

/// A record the store keeps, under its own key.
pub trait Stored: Serialize + DeserializeOwned {
    /// The key it is stored under.
    fn key(&self) -> &str;
}

impl Stored for StoredCell {
    fn key(&self) -> &str {
        &self.key
    }
}

/// The experiment a store belongs to: what `merge` loads again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// The experiment file, as typed.
    pub experiment: PathBuf,
    /// The folder the sweep ran from (what `experiment` is relative to).
    pub cwd: PathBuf,
    /// The `--set PATH=VALUE` overrides, as typed.
    pub sets: Vec<String>,
}

/// A cell store folder.
pub struct Store {
    dir: PathBuf,
}

/// The file recording a store's [`Origin`].
const ORIGIN: &str = "experiment.json";
/// Temporary files of the store start with this.
const TEMP_PREFIX: &str = ".tmp-";

impl Store {
    /// Opens (creating if needed) the store in `dir`.
    ///
    /// Errors ([`Error::Output`]) when the folder cannot be created.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
        Ok(Store { dir: dir.to_path_buf() })
    }

    /// The store's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// Whether the cell `key` is stored.
    pub fn contains(&self, key: &str) -> bool {
        self.path_of(key).is_file()
    }

    /// The record stored under `key`, if any.
    ///
    /// Errors (bad input naming the file) when the file is there but is not
    /// such a record of this key (edited or from another program).
    pub fn load<T: Stored>(&self, key: &str) -> Result<Option<T>> {
        let path = self.path_of(key);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::input(&path, "", format!("cannot read the stored cell: {e}"))),
        };
        let cell: T = serde_json::from_str(&text).map_err(|e| {
            Error::input(&path, "", format!("not a stored simcall cell ({e}); delete it to run the cell again"))
        })?;
        if cell.key() != key {
            return Err(Error::input(&path, "key", "the file holds another cell; delete it to run the cell again"));
        }
        Ok(Some(cell))
    }

    /// Saves `record` (whole, or not at all).
    ///
    /// Errors ([`Error::Output`]) when the file cannot be written.
    pub fn save<T: Stored>(&self, record: &T) -> Result<()> {
        let text = serde_json::to_string(record).expect("a record serializes: its maps have string keys");
        write_whole(&self.path_of(record.key()), text.as_bytes())
    }

    /// Records the experiment the store belongs to.
    ///
    /// Errors ([`Error::Output`]) when the file cannot be written.
    pub fn set_origin(&self, origin: &Origin) -> Result<()> {
        let text = serde_json::to_string_pretty(origin).expect("an origin serializes");
        write_whole(&self.dir.join(ORIGIN), text.as_bytes())
    }

    /// The experiment the store belongs to.
    ///
    /// Errors (bad input naming the file) when there is none: the folder
    /// is not a sweep's cell store.
    pub fn origin(&self) -> Result<Origin> {
        let path = self.dir.join(ORIGIN);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::input(
                &path,
                "",
                format!("cannot read the store's record of its experiment ({e}): is this a sweep's output folder?"),
            )
        })?;
        serde_json::from_str(&text).map_err(|e| Error::input(&path, "", format!("not a simcall store record: {e}")))
    }

    /// Removes temporary files left by a run that was killed. Call it only
    /// when no other process writes to the store (not while shards run).
    pub fn remove_stale_temps(&self) {
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder,
/// synced, then renamed into place: readers see the old file or the whole
/// new one, even after a kill or a power cut.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp =
        dir.join(format!("{TEMP_PREFIX}{}-{}-{name}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    crate::cleanup::register(&tmp);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    crate::cleanup::unregister(&tmp);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::output(path, e));
    }
    Ok(())
}
