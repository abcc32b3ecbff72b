//! What a run or sweep leaves behind: tables (CSV, Parquet), charts (PNG,
//! SVG) and terminal reports. Every file is written to a temporary name in
//! its folder and renamed into place, so a failure never leaves a
//! half-written file and never spoils the previous one.

/// Writes one chart as `<stem>.png` and `<stem>.svg` (atomically, the SVG
/// with its text as outlines: [`write_svg`]) of `size` pixels, drawing
/// each with `$draw`, in which `$area` is a drawing area of each backend in
/// turn. A macro because a closure cannot be generic over the backend.
///
/// Errors ([`crate::error::Error::Output`]) when a file cannot be written.
macro_rules! write_chart {
    ($stem:expr, $size:expr, |$area:ident| $draw:expr) => {{
        let (stem, size): (&std::path::Path, (u32, u32)) = (&$stem, $size);
        $crate::output::write_atomic(&$crate::output::beside(stem, "png"), |tmp| {
            let $area =
                plotters::prelude::IntoDrawingArea::into_drawing_area(plotters::prelude::BitMapBackend::new(tmp, size));
            $draw
        })
        .and_then(|()| $crate::output::write_svg(&$crate::output::beside(stem, "svg"), size, |$area| $draw))
    }};
}

pub mod campaigns;
pub mod charts;
pub mod diagnostics;
pub mod exporters;
pub mod fit;
pub mod font;
pub mod format;
pub mod html;
pub mod legend;
pub mod plan;
pub mod plan_report;
pub mod report;
pub mod series;
pub mod set;
pub mod tables;

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

/// Writes an SVG chart drawn by `draw` to `path`, atomically, with its text
/// turned into outlines of the embedded font (DejaVu Sans, `assets/`), so
/// the file needs no font and looks the same in every viewer, and the same
/// as the PNG.
///
/// Errors when the file cannot be written (or the drawing fails).
pub fn write_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(
        plotters::drawing::DrawingArea<plotters::prelude::SVGBackend, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> Result<()> {
    let outlined = svg_text(size, draw).map_err(|e| Error::output(path, std::io::Error::other(e)))?;
    write_atomic(path, |tmp| std::fs::write(tmp, outlined).map_err(|e| e.to_string()))
}

/// The SVG text of a chart drawn by `draw`, its text as outlines (see
/// [`write_svg`]). Errors when the drawing fails.
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
