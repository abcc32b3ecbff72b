//! Finding a key path in a TOML file's text, so a diagnostic can show the
//! line it is about. The text is parsed with spans only when a problem is
//! reported; checking itself works on the parsed table (which may carry
//! `--set` overrides that are not in the text).

use crate::error::Diagnostic;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// The span of `key_path` in `text`: from its key to the end of its value
/// (array entries are addressed by their `name`, as in `--set` paths). A
/// path that is not all in the text gives the span of its longest prefix
/// that is; `None` when not even the first key is there.
pub(super) fn span_of(text: &str, key_path: &str) -> Option<Range<usize>> {
    if key_path.is_empty() {
        return None;
    }
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable = doc.get_ref();
    let mut found: Option<Range<usize>> = None;
    let segments = segments(key_path);
    let mut segments = segments.iter().map(String::as_str).peekable();
    while let Some(seg) = segments.next() {
        // `choices[0]`: entry 0 of an array of tables (serde's paths).
        let (seg, index) = match seg.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((k, i)) => (k, i.parse::<usize>().ok()),
            None => (seg, None),
        };
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == seg) else { break };
        found = Some(key.span().start..value.span().end.max(key.span().end));
        if let (Some(i), DeValue::Array(items)) = (index, value.get_ref()) {
            let Some(DeValue::Table(t)) = items.get(i).map(|item| item.get_ref()) else { break };
            found = Some(items[i].span());
            table = t;
            continue;
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            DeValue::Array(items) => {
                // The next segment names an entry of an array of tables.
                let Some(name) = segments.next() else { break };
                let entry = items.iter().find_map(|item| match item.get_ref() {
                    DeValue::Table(t) if name_of(t).is_some_and(|n| n.1 == name) => Some(t),
                    _ => None,
                });
                let Some(t) = entry else { break };
                // An entry is shown by its `name = "…"` line.
                found = name_of(t).map(|n| n.0);
                table = t;
            }
            _ => break,
        }
    }
    found
}

/// The segments of a key path: split at dots outside double quotes, the
/// quotes taken off (`sweep."limits.trunk.capacity"` is `sweep` and
/// `limits.trunk.capacity`).
pub(super) fn segments(key_path: &str) -> Vec<String> {
    let (mut out, mut current, mut quoted) = (Vec::new(), String::new(), false);
    for c in key_path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// A key path segment as written in a path: quoted when it holds a dot.
pub(super) fn quoted(segment: &str) -> String {
    if segment.contains('.') {
        format!("\"{segment}\"")
    } else {
        segment.to_string()
    }
}

/// Where diagnostic `d` points in its file's `text`: its own span, else
/// its key's; an unknown variant names its word, pointed at inside the entry.
pub(super) fn span_for(text: &str, d: &Diagnostic) -> Option<Range<usize>> {
    let span = d.span.clone().or_else(|| span_of(text, &d.key));
    match (span, quoted_word(&d.message)) {
        (Some(s), Some(word)) => Some(narrow(text, s, word)),
        (s, _) => s,
    }
}

/// `e`'s diagnostics about `file`, located in its `text` where they have
/// no span yet (each keeps its key; the text is shown with the line).
pub(super) fn in_text(file: &Path, text: &std::sync::Arc<str>, e: crate::error::Error) -> crate::error::Error {
    let crate::error::Error::Input(ds) = e else { return e };
    let mut ds: Vec<Diagnostic> = ds
        .into_iter()
        .map(|d| {
            if d.file != file {
                return d;
            }
            Diagnostic { span: span_for(text, &d), source: Some(text.clone()), ..d }
        })
        .collect();
    // Each problem once (a tier's mistake shows in every point's cell),
    // in file order.
    let mut seen = std::collections::HashSet::new();
    ds.retain(|d| seen.insert((d.file.clone(), d.key.clone(), d.message.clone())));
    ds.sort_by_key(|d| (d.file != file, d.span.as_ref().map_or(usize::MAX, |s| s.start)));
    crate::error::Error::Input(ds)
}

/// Where each key a model gets from a study's file came from: (model key,
/// key in the study's file), in the order the keys are set.
pub(super) type Origins = Vec<(String, String)>;

/// The origins of a study's `run` and `sla` overrides: `run.K` of the model
/// from `run.K` of the study's file.
pub(super) fn override_origins(run: &toml::Table, sla: &toml::Table) -> Origins {
    ["run", "sla"]
        .iter()
        .zip([run, sla])
        .flat_map(|(s, t)| t.keys().map(move |k| (format!("{s}.{k}"), format!("{s}.{}", quoted(k)))))
        .collect()
}

/// `e` with each diagnostic about a model key that `origins` says came from
/// the study's `file` (a tier's or an axis's key, `run` or `sla`) moved to
/// that key of `file`, unlocated (the caller locates it in the file's
/// text); the longest matching model key wins, and of equal ones the last
/// (`origins` are in the order the keys are set, and the last set wins).
pub(super) fn repoint(e: crate::error::Error, origins: &[(String, String)], file: &Path) -> crate::error::Error {
    let crate::error::Error::Input(ds) = e else { return e };
    let matches = |model_key: &str, key: &str| {
        key == model_key
            || key.strip_prefix(model_key).is_some_and(|r| r.starts_with('.'))
            || model_key.strip_prefix(key).is_some_and(|r| r.starts_with('.'))
    };
    let ds = ds
        .into_iter()
        .map(|d| {
            let origin = origins
                .iter()
                .filter(|(model_key, _)| {
                    matches(model_key, &d.key) || d.message.contains(&format!("{}{model_key}=", super::SET_FAILURE))
                })
                .max_by_key(|(model_key, _)| model_key.len());
            match origin {
                Some((_, key)) => {
                    // The key now says where the value was set.
                    let message = d.message.split(super::AFTER_SETTING).next().unwrap_or_default().to_string();
                    Diagnostic { file: file.to_path_buf(), key: key.clone(), span: None, source: None, message, ..d }
                }
                None => d,
            }
        })
        .collect();
    crate::error::Error::Input(ds)
}

/// The `name` of a table, if it has a string one, with the span of its
/// `name = "…"`.
fn name_of<'a>(t: &'a DeTable) -> Option<(Range<usize>, &'a str)> {
    t.iter().find(|(k, _)| k.get_ref() == "name").and_then(|(k, v)| match v.get_ref() {
        DeValue::String(s) => Some((k.span().start..v.span().end, s.as_ref())),
        _ => None,
    })
}

