//! Setting one key of a model by its dotted path, for `--set`, sweep axes and
//! tiers: `run.replications`, `limits.trunk.capacity`,
//! `sources.inbound.arrivals.rate`. A path segment after an array names the
//! entry whose `name` matches.

use toml::{Table, Value};

/// Top-level tables a model may omit, created by a `--set` into them.
const OPTIONAL_TABLES: [&str; 1] = ["sla"];

/// Sets `path` in `doc` to `value`.
///
/// Every segment but the last must exist; the last may be new (the typed
/// model then rejects it if it is not an allowed key). `arrivals.rate` and
/// `arrivals.offered_load` are alternatives: setting one removes the other.
/// Errors name the first segment that does not exist and what exists there.
pub fn set_path(doc: &mut Table, path: &str, value: Value) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!("`{path}` is not a dotted key path such as limits.trunk.capacity"));
    }
    let (last, parents) = segments.split_last().expect("split yields at least one segment");
    let mut table = doc;
    let mut walked = String::new();
    let mut i = 0;
    while i < parents.len() {
        let seg = parents[i];
        let here = if walked.is_empty() { "the top level".to_string() } else { format!("`{walked}`") };
        let keys = table.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
        // Optional tables a model may leave out: setting a key in one creates it.
        if walked.is_empty() && OPTIONAL_TABLES.contains(&seg) && !table.contains_key(seg) {
            table.insert(seg.to_string(), Value::Table(Table::new()));
        }
        if (walked == "sla" || walked.starts_with("sla.")) && !table.contains_key(seg) {
            table.insert(seg.to_string(), Value::Table(Table::new())); // sla.sources.NAME
        }
        let next = table
            .get_mut(seg)
            .ok_or_else(|| format!("`{path}` does not exist: {here} has no key `{seg}` (it has: {keys})"))?;
        walked = if walked.is_empty() { seg.to_string() } else { format!("{walked}.{seg}") };
        table = match next {
            Value::Table(t) => t,
            Value::Array(items) => {
                let name = *parents.get(i + 1).unwrap_or(last);
                if i + 1 == parents.len() {
                    return Err(format!("`{path}` does not exist: `{walked}.{name}` names an entry, not a key"));
                }
                let names: Vec<String> =
                    items.iter().filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string)).collect();
                let entry = items.iter_mut().find(|v| v.get("name").and_then(Value::as_str) == Some(name)).ok_or_else(
                    || {
                        format!(
                            "`{path}` does not exist: `{walked}` has no entry named `{name}` (it has: {})",
                            names.join(", ")
                        )
                    },
                )?;
                walked = format!("{walked}.{name}");
                i += 1;
                entry.as_table_mut().ok_or_else(|| format!("`{path}`: `{walked}` is not a table"))?
            }
            _ => return Err(format!("`{path}` does not exist: `{walked}` is a value, not a table")),
        };
        i += 1;
    }
    if walked.ends_with("arrivals") {
        match *last {
            "rate" => drop(table.remove("offered_load")),
            "offered_load" => drop(table.remove("rate")),
            _ => {}
        }
    }
    table.insert(last.to_string(), value);
    Ok(())
}

/// Reads a command-line value as TOML (`5`, `0.01`, `true`, `"x"`,
/// `{ queue = {} }`); anything that is not TOML is taken as a string, so
/// `20/min` and `5s` need no quotes.
pub fn parse_value(text: &str) -> Value {
    match format!("v = {text}").parse::<Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(text.to_string())),
        Err(_) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Table {
        r#"
        run = { replications = 5 }
        [[sources]]
        name = "inbound"
        arrivals = { rate = "12/min" }
        [[limits]]
        name = "trunk"
        capacity = 100
        "#
        .parse()
        .unwrap()
    }

    #[test]
    fn sets_by_name() {
        let mut d = doc();
        set_path(&mut d, "limits.trunk.capacity", parse_value("50")).unwrap();
        set_path(&mut d, "run.replications", parse_value("3")).unwrap();
        set_path(&mut d, "sources.inbound.arrivals.offered_load", parse_value("40 erl")).unwrap();
        assert_eq!(d["limits"][0]["capacity"].as_integer(), Some(50));
        assert_eq!(d["run"]["replications"].as_integer(), Some(3));
        let arrivals = d["sources"][0]["arrivals"].as_table().unwrap();
        assert_eq!(arrivals.get("offered_load").and_then(Value::as_str), Some("40 erl"));
        assert!(arrivals.get("rate").is_none());
    }

    #[test]
    fn missing_paths_are_errors() {
        let mut d = doc();
        let e = set_path(&mut d, "limits.platform.capacity", parse_value("5")).unwrap_err();
        assert!(e.contains("no entry named `platform`") && e.contains("trunk"), "{e}");
        let e = set_path(&mut d, "limitz.trunk.capacity", parse_value("5")).unwrap_err();
        assert!(e.contains("no key `limitz`"), "{e}");
        assert!(set_path(&mut d, "limits.trunk", parse_value("5")).is_err());
    }

    #[test]
    fn an_sla_left_out_is_created_by_setting_into_it() {
        let mut d = doc();
        assert!(!d.contains_key("sla"));
        set_path(&mut d, "sla.max_blocking", parse_value("0.01")).unwrap();
        set_path(&mut d, "sla.sources.inbound.max_loss", parse_value("\"2%\"")).unwrap();
        assert_eq!(d["sla"]["max_blocking"].as_float(), Some(0.01));
        assert_eq!(d["sla"]["sources"]["inbound"]["max_loss"].as_str(), Some("2%"));
    }

    #[test]
    fn values() {
        assert_eq!(parse_value("5").as_integer(), Some(5));
        assert_eq!(parse_value("20/min").as_str(), Some("20/min"));
        assert_eq!(parse_value("\"5s\"").as_str(), Some("5s"));
    }
}
