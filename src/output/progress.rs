//! A progress bar on stderr, drawn only when stderr is a terminal and `--quiet` is not given.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::progress::Progress;

/// An indicatif bar behind the domain's [`Progress`] trait.
pub struct Bar {
    bar: ProgressBar,
    /// The bar's own style, put back when a counted unit follows a spinning one.
    style: ProgressStyle,
    spinning: AtomicBool,
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
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style.clone());
        Bar {
            bar,
            style,
            spinning: AtomicBool::new(false),
        }
    }
}

/// A spinner with the time elapsed, for a step whose size is not known in advance (fitting
/// the purchase model); cleared when dropped. Hidden unless stderr is a terminal.
pub struct Spinner {
    bar: ProgressBar,
}

/// A spinner's look: what runs and for how long.
fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Spinner {
    pub fn new(message: &str) -> Spinner {
        let bar = ProgressBar::hidden();
        bar.set_style(spinner_style());
        bar.set_message(super::terminal::clean(message).into_owned());
        if super::progress_wanted() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
            // Drawn at once (a tick does nothing once the steady ticker runs): a fit shorter
            // than a tick still says what ran.
            bar.force_draw();
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
        if self.spinning.swap(false, Ordering::Relaxed) {
            self.bar.disable_steady_tick();
            self.bar.set_style(self.style.clone());
        }
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

    fn busy(&self, label: &str) {
        self.start(label, 0);
        self.spinning.store(true, Ordering::Relaxed);
        self.bar.set_style(spinner_style());
        if !self.bar.is_hidden() {
            self.bar.enable_steady_tick(Duration::from_millis(120));
            self.bar.force_draw();
        }
    }

    fn set(&self, done: u64) {
        self.bar.set_position(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
