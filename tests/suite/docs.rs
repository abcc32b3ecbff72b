//! The guide and the README hold only examples that work: every TOML
//! example in `docs/` is a file included from the repository (never text
//! typed into a page), and every such file passes `simcall validate`;
//! every `simcall` command shown parses and names files that exist; every
//! output shown after `<!-- output of: COMMAND -->` is what COMMAND prints
//! today; every relative link points at a file that exists.

use crate::cli::{repo, simcall, text};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::path::{Path, PathBuf};

/// A fenced code block of a page: its language, its text, and the command
/// an `<!-- output of: … -->` comment before it names.
struct Block {
    lang: String,
    text: String,
    output_of: Option<String>,
}

/// Code blocks and link targets of the Markdown page at `path`.
fn page(path: &Path) -> (Vec<Block>, Vec<String>) {
    let source = std::fs::read_to_string(path).unwrap();
    let (mut blocks, mut links) = (Vec::new(), Vec::new());
    let mut current: Option<Block> = None;
    let mut output_of = None;
    for event in Parser::new(&source) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => l.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                current = Some(Block { lang, text: String::new(), output_of: output_of.take() });
            }
            Event::Text(t) if current.is_some() => current.as_mut().unwrap().text.push_str(&t),
            Event::End(TagEnd::CodeBlock) => blocks.push(current.take().unwrap()),
            Event::Html(h) | Event::InlineHtml(h) => {
                if let Some(cmd) = h.trim().strip_prefix("<!-- output of:").and_then(|c| c.strip_suffix("-->")) {
                    output_of = Some(cmd.trim().to_string());
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                links.push(dest_url.to_string())
            }
            _ => {}
        }
    }
    (blocks, links)
}

/// Every Markdown page of the guide, and the README.
fn pages() -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(repo("README.md"))];
    let mut stack = vec![PathBuf::from(repo("docs/src"))];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The file an mdBook `{{#include PATH[:ANCHOR or LINES]}}` names, relative
/// to `page`, and what follows the colon.
fn include_target(page: &Path, line: &str) -> Option<(PathBuf, Option<String>)> {
    let inner = line.trim().strip_prefix("{{#include ")?.strip_suffix("}}")?.trim();
    let (file, rest) = match inner.split_once(':') {
        Some((f, r)) => (f, Some(r.to_string())),
        None => (inner, None),
    };
    Some((page.parent().unwrap().join(file), rest))
}

#[test]
fn every_toml_example_in_the_guide_is_a_file_that_validates() {
    let mut included = Vec::new();
    for p in pages() {
        let (blocks, _) = page(&p);
        for b in blocks.iter().filter(|b| b.lang == "toml") {
            let is_readme = p.ends_with("README.md");
            if is_readme {
                // The README is read on GitHub, without mdBook: its example is
                // a copy of the file its first line names, checked to be equal.
                let name = b.text.lines().next().and_then(|l| l.strip_prefix("# ")).unwrap();
                let name = name.split(':').next().unwrap();
                let file = std::fs::read_to_string(repo(name)).unwrap();
                assert_eq!(b.text, file, "README's example differs from {name}");
                included.push(PathBuf::from(repo(name)));
                continue;
            }
            for line in b.text.lines().filter(|l| !l.trim().is_empty()) {
                let (file, part) = include_target(&p, line)
                    .unwrap_or_else(|| panic!("{}: a TOML example typed into the page: {line}", p.display()));
                let body = std::fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("{}: {} cannot be read: {e}", p.display(), file.display()));
                if let Some(anchor) = part.filter(|a| !a.chars().next().unwrap().is_ascii_digit()) {
                    assert!(
                        body.contains(&format!("ANCHOR: {anchor}")) && body.contains(&format!("ANCHOR_END: {anchor}")),
                        "{}: {} has no anchor {anchor}",
                        p.display(),
                        file.display()
                    );
                }
                included.push(file);
            }
        }
    }
    let examples = std::fs::read_dir(repo("docs/examples")).unwrap().flatten().map(|e| e.path());
    included.extend(examples);
    included.sort();
    included.dedup();
    assert!(included.len() >= 10, "{included:?}");
    for file in &included {
        let o = simcall(&["validate", file.to_str().unwrap()]);
        assert!(o.status.success(), "{} does not validate:\n{}", file.display(), text(&o.stderr));
    }
}

