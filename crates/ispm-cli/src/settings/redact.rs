//! Secret redaction for printing effective settings.

use serde_json::Value;

use super::Settings;

/// Replacement shown for a secret value.
pub const REDACTED: &str = "***";

/// Substrings of a dotted key, lowercased, that mark its value as a secret.
/// `sasl.jaas` and `ssl.key` match Kafka client properties such as
/// `sasl.jaas.config` and `ssl.key.pem`, which hold credentials inline.
const SECRET_KEY_MARKERS: [&str; 5] = ["password", "secret", "token", "sasl.jaas", "ssl.key"];

/// Serializes `settings` with every secret value replaced by [`REDACTED`].
///
/// Only text is redacted: a number or boolean under a matching key is a
/// setting about secrets (`engine.bursts.secret_access_threshold`), not one.
pub fn redacted_json(settings: &Settings) -> serde_json::Result<Value> {
    let mut value = serde_json::to_value(settings)?;
    redact(&mut value, "");
    Ok(value)
}

fn redact(value: &mut Value, path: &str) {
    match value {
        Value::String(text) if is_secret_key(path) => *text = REDACTED.to_owned(),
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                redact(child, &child_path);
            }
        }
        Value::Array(items) => {
            for item in items {
                redact(item, path);
            }
        }
        _ => {}
    }
}

fn is_secret_key(dotted_key: &str) -> bool {
    let key = dotted_key.to_ascii_lowercase();
    SECRET_KEY_MARKERS.iter().any(|marker| key.contains(marker))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_keys_are_redacted_at_any_depth() {
        let mut value = json!({
            "kafka": {
                "bootstrap": "127.0.0.1:9092",
                "properties": { "sasl.jaas.config": "user=x password=y", "ssl.key.pem": "-----BEGIN", "client.id": "ispm" },
                "sasl_password": "hunter2",
                "auth": { "token": "abc" },
            },
            "log": { "level": "info" },
        });
        redact(&mut value, "");
        assert_eq!(value["kafka"]["bootstrap"], "127.0.0.1:9092");
        assert_eq!(value["kafka"]["properties"]["sasl.jaas.config"], REDACTED);
        assert_eq!(value["kafka"]["properties"]["ssl.key.pem"], REDACTED);
        assert_eq!(value["kafka"]["properties"]["client.id"], "ispm");
        assert_eq!(value["kafka"]["sasl_password"], REDACTED);
        assert_eq!(value["kafka"]["auth"]["token"], REDACTED);
        assert_eq!(value["log"]["level"], "info");
    }

    #[test]
    fn unset_secret_stays_null() {
        let mut value = json!({ "kafka": { "password": null } });
        redact(&mut value, "");
        assert!(value["kafka"]["password"].is_null());
    }

    #[test]
    fn numbers_under_secret_keys_stay() {
        let mut value =
            json!({ "engine": { "secret_access_threshold": 5, "token_limits": [1, 2] } });
        redact(&mut value, "");
        assert_eq!(value["engine"]["secret_access_threshold"], 5);
        assert_eq!(value["engine"]["token_limits"], json!([1, 2]));
    }
}
