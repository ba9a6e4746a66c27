//! Progress bars on stderr, shown only when stderr is a terminal so that
//! logs and CI output stay free of redraw sequences.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar that does nothing when stderr is not a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Creates a bar over the input files, with the current file as message.
    pub fn files(total: usize) -> Progress {
        Progress::new(total, "reading    {bar:30} {pos}/{len} files {wide_msg}")
    }

    /// Creates a bar over the sorted events fed to the engine.
    pub fn events(total: usize) -> Progress {
        Progress::new(
            total,
            "processing {bar:30} {human_pos}/{human_len} events {per_sec}",
        )
    }

    fn new(total: usize, template: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    pub fn set_message(&self, message: impl Into<String>) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.into());
        }
    }

    pub fn inc(&self, delta: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(delta);
        }
    }

    /// Removes the bar so the summary starts on a clean line.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
