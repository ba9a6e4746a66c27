//! The impossible-travel scenario: a person's console session, stolen
//! while they work at home, used within the hour from a city thousands of
//! kilometres away.

use rand::Rng;

use super::steps::{IMPOSSIBLE_TRAVEL_DETECTORS, gap, identity_outline, spec};
use super::{Outline, Planner};
use crate::api::Api;
use crate::clock::MS_PER_MINUTE;
use crate::geo::{self, CityId};
use crate::names;
use crate::population::{IdentityType, Traits};
use crate::random::pick;
use crate::record::{Outcome, Principal, Source};
use crate::traffic;

/// Shortest distance from the victim's home to the attacker's city. At
/// 5000 km the attacker's calls within an hour of the victim's sign-in
/// imply 5000 km/h or more, far past any journey.
const MIN_DISTANCE_KM: f64 = 5000.0;

/// Days after the drawn one that are tried for a working day at home.
const DAYS_TRIED: u32 = 14;

/// Days of history the person has before the attack: the travel detector
/// learns an identity's places for 14 days by default and reports nothing
/// before.
const HISTORY_DAYS: u32 = 15;

pub(super) fn impossible_travel(
    planner: &mut Planner<'_>,
    label: u32,
    instance: usize,
    count: usize,
) -> Option<Outline> {
    let context = planner.context;
    // A new hire could still be learning on the day, and the travel
    // detector reports nothing then.
    let person = planner.take(IdentityType::Person, |index| {
        matches!(&context.identity(index).traits, Traits::Person(traits) if !traits.new_hire)
    })?;
    let Traits::Person(traits) = &context.identity(person).traits else {
        return None;
    };
    let home = traits.home;
    let first = planner.spread_day(instance, count);
    let (window_start, window_end) = planner.window;
    let (day, workday) = (0..DAYS_TRIED).find_map(|offset| {
        let day = window_start + (first - window_start + offset) % (window_end - window_start);
        if day < HISTORY_DAYS {
            return None;
        }
        traffic::person_workday(&context, person, day).map(|workday| (day, workday))
    })?;
    let far: Vec<CityId> = geo::ATTACKER_CITIES
        .into_iter()
        .filter(|city| home.distance_km(*city) >= MIN_DISTANCE_KM)
        .collect();
    let city = *pick(&mut planner.rng, &far);
    let address = city.address(planner.rng.random());
    let browser = traffic::person_browser(&context, person, day);

    let account = &context.org.accounts[usize::from(workday.account)];
    let mut scope = context.scope(person, 0);
    scope.account = account.id.clone();
    scope.alias = account.alias.clone();
    scope.environment = account.environment;
    scope.stem = *pick(&mut planner.rng, &names::STEMS);
    scope.own_name = workday.session.role_name.clone();
    let principal = Principal::AssumedRole(workday.session);
    let region = home.city().region;

    let delay_ms = planner
        .rng
        .random_range(10 * MS_PER_MINUTE..50 * MS_PER_MINUTE);
    let mut time = workday.login_ms + delay_ms;
    let steps = [
        Api::S3ListBuckets,
        Api::SecretsListSecrets,
        Api::S3GetObject,
        Api::S3GetObject,
        Api::S3GetObject,
    ];
    for (step, api) in steps.into_iter().enumerate() {
        scope.variant = step as u32;
        let mut event = spec(
            time,
            &scope,
            region,
            api,
            &principal,
            Source::Address(address),
            &browser,
            Outcome::Success,
        );
        event.from_console = true;
        planner.push(label, event);
        time += gap(planner, 5, 90);
    }
    let identity = context.identity(person);
    let (home_city, far_city) = (home.city(), city.city());
    Some(identity_outline(
        &context,
        person,
        IMPOSSIBLE_TRAVEL_DETECTORS,
        format!(
            "Console session of {}, who signed in at home in {} ({}), used {} minutes later from {address} in {} ({}), {:.0} km away: bucket and secret listing, then object reads.",
            identity.name,
            home_city.name,
            home_city.country,
            delay_ms / MS_PER_MINUTE,
            far_city.name,
            far_city.country,
            home.distance_km(city)
        ),
    ))
}
