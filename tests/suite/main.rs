//! simcall's integration tests, in one binary (one link of the library and
//! polars instead of one per file): theory (exact queueing vectors), laws
//! (conservation, Little), the limit chain, traffic, campaigns, fitting and
//! the command line.

mod backtest;
mod bad_inputs;
mod busiest;
mod campaign;
mod chain;
mod cli;
mod common;
mod control;
mod defaults;
mod docs;
mod faults;
mod fit;
mod fit_days;
mod fit_outcomes;
mod fuzz;
#[path = "../invariants.rs"]
mod invariants;
mod laws;
mod overflow;
mod plan;
mod report;
mod results;
mod schema;
mod semantics;
mod sensitivity;
mod store;
mod theory;
mod traffic;
mod verdicts;
