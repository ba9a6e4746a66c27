//! Redacting types for credentials in the settings.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const REDACTED: &str = "***";

/// Parts of a librdkafka property name that mark its value as a credential.
/// `key` also catches paths such as `ssl.key.location`, which is harmless:
/// redacting a path costs an operator a look into the config file.
const SENSITIVE_NAME_PARTS: &[&str] = &["password", "secret", "key", "token", "sasl.jaas"];

/// A credential. `Debug`, `Display` and `Serialize` print `***`, so the value
/// never reaches a log line or a dumped configuration; only
/// [`Secret::expose`] returns it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Returns the credential itself, for handing it to the Kafka client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

/// One value of [`ClientProperties`].
#[derive(Clone, PartialEq, Eq)]
pub enum PropertyValue {
    Plain(String),
    Secret(Secret),
}

impl PropertyValue {
    /// Returns the value as librdkafka must receive it, secrets included.
    pub fn expose(&self) -> &str {
        match self {
            PropertyValue::Plain(value) => value,
            PropertyValue::Secret(secret) => secret.expose(),
        }
    }
}

impl fmt::Debug for PropertyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyValue::Plain(value) => fmt::Debug::fmt(value, f),
            PropertyValue::Secret(secret) => fmt::Debug::fmt(secret, f),
        }
    }
}

impl Serialize for PropertyValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PropertyValue::Plain(value) => serializer.serialize_str(value),
            PropertyValue::Secret(secret) => secret.serialize(serializer),
        }
    }
}

/// librdkafka properties passed through unchanged to every Kafka client of
/// the runtime (SASL, TLS, timeouts, tuning).
///
/// Values whose property name contains `password`, `secret`, `key`, `token`
/// or `sasl.jaas` are stored as [`Secret`], so `Debug` and `Serialize` print
/// `***` for them.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ClientProperties(BTreeMap<String, PropertyValue>);

impl ClientProperties {
    /// Adds a property, redacting its value when the name marks a credential.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        let value = if is_sensitive(&name) {
            PropertyValue::Secret(Secret::new(value))
        } else {
            PropertyValue::Plain(value)
        };
        self.0.insert(name, value);
    }

    pub fn get(&self, name: &str) -> Option<&PropertyValue> {
        self.0.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &PropertyValue)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ClientProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

/// A property value as a configuration file may write it. TOML reads the
/// unquoted key `sasl.password` as the table `sasl` with the key `password`,
/// and `linger.ms = 5` as an integer, so tables are flattened back into
/// dotted names and scalars turned into text.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "expected a text, number or boolean value for a librdkafka property"
)]
enum RawProperty {
    Text(String),
    Flag(bool),
    Integer(i64),
    Float(f64),
    Table(BTreeMap<String, RawProperty>),
}

impl ClientProperties {
    fn insert_raw(&mut self, name: String, value: RawProperty) {
        match value {
            RawProperty::Text(text) => self.insert(name, text),
            RawProperty::Flag(flag) => self.insert(name, flag.to_string()),
            RawProperty::Integer(number) => self.insert(name, number.to_string()),
            RawProperty::Float(number) => self.insert(name, number.to_string()),
            RawProperty::Table(table) => {
                for (key, nested) in table {
                    self.insert_raw(format!("{name}.{key}"), nested);
                }
            }
        }
    }
}

impl<'de> Deserialize<'de> for ClientProperties {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, RawProperty>::deserialize(deserializer)?;
        let mut properties = ClientProperties::default();
        for (name, value) in raw {
            properties.insert_raw(name, value);
        }
        Ok(properties)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for ClientProperties {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut properties = ClientProperties::default();
        for (name, value) in iter {
            properties.insert(name, value);
        }
        properties
    }
}

fn is_sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SENSITIVE_NAME_PARTS.iter().any(|part| name.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_and_serialize_are_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(
            serde_json::to_string(&secret).expect("serializes"),
            "\"***\""
        );
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn credential_properties_are_redacted_by_name() {
        let properties: ClientProperties = [
            ("sasl.password", "pw-1"),
            ("sasl.username", "ispm"),
            ("ssl.key.password", "pw-2"),
            ("sasl.oauthbearer.client.secret", "pw-3"),
            ("sasl.jaas.config", "pw-4"),
            ("sasl.oauthbearer.token.endpoint.url", "pw-5"),
        ]
        .into_iter()
        .collect();

        let debug = format!("{properties:?}");
        let json = serde_json::to_string(&properties).expect("serializes");
        for output in [&debug, &json] {
            for hidden in ["pw-1", "pw-2", "pw-3", "pw-4", "pw-5"] {
                assert!(!output.contains(hidden), "{hidden} leaked into {output}");
            }
            assert!(output.contains("ispm"), "plain value missing from {output}");
        }
        assert_eq!(
            properties.get("sasl.password").map(PropertyValue::expose),
            Some("pw-1")
        );
    }

    #[test]
    fn dotted_toml_keys_are_flattened() {
        let properties: ClientProperties = toml::from_str(
            r#"
            sasl.password = "pw"
            linger.ms = 10
            enable.ssl.certificate.verification = false
            "security.protocol" = "SASL_SSL"
            "#,
        )
        .expect("valid table");

        let exposed = |name: &str| properties.get(name).map(PropertyValue::expose);
        assert_eq!(exposed("sasl.password"), Some("pw"));
        assert_eq!(exposed("linger.ms"), Some("10"));
        assert_eq!(
            exposed("enable.ssl.certificate.verification"),
            Some("false")
        );
        assert_eq!(exposed("security.protocol"), Some("SASL_SSL"));
        assert!(!format!("{properties:?}").contains("pw"));
    }

    #[test]
    fn deserialized_properties_are_redacted() {
        let properties: ClientProperties =
            serde_json::from_str(r#"{"security.protocol": "SASL_SSL", "SASL.PASSWORD": "pw"}"#)
                .expect("valid map");
        assert_eq!(
            format!("{properties:?}"),
            r#"{"SASL.PASSWORD": ***, "security.protocol": "SASL_SSL"}"#
        );
    }
}
