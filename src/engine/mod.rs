//! The discrete-event core, independent of telephony: a future-event list
//! ordered by (time, insertion sequence) and portable random streams.
//! The call model that uses them is in [`crate::simulation`].

pub mod queue;
pub mod rng;

pub use queue::EventQueue;
pub use rng::{failure_stream, incident_stream, point_key, routing_stream, source_stream, stream, Purpose, SimRng};
