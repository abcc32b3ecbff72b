//! The model file as written (`models/*.toml`): serde types that mirror the
//! TOML one to one. Unknown keys are rejected (`deny_unknown_fields`), so a
//! typo is reported with its line, column and the allowed names. Values stay
//! as written here; `model::build` checks and converts them.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub run: RunFile,
    pub sources: Vec<SourceFile>,
    #[serde(default)]
    pub sla: SlaFile,
    pub limits: Vec<LimitFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub horizon: String,
    #[serde(default)]
    pub warmup: Option<String>,
    #[serde(default)]
    pub replications: Option<i64>,
    #[serde(default)]
    pub seed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub name: String,
    pub arrivals: ArrivalsFile,
    pub holding: DistFile,
    #[serde(default)]
    pub patience: Option<DistFile>,
    #[serde(default)]
    pub redial: Option<RedialFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsFile {
    #[serde(default)]
    pub rate: Option<String>,
    #[serde(default)]
    pub offered_load: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedialFile {
    pub max_attempts: i64,
    pub delay: DistFile,
}

/// A distribution of durations, tagged by `dist`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistFile {
    Exponential {
        mean: String,
    },
    Deterministic {
        value: String,
    },
    Lognormal {
        mean: String,
        cv: f64,
    },
    Gamma {
        mean: String,
        cv: f64,
    },
    Weibull {
        mean: String,
        #[serde(default)]
        cv: Option<f64>,
        #[serde(default)]
        shape: Option<f64>,
    },
    Uniform {
        min: String,
        max: String,
    },
    Empirical {
        #[serde(default)]
        values: Option<Vec<String>>,
        #[serde(default)]
        file: Option<String>,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaFile {
    #[serde(default)]
    pub answer_within: Option<String>,
    #[serde(default)]
    pub max_blocking: Option<f64>,
    #[serde(default)]
    pub max_abandonment: Option<f64>,
    #[serde(default)]
    pub max_p95_wait: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitFile {
    pub name: String,
    pub capacity: i64,
    #[serde(default)]
    pub on_full: OnFullFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum OnFullFile {
    #[default]
    Reject,
    Queue(QueueFile),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub max_waiting: Option<i64>,
}
