//! Client text made harmless for the places people read it: spreadsheets (formula cells) and
//! Markdown. Terminals are handled where output is written, in `output::terminal`.

pub mod formula;
pub mod markdown;
