//! Line styles and legends shared by every chart: a palette that stays
//! distinguishable past ten lines (colours, then dashes) and a legend drawn
//! in a strip beside the data, so it never covers a point.

use super::font::FONT_FAMILY;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Tableau 10: distinguishable on white and in greyscale print.
pub const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Width (pixels) of the legend strip to the right of a chart's data.
pub const STRIP_PX: u32 = 290;

/// The `i`-th data line's colour and whether it is dashed: the ten colours
/// solid, then again dashed, so twenty lines stay apart (a two-axis sweep
/// with many second-axis values); beyond that the pair repeats.
pub fn style(i: usize) -> (RGBColor, bool) {
    (COLORS[i % COLORS.len()], (i / COLORS.len()) % 2 == 1)
}

/// How a legend entry shows its line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key {
    /// A filled dot (markers without a line).
    Dot,
    /// A solid line with a dot (a data line with markers).
    Line,
    /// A dashed line (a reference such as a capacity, or a line past the tenth).
    Dashed,
    /// A thick black-or-coloured rule (a step or recommendation line).
    Thick,
    /// A filled box (an area band).
    Area,
}

/// One legend entry.
pub struct Entry {
    /// The text.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// How its key is drawn.
    pub key: Key,
}

/// Splits `area` into the data's part and the legend strip on its right.
pub fn split<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    area.split_horizontally(area.dim_in_pixel().0.saturating_sub(STRIP_PX))
}

/// Draws `entries` top down in `strip`, starting `top` pixels down (to line
/// up with the plot under a caption). Labels longer than the strip wrap onto
/// further lines at spaces (a word longer than a line is split), so no
/// label is ever cut.
pub fn draw<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    top: i32,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let max_chars = ((STRIP_PX as usize).saturating_sub(50)) / 7;
    let mut y = top;
    for e in entries {
        let c = e.color;
        match e.key {
            Key::Dot => strip.draw(&Circle::new((20, y), 5, c.filled())).map_err(|x| err(&x))?,
            Key::Line => {
                strip.draw(&PathElement::new(vec![(8, y), (32, y)], c.stroke_width(2))).map_err(|x| err(&x))?;
                strip.draw(&Circle::new((20, y), 4, c.filled())).map_err(|x| err(&x))?;
            }
            Key::Dashed => {
                for x0 in [8, 20] {
                    strip
                        .draw(&PathElement::new(vec![(x0, y), (x0 + 8, y)], c.stroke_width(2)))
                        .map_err(|x| err(&x))?;
                }
            }
            Key::Thick => {
                strip.draw(&PathElement::new(vec![(8, y), (32, y)], c.stroke_width(4))).map_err(|x| err(&x))?
            }
            Key::Area => {
                strip.draw(&Rectangle::new([(10, y - 6), (30, y + 6)], c.mix(0.75).filled())).map_err(|x| err(&x))?
            }
        }
        let lines = wrap(&e.label, max_chars);
        for (k, line) in lines.iter().enumerate() {
            strip
                .draw(&Text::new(line.clone(), (40, y - 8 + 16 * k as i32), (FONT_FAMILY, 13)))
                .map_err(|x| err(&x))?;
        }
        y += 22 + 16 * (lines.len() as i32 - 1);
    }
    Ok(())
}

/// `text` in lines of at most `width` characters, broken at spaces; a word
/// longer than a line is split. Every character is kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..width).collect());
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_wrap_and_keep_every_character() {
        let label = "Enterprise, sources.inbound.arrivals.rate = 400/min (identical to Growth)";
        let lines = wrap(label, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" ").replace(' ', ""), label.replace(' ', ""));
        assert_eq!(wrap("short", 20), ["short"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn twenty_lines_have_twenty_styles() {
        let styles: Vec<_> = (0..20).map(style).collect();
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