/// A diagnostic from a TOML syntax or type error in `file`, under `key`,
/// with toml's own span when it has one.
pub(super) fn toml_error(file: &Path, text: &std::sync::Arc<str>, key: &str, e: &toml::de::Error) -> Diagnostic {
    Diagnostic { span: e.span(), source: Some(text.clone()), ..Diagnostic::error(file, key, e.message().trim()) }
}

/// The word a serde "unknown variant `x`" message names, if it is one.
fn quoted_word(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown variant `")?;
    rest.split('`').next().filter(|w| !w.is_empty())
}

/// The first place `word` is written (as a quoted string) within `span`
/// of `text`, else `span`.
fn narrow(text: &str, span: Range<usize>, word: &str) -> Range<usize> {
    let quoted = format!("\"{word}\"");
    match text.get(span.clone()).and_then(|s| s.find(&quoted)) {
        Some(i) => span.start + i..span.start + i + quoted.len(),
        None => span,
    }
}

/// The field a serde "unknown field `x`" message names, if it is one.
pub(super) fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"m\"\n[run]\nhorizon = \"1h\"\n\n[[limits]]\nname = \"trunk\"\ncapacity = 0\n\n[[limits]]\nname = \"tts\"\ncapacity = 3\n";

    #[test]
    fn keys_are_found_by_path_with_entries_by_name() {
        let at = |p: &str| span_of(TEXT, p).map(|r| &TEXT[r]);
        assert_eq!(at("run.horizon"), Some("horizon = \"1h\""));
        assert_eq!(at("limits.tts.capacity"), Some("capacity = 3"));
        assert_eq!(at("limits.trunk.capacity"), Some("capacity = 0"));
        // A key that is not written gives its entry.
        assert!(at("limits.tts.pool").is_some_and(|s| s.contains("name = \"tts\"")));
        assert_eq!(at("nothing.here"), None);
    }

    #[test]
    fn quoted_segments_hold_dots() {
        assert_eq!(segments("sweep.\"limits.trunk.capacity\""), ["sweep", "limits.trunk.capacity"]);
        assert_eq!(segments("limits.trunk"), ["limits", "trunk"]);
        let text = "name = \"e\"\nsweep = { \"limits.trunk.capacity\" = [10, 20] }\n[[tiers]]\nname = \"A\"\nset = { \"limits.x\" = 1 }\n";
        let at = |p: &str| span_of(text, p).map(|r| &text[r]);
        assert_eq!(at("sweep.\"limits.trunk.capacity\""), Some("\"limits.trunk.capacity\" = [10, 20]"));
        assert_eq!(at("tiers.A.set.\"limits.x\""), Some("\"limits.x\" = 1"));
    }

    #[test]
    fn unknown_fields_are_read_from_serde_messages() {
        assert_eq!(unknown_field("unknown field `capacty`, expected one of `name`"), Some("capacty"));
        assert_eq!(unknown_field("missing field `name`"), None);
    }
}
