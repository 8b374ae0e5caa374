//! A progress bar on stderr, drawn only when stderr is a terminal and `--quiet` is not given.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::Progress;

/// An indicatif bar behind the domain's [`Progress`] trait.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A byte-counting bar (files); hidden unless stderr is a terminal.
    pub fn bytes() -> Bar {
        Bar::with_template("{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    }

    /// A row-counting bar (tables, generated records); hidden unless stderr is a terminal.
    pub fn rows() -> Bar {
        Bar::with_template("{msg:30!} [{bar:30}] {human_pos}/{human_len} rows {per_sec} eta {eta}")
    }

    /// A bar counting whole units of work (`files`, `datasets`); hidden unless stderr is a
    /// terminal.
    pub fn count(noun: &str) -> Bar {
        Bar::with_template(&format!(
            "{{msg:30!}} [{{bar:30}}] {{pos}}/{{len}} {noun} eta {{eta}}"
        ))
    }

    fn with_template(template: &str) -> Bar {
        let bar = ProgressBar::hidden();
        if super::progress_wanted() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar { bar }
    }
}

/// A spinner with the time elapsed, for a step whose size is not known in advance (fitting
/// the purchase model); cleared when dropped. Hidden unless stderr is a terminal.
pub struct Spinner {
    bar: ProgressBar,
}

impl Spinner {
    pub fn new(message: &str) -> Spinner {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(super::terminal::clean(message).into_owned());
        if super::progress_wanted() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            // Drawn at once: a fit shorter than a tick still says what ran.
            bar.tick();
        }
        Spinner { bar }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, label: &str, total: u64) {
        self.bar.reset();
        self.bar.set_length(total);
        self.bar
            .set_message(super::terminal::clean(label).into_owned());
    }

    fn start_counting(&self, label: &str, total: u64, unit: &str) {
        // The unit replaces `rows` for this phase; `start` of the next phase keeps it, so
        // a bar that counts pairs is only used for its last phase.
        let unit = super::terminal::clean(unit);
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{{msg:30!}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} {{per_sec}} eta {{eta}}"
        )) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.start(label, total);
    }

    fn set(&self, done: u64) {
        self.bar.set_position(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