/// The words of a `simcall` command as a shell splits them (without the
/// program's name), or `None` for a line that is not one.
fn simcall_words(line: &str) -> Option<Vec<String>> {
    let line = line.trim().strip_prefix("$ ").unwrap_or(line.trim());
    let words = shlex::split(line.split(" #").next().unwrap())?;
    (words.first().map(String::as_str) == Some("simcall")).then(|| words[1..].to_vec())
}

/// Options whose value is a file simcall writes (so need not exist).
const WRITES: [&str; 5] = ["--out", "--timeseries", "--hourly", "--dials", "--report"];

#[test]
fn every_command_shown_parses_and_names_files_that_exist() {
    let mut count = 0;
    for p in pages() {
        let (blocks, _) = page(&p);
        // A file an earlier command of the page writes may be read by a later one.
        let mut written: Vec<String> = Vec::new();
        for b in blocks.iter().filter(|b| b.lang == "sh") {
            for words in b.text.lines().filter_map(simcall_words) {
                let args: Vec<&str> = words.iter().map(String::as_str).collect();
                simcall::cli::parses(&args)
                    .unwrap_or_else(|e| panic!("{}: `simcall {}`: {e}", p.display(), args.join(" ")));
                let mut skip = false;
                for w in &args {
                    if std::mem::take(&mut skip) {
                        written.push(w.to_string());
                        continue;
                    }
                    skip = WRITES.contains(w);
                    let is_input = [".toml", ".csv"].iter().any(|x| w.ends_with(x)) && !w.contains('=');
                    if is_input && !w.starts_with('-') {
                        assert!(
                            Path::new(&repo(w)).exists() || written.iter().any(|f| f == w),
                            "{}: `simcall {}` names {w}, which does not exist",
                            p.display(),
                            args.join(" ")
                        );
                    }
                }
                count += 1;
            }
        }
    }
    assert!(count >= 15, "only {count} commands found");
}

#[test]
fn every_output_shown_is_what_the_command_prints() {
    let out = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for p in pages() {
        let (blocks, _) = page(&p);
        for b in blocks.iter().filter(|b| b.output_of.is_some()) {
            let cmd = b.output_of.as_ref().unwrap();
            let mut words =
                simcall_words(cmd).unwrap_or_else(|| panic!("{}: not a simcall command: {cmd}", p.display()));
            // Commands that write a folder write it here, not into the repository.
            if ["sweep", "plan", "sensitivity", "backtest"].contains(&words[0].as_str())
                && !words.iter().any(|w| w == "--out")
            {
                words.extend(["--out".into(), out.path().join(format!("o{checked}")).display().to_string()]);
            }
            let exe = env!("CARGO_BIN_EXE_simcall");
            let o = std::process::Command::new(exe).args(&words).current_dir(repo("")).output().unwrap();
            let printed = text(&o.stdout);
            for line in b.text.lines().filter(|l| !l.trim().is_empty()) {
                assert!(
                    printed.lines().any(|l| l.trim_end() == line.trim_end()),
                    "{}: `{cmd}` no longer prints\n{line}\nIt prints:\n{printed}{}",
                    p.display(),
                    text(&o.stderr)
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} outputs checked");
}

#[test]
fn every_relative_link_points_at_a_file() {
    for p in pages() {
        let (_, links) = page(&p);
        for l in links.iter().filter(|l| !l.contains("://") && !l.starts_with('#') && !l.starts_with("mailto:")) {
            let file = l.split('#').next().unwrap();
            let target = p.parent().unwrap().join(file);
            assert!(target.exists(), "{}: link to {l}, which does not exist", p.display());
        }
    }
}

/// The folder beside the repository that a user who clones it does not
/// have (split so that this file does not name it).
const OUTSIDE: &str = concat!("../", "shared");

#[test]
fn nothing_points_outside_the_repository() {
    for p in pages() {
        let body = std::fs::read_to_string(&p).unwrap();
        assert!(!body.contains(OUTSIDE), "{} points to {OUTSIDE}", p.display());
    }
    for dir in ["models", "experiments", "src", "tests/suite", "bench", "benches", "deploy"] {
        let mut stack = vec![PathBuf::from(repo(dir))];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(body) = std::fs::read_to_string(&path) {
                    assert!(!body.contains(OUTSIDE), "{} points to {OUTSIDE}", path.display());
                }
            }
        }
    }
}
