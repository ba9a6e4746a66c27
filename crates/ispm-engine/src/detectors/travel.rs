//! Atypical travel: a person seen at two places further apart than anyone
//! could travel in the time between the two events. One of the two sessions
//! is then most likely someone else's use of the same credential.

use std::time::Duration;

use ispm_model::{Confidence, EventTime, FindingCategory, IdentityKind, Severity};
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_with::serde_as;

use super::{Context, Hit, bit};
use crate::attack;
use crate::cold::ColdTime;
use crate::geo::{are_neighbours, country_code, great_circle_km};
use crate::state::{CompactId, IdentityState};

pub const ID: &str = "atypical_travel";

/// The last place an identity was seen at, from the city database's
/// coordinates of its source address.
#[serde_as]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LastLocation {
    location: (f32, f32),
    country: Option<[u8; 2]>,
    #[serde_as(as = "ColdTime")]
    time: EventTime,
    event_id: CompactId,
}

impl LastLocation {
    /// Latitude and longitude, in degrees.
    pub fn coordinates(&self) -> (f32, f32) {
        self.location
    }

    /// Returns the two-letter country code, when the database gave one.
    pub fn country_code(&self) -> Option<&str> {
        self.country
            .as_ref()
            .and_then(|code| std::str::from_utf8(code).ok())
    }

    pub fn time(&self) -> EventTime {
        self.time
    }
}

#[cfg(test)]
impl LastLocation {
    pub fn sample(time: EventTime) -> Self {
        LastLocation {
            location: (48.85, 2.35),
            country: Some(*b"FR"),
            time,
            event_id: CompactId::new("083dc4ad-e264-46bc-a407-d0dd31b58bdc"),
        }
    }
}

/// Shortest time counted between two events, so that two places seen within
/// the same second give a finite speed.
const MIN_ELAPSED_MS: i64 = 1_000;

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    // Non-human identities run in several regions and clouds at once, so the
    // speed between their addresses means nothing.
    if !matches!(state.kind, IdentityKind::Human | IdentityKind::Root) {
        return;
    }
    let event = ctx.event;
    // Calls an AWS service makes for the identity carry the service's address.
    if event.actor.invoked_by.is_some() || event.origin.service.is_some() {
        return;
    }
    let Some(network) = event.origin.network.as_ref() else {
        return;
    };
    // A cloud address (CloudShell, a bastion host, a proxy in a cloud region)
    // places the machine, not the person.
    if network.cloud == Some(true) {
        return;
    }
    let Some(location) = network.location else {
        return;
    };
    // Coordinates from an event on `ispm.events` are not checked by the
    // decoder, so a latitude or longitude out of range places nothing.
    let (latitude, longitude) = location;
    if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
        return;
    }
    let current = LastLocation {
        location,
        country: network.country.as_deref().and_then(country_code),
        time: event.time,
        event_id: CompactId::new(&event.event_id),
    };
    let previous = match &mut state.last_location {
        Some(last) if current.time >= last.time => std::mem::replace(&mut **last, current),
        // A late event is compared with the newest location, which stays.
        Some(last) => LastLocation::clone(last),
        None => {
            state.last_location = Some(Box::new(current));
            return;
        }
    };
    if !ctx.is_learned(state, const { bit(ID) }) {
        return;
    }

    let config = &ctx.config.travel;
    let distance_km = great_circle_km(previous.location, location);
    if distance_km < config.min_distance_km {
        return;
    }
    let elapsed_ms = event.time.saturating_sub(previous.time).abs();
    let hours = elapsed_ms.max(MIN_ELAPSED_MS) as f64 / 3_600_000.0;
    let speed_kmh = distance_km / hours;
    if speed_kmh <= config.max_speed_kmh {
        return;
    }
    let country = network.country.as_deref().and_then(country_code);
    if let (Some(from), Some(to)) = (previous.country, country)
        && (from == to || are_neighbours(from, to))
    {
        return;
    }
    report(
        ctx,
        state,
        &previous,
        Travel {
            to: location,
            to_country: country,
            distance_km,
            elapsed_ms,
            speed_kmh,
        },
    );
}

/// The move from the previous location to the event's.
struct Travel {
    to: (f32, f32),
    to_country: Option<[u8; 2]>,
    distance_km: f64,
    elapsed_ms: i64,
    speed_kmh: f64,
}

fn country_text(country: Option<[u8; 2]>) -> String {
    country
        .map(|code| String::from_utf8_lossy(&code).into_owned())
        .unwrap_or_else(|| "an unknown country".to_owned())
}

#[cold]
#[inline(never)]
fn report(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    previous: &LastLocation,
    travel: Travel,
) {
    let from_country = country_text(previous.country);
    let to_country = country_text(travel.to_country);
    let elapsed_seconds = u64::try_from(travel.elapsed_ms / 1000).unwrap_or(0);
    let elapsed =
        humantime_serde::re::humantime::format_duration(Duration::from_secs(elapsed_seconds));
    let config = &ctx.config.travel;

    let mut hit = Hit::new(ID, "travel_faster_than_possible", FindingCategory::Anomaly);
    hit.title = format!(
        "{} seen {:.0} km apart within {elapsed}: {from_country} then {to_country}",
        state.name(),
        travel.distance_km
    );
    hit.description = format!(
        "{} was seen in {from_country} at {:.2}, {:.2} and {elapsed} later in {to_country} at \
         {:.2}, {:.2}: {:.0} km, {:.0} km/h, faster than the {:.0} km/h limit. Unless the person \
         uses a VPN, two people use the same credential.",
        state.name(),
        previous.location.0,
        previous.location.1,
        travel.to.0,
        travel.to.1,
        travel.distance_km,
        travel.speed_kmh,
        config.max_speed_kmh
    );
    hit.severity = Severity::Medium;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Ask the person whether they travelled or use a VPN. If not, revoke their \
                       sessions and credentials and review what the distant session did.";

    hit.data = json!({
        "from": {
            "latitude": previous.location.0,
            "longitude": previous.location.1,
            "country": previous.country.map(|code| String::from_utf8_lossy(&code).into_owned()),
            "time": previous.time.to_rfc3339(),
            "event_id": previous.event_id.to_text(),
        },
        "to": {
            "latitude": travel.to.0,
            "longitude": travel.to.1,
            "country": travel.to_country.map(|code| String::from_utf8_lossy(&code).into_owned()),
        },
        "distance_km": travel.distance_km.round(),
        "elapsed_seconds": elapsed_seconds,
        "speed_kmh": travel.speed_kmh.round(),
        "max_speed_kmh": config.max_speed_kmh,
        "min_distance_km": config.min_distance_km,
    });

    hit.related = vec![previous.event_id.to_text()];
    hit.first_seen = Some(previous.time);
    hit.repeat_key = format!("{from_country}>{to_country}");
    ctx.emit(state, hit);
}
