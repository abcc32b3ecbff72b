//! What a run, sweep, plan or fit leaves behind, rendered from the value
//! the runner computed (`crate::report`): tables (CSV, Parquet), charts
//! (PNG, SVG), text and the capacity-review page, each a pure function of
//! that value to bytes ([`OutputFile`]). Nothing here simulates, builds a
//! model or reads a file back; [`write_files`] then puts the bytes in
//! place, each file under a temporary name renamed into place, so a
//! failure never leaves a half-written file.

/// Draws one chart in memory as a [`Drawn`] (PNG bytes and SVG text with
/// its text as outlines) of `size` pixels, drawing each with `$draw`, in
/// which `$area` is a drawing area of each backend in turn. A macro because
/// a closure cannot be generic over the backend.
///
/// Errors (`String`) when the drawing fails.
macro_rules! draw_chart {
    ($size:expr, |$area:ident| $draw:expr) => {{
        let size: (u32, u32) = $size;
        $crate::output::png_bytes(size, |$area| $draw)
            .and_then(|png| $crate::output::svg_text(size, |$area| $draw).map(|svg| $crate::output::Drawn { png, svg }))
    }};
}

pub mod backtest;
pub mod campaigns;
pub mod charts;
pub mod diagnostics;
pub mod fit;
pub mod font;
pub mod format;
pub mod html;
pub mod legend;
mod page_failing;
pub mod page_sweep;
pub mod plan;
pub mod plan_report;
pub mod plan_set;
pub mod sensitivity;
pub mod series;
pub mod set;
pub mod study_page;
pub mod sweep;
pub mod tables;
pub mod text;

use crate::error::{Error, Result};
use std::path::Path;

/// Writes `path` atomically: `write` fills a temporary file in the same
/// folder (with the same extension, which some encoders read), which then
/// replaces `path`. The file gets the usual permissions (0666 less the
/// umask: 0644 under umask 022).
///
/// Errors ([`Error::Output`], exit code 2) name `path`, never the temporary
/// file, which is removed.
pub fn write_atomic(path: &Path, write: impl FnOnce(&Path) -> std::result::Result<(), String>) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let suffix = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".simcall-").suffix(&suffix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(|e| Error::output(path, e))?;
    let tmp_path = tmp.path().to_path_buf();
    crate::cleanup::register(&tmp_path);
    let done = write(tmp.path())
        .map_err(|e| Error::output(path, std::io::Error::other(e)))
        .and_then(|()| tmp.persist(path).map(|_| ()).map_err(|e| Error::output(path, e.error)));
    crate::cleanup::unregister(&tmp_path);
    done
}

/// One file of an output: its name (relative to the folder it goes in)
/// and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// Where it goes, relative to the output folder.
    pub name: std::path::PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// The file `name` holding `bytes`.
    pub fn new(name: impl Into<std::path::PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile { name: name.into(), bytes: bytes.into() }
    }
}

/// A chart drawn in memory: the PNG and the SVG of the same drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// The SVG file's text, its text as outlines of the embedded font.
    pub svg: String,
}

impl Drawn {
    /// The chart as `<stem>.png` and `<stem>.svg`.
    pub fn files(&self, stem: &Path) -> [OutputFile; 2] {
        [OutputFile::new(beside(stem, "png"), self.png.clone()), OutputFile::new(beside(stem, "svg"), self.svg.clone())]
    }
}

/// Writes every file of `files` into `dir` (each atomically, [`write_atomic`]).
///
/// Errors ([`Error::Output`]) naming the first file that cannot be written.
pub fn write_files(dir: &Path, files: &[OutputFile]) -> Result<()> {
    for f in files {
        write_atomic(&dir.join(&f.name), |tmp| std::fs::write(tmp, &f.bytes).map_err(|e| e.to_string()))?;
    }
    Ok(())
}

/// A drawing or encoding failure as an output error naming the file.
pub fn render_error(name: &str, e: impl std::fmt::Display) -> Error {
    Error::output(Path::new(name), std::io::Error::other(e.to_string()))
}

/// `stem` with `.ext` appended: `hourly.v2` gives `hourly.v2.csv` (where
/// `Path::with_extension` would give `hourly.csv`).
pub fn beside(stem: &Path, ext: &str) -> std::path::PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    s.into()
}

/// Creates `dir` (and its parents) for outputs.
///
/// Errors ([`Error::Output`]) name the folder.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))
}

/// The PNG bytes of a chart drawn by `draw` on a bitmap of `size` pixels
/// (RGB, encoded as the `image` crate's PNG encoder does by default, which
/// is what plotters writes to a file).
///
/// Errors when the drawing or the encoding fails.
pub fn png_bytes(
    size: (u32, u32),
    draw: impl FnOnce(
        plotters::drawing::DrawingArea<plotters::prelude::BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> std::result::Result<Vec<u8>, String> {
    use image::ImageEncoder;
    use plotters::prelude::IntoDrawingArea;
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let area = plotters::prelude::BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        draw(area)?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, size.0, size.1, image::ColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(png)
}

/// The SVG text of a chart drawn by `draw`, with its text turned into
/// outlines of the embedded font (DejaVu Sans, `assets/`), so the file
/// needs no font and looks the same in every viewer, and the same as the
/// PNG. Errors when the drawing fails.
pub fn svg_text(
    size: (u32, u32),
    draw: impl FnOnce(
        plotters::drawing::DrawingArea<plotters::prelude::SVGBackend, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> std::result::Result<String, String> {
    use plotters::prelude::IntoDrawingArea;
    let mut svg = String::new();
    draw(plotters::prelude::SVGBackend::with_string(&mut svg, size).into_drawing_area())?;
    outline_text(&svg)
}

/// `svg` with every text element replaced by the glyph outlines of the
/// embedded font (usvg lays the text out and writes it as paths).
///
/// Errors when the SVG does not parse (a drawing bug).
pub fn outline_text(svg: &str) -> std::result::Result<String, String> {
    use std::sync::{Arc, OnceLock};
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(charts::FONT.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    });
    let options = usvg::Options { fontdb: fonts.clone(), font_family: "DejaVu Sans".into(), ..Default::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    Ok(tree.to_string(&usvg::WriteOptions::default()))
}
