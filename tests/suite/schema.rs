//! `simcall schema`: the JSON Schemas of model, experiment and plan files
//! accept every shipped file and refuse the mistakes the parser refuses,
//! checked by an independent validator (the `jsonschema` crate).

use crate::cli::{repo, simcall, text};

/// The schema `simcall schema KIND` prints.
fn schema(kind: &str) -> serde_json::Value {
    let out = simcall(&["schema", kind]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A TOML file's text as JSON.
fn json(toml_text: &str) -> serde_json::Value {
    toml::from_str(toml_text).unwrap()
}

/// Which schema a file is for: a plan has `choices`, an experiment a `model`.
fn kind_of(v: &serde_json::Value) -> &'static str {
    if v.get("choices").is_some() {
        "plan"
    } else if v.get("model").is_some() {
        "experiment"
    } else {
        "model"
    }
}

#[test]
fn every_shipped_file_is_valid_against_its_schema() {
    let validators: Vec<(&str, jsonschema::Validator)> = ["model", "experiment", "plan"]
        .into_iter()
        .map(|k| (k, jsonschema::validator_for(&schema(k)).unwrap_or_else(|e| panic!("{k}: {e}"))))
        .collect();
    let mut checked = 0;
    for dir in ["models", "experiments", "docs/examples"] {
        for e in std::fs::read_dir(repo(dir)).unwrap().flatten() {
            let path = e.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let v = json(&std::fs::read_to_string(&path).unwrap());
            let (kind, validator) = validators.iter().find(|(k, _)| *k == kind_of(&v)).unwrap();
            let errors: Vec<String> =
                validator.iter_errors(&v).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{} against the {kind} schema: {errors:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} files");
}

#[test]
fn the_schemas_refuse_what_the_parser_refuses() {
    let model = std::fs::read_to_string(repo("models/voice-agent.toml")).unwrap();
    let validator = jsonschema::validator_for(&schema("model")).unwrap();
    assert!(validator.is_valid(&json(&model)));
    for (mistake, why) in [
        (model.replacen("capacity = 100", "capacty = 100", 1), "an unknown key"),
        (model.replacen("capacity = 100", "capacity = \"100\"", 1), "a string for a number"),
        (model.replacen("dist = \"lognormal\"", "dist = \"normal\"", 1), "an unknown distribution"),
        (model.replacen("on_full = \"reject\"", "on_full = \"drop\"", 1), "an unknown on_full"),
        (model.replacen("max_blocking = 0.01", "max_blockin = 0.01", 1), "an unknown SLA objective"),
        (model.replacen("replications = 10", "replications = { min = 10 }", 1), "a range without max"),
    ] {
        assert_ne!(mistake, model, "{why}: the mistake is made");
        assert!(!validator.is_valid(&json(&mistake)), "{why} passes the schema");
    }
    let exp = std::fs::read_to_string(repo("experiments/tiers.toml")).unwrap();
    let validator = jsonschema::validator_for(&schema("experiment")).unwrap();
    assert!(!validator.is_valid(&json(&exp.replacen("price_per_month", "price_per_mnth", 1))));
    let plan = std::fs::read_to_string(repo("experiments/plan.toml")).unwrap();
    let validator = jsonschema::validator_for(&schema("plan")).unwrap();
    assert!(!validator.is_valid(&json(&plan.replacen("months = 12", "months = \"12\"", 1))));
}
