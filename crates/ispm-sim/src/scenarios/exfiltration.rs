//! The slow exfiltration scenario: a service user's key, on its usual host
//! and with its usual calls, kept busy at about one call a minute for a
//! whole day. No hour is busy and nothing about the calls is new: only
//! the day's total is far above the key's usual day.

use super::steps::{EXFILTRATION_DETECTORS, gap, identity_outline, spec};
use super::{Outline, Planner};
use crate::api::Api;
use crate::clock::MS_PER_DAY;
use crate::population::{IdentityType, Traits};
use crate::record::{Outcome, Source};
use crate::traffic;

/// Seconds between two calls, drawn from this range: about 1,440 calls over
/// the day, below the hourly spike's 200 calls in any hour.
const GAP_SECONDS: (i64, i64) = (50, 70);

pub(super) fn slow_exfiltration(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let user = planner.take(IdentityType::ServiceUser, |_| true)?;
    let context = planner.context;
    let identity = context.identity(user);
    let day = planner.spread_day(instance, count);
    let principal = traffic::service_user_principal(&context, user, true);
    let apis: Vec<Api> = match &identity.traits {
        Traits::ServiceUser(traits) if !traits.apis.as_slice().is_empty() => {
            traits.apis.as_slice().to_vec()
        }
        _ => vec![Api::S3GetObject],
    };
    let scope = context.scope(user, 0);
    let address = traffic::service_user_address(&context, user, 0);
    let day_start = context.day_start(day);
    let day_end = day_start + MS_PER_DAY;

    let mut time = day_start + gap(planner, 1, 60);
    let mut calls = 0;
    for api in apis.iter().copied().cycle() {
        if time >= day_end {
            break;
        }
        let event = spec(
            time,
            &scope,
            identity.region,
            api,
            &principal,
            Source::Address(address),
            &traffic::service_user_agent(&context, user, day, api),
            Outcome::Success,
        );
        planner.push(label, event);
        calls += 1;
        time += gap(planner, GAP_SECONDS.0, GAP_SECONDS.1);
    }
    Some(identity_outline(
        &context,
        user,
        EXFILTRATION_DETECTORS,
        format!(
            "Access key {} of service user {} made {calls} of its usual calls on day {day}, about one a minute around the clock, from its usual host and user agent.",
            traffic::service_user_key(&context, user),
            identity.name,
        ),
    ))
}
