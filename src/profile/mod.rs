//! Profiling: column statistics, semantic types, and the checks across rows and datasets
//! (keys, references, hierarchy, staleness) that show how ready a client's data is.

pub mod column;
pub mod dates;
pub mod hll;
pub mod model;
pub mod numbers;
pub mod scan;
pub mod shapes;
pub mod types;
pub mod values;
pub mod vocab;
