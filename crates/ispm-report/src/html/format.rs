//! Formatting of numbers, times and severities on the page.

use ispm_model::{EventTime, Severity};

/// Formats a time as `2024-08-01 13:33 UTC`.
pub fn time(time: EventTime) -> String {
    let text = time.to_rfc3339();
    match text.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replacen('T', " ", 1)),
        None => text,
    }
}

/// Formats a 0-to-1 ratio as a whole percentage, or `n/a` when the scope had
/// nothing to measure.
pub fn percent(ratio: Option<f64>) -> String {
    match ratio {
        Some(ratio) => format!("{:.0}%", ratio * 100.0),
        None => "n/a".to_owned(),
    }
}

/// Formats a 0-to-100 score with one decimal.
pub fn score(score: f64) -> String {
    format!("{score:.1}")
}

/// CSS class of a posture score: good from 80, fair from 60, poor below.
/// The same bands colour the bars in the page's charts.
pub fn score_class(score: f64) -> &'static str {
    if score >= 80.0 {
        "good"
    } else if score >= 60.0 {
        "fair"
    } else {
        "poor"
    }
}

/// CSS class of a risk score (0 to 100, higher is worse).
pub fn risk_class(risk: u8) -> &'static str {
    if risk >= 70 {
        "poor"
    } else if risk >= 40 {
        "fair"
    } else {
        "good"
    }
}

pub fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Informational => "sev-info",
    }
}

/// Maps a severity label of a summary record (`Critical`, `high`) to the
/// model's severity.
pub fn severity_from_label(label: &str) -> Option<Severity> {
    Severity::ALL
        .into_iter()
        .find(|severity| severity.label().eq_ignore_ascii_case(label))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_shows_minutes_in_utc() {
        assert_eq!(time(EventTime(1_722_519_208_000)), "2024-08-01 13:33 UTC");
    }

    #[test]
    fn percent_rounds_and_marks_missing() {
        assert_eq!(percent(Some(0.834)), "83%");
        assert_eq!(percent(None), "n/a");
    }

    #[test]
    fn severity_labels_match_any_case() {
        assert_eq!(severity_from_label("critical"), Some(Severity::Critical));
        assert_eq!(severity_from_label("High"), Some(Severity::High));
        assert_eq!(severity_from_label("fatal"), None);
    }
}
