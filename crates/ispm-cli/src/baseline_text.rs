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
        "  first-seen values (known, used in the last 30 days):"
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
        writeln!(
            out,
            "    {:<16} {:>3} known, {:>3} recent{notes}",
            attribute.attribute, attribute.known_values, attribute.used_last_30_days
        )?;
    }
    let activity = &profile.activity;
    writeln!(
        out,
        "  activity: {} of 168 hours of the week; {:.1} calls per active hour, {:.1} per active day; \
         {} calls in the last hour, {} in the last day",
        activity.active_hours_of_week,
        activity.calls_per_active_hour,
        activity.calls_per_active_day,
        activity.calls_in_last_hour,
        activity.calls_in_last_day
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
        "  burst windows: {} denied, {} enumeration, {} secret reads",
        windows.access_denied, windows.enumeration, windows.secrets
    )
}
