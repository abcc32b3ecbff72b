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
    let mut segments = key_path.split('.').peekable();
    while let Some(seg) = segments.next() {
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref() == seg) else { break };
        found = Some(key.span().start..value.span().end.max(key.span().end));
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
pub(super) fn quoted_word(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown variant `")?;
    rest.split('`').next().filter(|w| !w.is_empty())
}

/// The first place `word` is written (as a quoted string) within `span`
/// of `text`, else `span`.
pub(super) fn narrow(text: &str, span: Range<usize>, word: &str) -> Range<usize> {
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
    fn unknown_fields_are_read_from_serde_messages() {
        assert_eq!(unknown_field("unknown field `capacty`, expected one of `name`"), Some("capacty"));
        assert_eq!(unknown_field("missing field `name`"), None);
    }
}
