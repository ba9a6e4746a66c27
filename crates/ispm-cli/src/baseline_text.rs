//! The text form of an identity's behavioural baseline, for `ispm explain`.

use std::io::Write;

use ispm_engine::BaselineProfile;

pub fn render_baseline(profile: &BaselineProfile, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "baseline")?;
    for status in &profile.learning {
        let state = if status.learned {
            "learned".to_owned()
        } else {
            let ends = status
                .ends_at
                .map_or_else(|| "-".to_owned(), |time| time.to_string());
            format!(
                "learning until {ends} or {} more events",
                status.events_left
            )
        };
        writeln!(out, "  {:<22} {state}", status.detector)?;
    }
    writeln!(
        out,
        "  first-seen values (values known, values used in the last 30 days):"
    )?;
    for attribute in &profile.attributes {
        let mut notes = Vec::new();
        if !attribute.watched {
            notes.push("not watched");
        }
        if attribute.high_variance {
            notes.push("high variance, new values not reported");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        // A high-variance set stopped growing at its cap.
        let at_least = if attribute.high_variance {
            "at least "
        } else {
            ""
        };
        writeln!(
            out,
            "    {:<16} {at_least}{} known, {} recent{notes}",
            attribute.attribute, attribute.known_values, attribute.used_last_30_days
        )?;
    }
    let activity = &profile.activity;
    writeln!(
        out,
        "  activity: {} of 168 hours of the week; usual calls per active hour {}, per active \
         day {}; {} in the hour and {} in the UTC day of the last event",
        activity.active_hours_of_week,
        rate(activity.calls_per_active_hour, "hour"),
        rate(activity.calls_per_active_day, "day"),
        calls(activity.calls_in_last_hour),
        calls(activity.calls_in_last_day)
    )?;
    for line in &activity.active_hours {
        writeln!(out, "    {line} UTC")?;
    }
    if !profile.sensitive_calls_made.is_empty() {
        writeln!(
            out,
            "  sensitive calls made: {}",
            profile.sensitive_calls_made.join(", ")
        )?;
    }
    if let Some(location) = &profile.last_location {
        writeln!(
            out,
            "  last location: {:.2}, {:.2} ({}) at {}",
            location.latitude,
            location.longitude,
            location.country.as_deref().unwrap_or("-"),
            location.time
        )?;
    }
    let windows = &profile.burst_windows;
    writeln!(
        out,
        "  calls in the current burst windows: {} denied, {} enumeration, {} secret reads",
        windows.access_denied, windows.enumeration, windows.secrets
    )
}

/// Writes a long-run rate, which is unknown until a first period ended.
fn rate(rate: Option<f32>, period: &str) -> String {
    match rate {
        Some(rate) => format!("{rate:.1}"),
        None => format!("unknown (no {period} ended yet)"),
    }
}

fn calls(count: u32) -> String {
    if count == 1 {
        "1 call".to_owned()
    } else {
        format!("{count} calls")
    }
}
