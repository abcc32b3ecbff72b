//! JSON Schemas of the model, experiment and plan files (`simcall schema`),
//! derived with schemars from the serde types the parser reads the files
//! into (`file.rs`, the experiment's and the plan's top levels), so an
//! editor that reads JSON Schemas (taplo, the Even Better TOML extension)
//! completes and checks keys as a user types. The parts the parser reads
//! by hand (`[sla]`, `on_full`, overrides, axes) get schemas built here from
//! the same constants it checks against.

use super::experiment::ExperimentFile;
use super::file::ModelFile;
use super::plan::PlanFile;
use crate::model::ObjectiveMetric;
use schemars::{json_schema, Schema, SchemaGenerator};

/// Which file a schema is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum FileKind {
    /// A model file (`models/*.toml`).
    Model,
    /// An experiment file (a `model`, `sweep` axes and `[[tiers]]`).
    Experiment,
    /// A plan file (a `model`, a `[forecast]` and `[[choices]]`).
    Plan,
}

/// The JSON Schema (draft 2020-12) of a `kind` file, as JSON.
pub fn schema(kind: FileKind) -> serde_json::Value {
    let mut schema = match kind {
        FileKind::Model => schemars::schema_for!(ModelFile),
        FileKind::Experiment => schemars::schema_for!(ExperimentFile),
        FileKind::Plan => schemars::schema_for!(PlanFile),
    };
    let name: &'static str = kind.into();
    schema.insert("title".into(), format!("simcall {name} file").into());
    schema.to_value()
}

/// `[sla]`: an objective per metric (probabilities as `0.01` or `"1%"`,
/// durations with units), where it is judged, with what confidence, and
/// the same per source under `sources.NAME`.
pub(super) fn sla(_: &mut SchemaGenerator) -> Schema {
    let mut objectives = serde_json::Map::new();
    for m in ObjectiveMetric::ALL {
        let value = if m.is_duration() {
            json_schema!({ "type": "string", "description": "a duration with its unit, such as \"20s\", or \"off\" to ignore it on purpose" })
        } else {
            json_schema!({ "type": ["number", "string"], "description": "a probability such as 0.01 or \"1%\", or \"off\" to ignore it on purpose (blocking, abandonment and failure left unset are judged at the strictest of them that is set)" })
        };
        objectives.insert(m.key().into(), value.to_value());
    }
    let per_source =
        json_schema!({ "type": "object", "properties": objectives.clone(), "additionalProperties": false });
    let mut all = objectives;
    let others = json_schema!({
        "answer_within": { "type": "string", "description": "the threshold of service_level, such as \"20s\"" },
        "max_completion": { "type": "string", "description": "every campaign finishes within this, such as \"8d\"" },
        "over": { "type": "string", "enum": ["run", "busy_hour", "window"], "description": "where the SLA is judged; default \"busy_hour\" when an inbound source's arrivals vary in time, else \"run\"" },
        "window": { "type": "string", "description": "a weekly window such as \"mon-fri 09:00-17:00\"" },
        "confidence": { "type": "number", "minimum": 0.5, "maximum": 0.9999 },
        "sources": { "type": "object", "additionalProperties": per_source }
    });
    for k in super::sla::OTHER_KEYS {
        all.insert(k.into(), others.get(k).cloned().unwrap_or(true.into()));
    }
    json_schema!({ "type": "object", "properties": all, "additionalProperties": false })
}

/// `on_full`: `"reject"`, `"queue"`, `{ queue = { timeout, max_waiting } }`
/// or `{ overflow = "NAME" }`.
pub(super) fn on_full(g: &mut SchemaGenerator) -> Schema {
    let queue = g.subschema_for::<super::file::QueueFile>();
    json_schema!({
        "oneOf": [
            { "type": "string", "enum": ["reject", "queue"] },
            { "type": "object", "properties": { "queue": queue }, "required": ["queue"], "additionalProperties": false },
            {
                "type": "object",
                "properties": { "overflow": { "type": "string", "description": "a limit with standby = true" } },
                "required": ["overflow"],
                "additionalProperties": false
            }
        ]
    })
}

/// Model keys by dotted path (`"limits.trunk.capacity"`) and their values.
pub(super) fn overrides(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "description": "model keys by dotted path, such as \"limits.trunk.capacity\"" })
}

/// Sweep axes: a model key → a list of values, or `{ from, to, steps }`.
pub(super) fn axes(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                { "type": "array", "minItems": 1 },
                {
                    "type": "object",
                    "properties": { "from": {}, "to": {}, "steps": { "type": "integer", "minimum": 2, "maximum": 10000 } },
                    "required": ["from", "to", "steps"],
                    "additionalProperties": false
                }
            ]
        }
    })
}

/// A fraction as a number (`0.02`) or a percentage (`"2%"`).
pub(super) fn percentage(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["number", "string"], "description": "a fraction such as 0.02 or \"2%\"" })
}
