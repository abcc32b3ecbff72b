//! The embedded font every chart draws its text with (DejaVu Sans,
//! `assets/`, Bitstream Vera licence), never a system font, so charts look
//! the same on every machine.

use plotters::style::FontStyle;
use std::sync::Once;

/// The embedded font (DejaVu Sans).
pub const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// The family name the embedded font is registered under.
pub const FONT_FAMILY: &str = "sans-serif";

/// Registers the embedded font (once per process) before any drawing.
pub fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the embedded font is a valid TTF"))
    });
}
