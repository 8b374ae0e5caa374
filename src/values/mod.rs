//! Values have one home: how a phone, email, date, number, yes/no, country, placeholder,
//! accented name, URL or domain is read and normalised, called alike by profile, mapping, stage, rules and dedupe.
//!
//! The reference tables (countries, states, calling codes, placeholder words) are YAML under
//! `playbooks/`, embedded in the binary and overridable per workspace ([`tables`]).

pub mod boolean;
pub mod country;
pub mod date;
pub mod domain;
pub mod email;
pub mod fold;
pub mod footer;
pub mod number;
pub mod phone;
pub mod placeholder;
pub mod tables;
pub mod url;

pub use tables::use_playbooks;
