//! `ispm check-config`: print the effective settings, secrets redacted.

use std::io::Write;

use anyhow::Context;
use serde_json::Value;

use crate::cli::PrintFormat;
use crate::settings::{Settings, redacted_json};

/// Prints `settings` to stdout in `format`. Loading, and reporting invalid
/// keys, happens before this in `main`, the same way for every subcommand.
pub fn print_effective(settings: &Settings, format: PrintFormat) -> anyhow::Result<()> {
    let mut value = redacted_json(settings).context("failed to serialize the settings")?;
    let text = match format {
        PrintFormat::Json => {
            serde_json::to_string_pretty(&value).context("failed to render the settings as JSON")?
        }
        PrintFormat::Toml => {
            // TOML has no null; an unset optional setting is left out.
            remove_nulls(&mut value);
            toml::to_string_pretty(&value).context("failed to render the settings as TOML")?
        }
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", text.trim_end()).context("failed to write to stdout")?;
    Ok(())
}

fn remove_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, child| !child.is_null());
            map.values_mut().for_each(remove_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_render_as_toml_that_loads_back() {
        let mut value = redacted_json(&Settings::default()).expect("defaults serialize");
        remove_nulls(&mut value);
        let text = toml::to_string_pretty(&value).expect("defaults render as TOML");
        let settings: Settings = toml::from_str(&text).expect("rendered TOML parses");
        assert_eq!(settings, Settings::default());
    }
}
