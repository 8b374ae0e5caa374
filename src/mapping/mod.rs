//! Field mapping: suggest a mapping from a dataset to a target object, check one against the
//! schema and the data, and the transforms a mapping declares.

pub mod check;
pub mod cues;
pub mod evidence;
pub mod file;
pub mod links;
pub mod owners;
pub mod suggest;
pub mod synonyms;
pub mod text;
pub mod transforms;
pub mod values;
pub mod workflow;
