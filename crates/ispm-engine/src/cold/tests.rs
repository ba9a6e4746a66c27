//! Round trips of real identity states through the cold form, and the
//! sweep that decides which identities go cold.

use std::path::{Path, PathBuf};
use std::time::Duration;

use arcstr::ArcStr;
use ispm_model::{EventTime, IdentityEvent, IdentityId};
use ispm_sources::{CloudTrailDecoder, DecoderConfig, Item, read_input};

use super::CodecScope;
use crate::state::IdentityState;
use crate::{Engine, EngineConfig};

fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail");
    assert!(
        dir.is_dir(),
        "CloudTrail test data not found at {}: these tests read shared/data/cloudtrail next to the checkout",
        dir.display()
    );
    dir
}

/// Returns the events of the Stratus Red Team detonations, the Invictus
/// simulation and a small simulated organisation, in event-time order.
fn real_and_simulated_events() -> Vec<IdentityEvent> {
    let data = data_dir();
    let mut paths = vec![data.join("invictus-stratus-simulation")];
    let stratus = data.join("stratus-red-team-detonations/docs/detonation-logs");
    let mut techniques: Vec<PathBuf> = std::fs::read_dir(&stratus)
        .expect("the Stratus detonation folder is readable")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    techniques.sort();
    paths.extend(techniques);

    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut events = Vec::new();
    for path in &paths {
        for input in read_inputs(path) {
            let origin = input.0.display().to_string();
            decoder.decode_document(&origin, &input.1, &mut |item| {
                if let Item::Event(event) = item {
                    events.push(event);
                }
            });
        }
    }

    let simulator = ispm_sim::Simulator::new(ispm_sim::SimConfig {
        seed: 11,
        identities: 120,
        days: 20,
        ..ispm_sim::SimConfig::default()
    });
    for record in simulator.records() {
        if let Ok(event) = decoder.decode_record(record.json.as_bytes()) {
            events.push(event);
        }
    }

    events.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    events
}

/// Returns the bytes of every file under `path`, or of `path` itself.
fn read_inputs(path: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("data folder is readable")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        entries.sort();
        return entries
            .iter()
            .flat_map(|entry| read_inputs(entry))
            .collect();
    }
    let input = read_input(path);
    match input.error {
        None => vec![(path.to_owned(), input.bytes)],
        Some(_) => Vec::new(),
    }
}

/// Runs the events and facts through an engine, flushing its policies
/// every 500 events, and returns every output as text lines: records as
/// JSON, findings and summaries as their `Debug` text.
fn replay(engine: &mut Engine, events: &[IdentityEvent]) -> Vec<String> {
    let mut findings = Vec::new();
    let mut output = Vec::new();
    for (index, event) in events.iter().enumerate() {
        engine.process(event, &mut findings);
        for fact in &event.targets {
            engine.apply_fact(fact, event, &mut findings);
        }
        if index % 500 == 499 {
            flush_into(engine, event.time, &mut output);
        }
    }
    let last = events
        .last()
        .map_or(EventTime::from_millis(0), |event| event.time);
    flush_into(engine, last, &mut output);
    output.extend(findings.iter().map(|finding| format!("{finding:?}")));
    for summary in engine.identities() {
        output.push(format!("{summary:?}"));
        output.extend(engine.inventory(&summary.id).as_ref().map(json));
        output.extend(
            engine
                .identity_posture(&summary.id, last)
                .as_ref()
                .map(json),
        );
    }
    output
}

fn flush_into(engine: &mut Engine, now: EventTime, output: &mut Vec<String>) {
    let flushed = engine.flush(now);
    output.extend(flushed.inventory.iter().map(json));
    output.extend(
        flushed
            .findings
            .iter()
            .map(|finding| format!("{finding:?}")),
    );
    output.extend(flushed.postures.iter().map(json));
    output.extend(flushed.summaries.iter().map(json));
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| format!("not JSON: {error}"))
}

fn engine_compacting_after(compact_after: Duration) -> Engine {
    let mut config = EngineConfig::default();
    config.state.compact_after = compact_after;
    Engine::new(config)
}

fn round_trip(engine: &Engine, state: &IdentityState) -> IdentityState {
    let scope = CodecScope::enter(&engine.interner);
    let cold = scope
        .encode(state, &mut Vec::new())
        .unwrap_or_else(|error| panic!("{} failed to encode: {error}", state.id));
    assert_eq!(cold.id(), Some(state.id.as_str()));
    scope
        .decode(&cold)
        .unwrap_or_else(|error| panic!("{} failed to decode: {error}", state.id))
}

#[test]
fn replayed_states_survive_round_trip() {
    let events = real_and_simulated_events();
    let mut engine = engine_compacting_after(Duration::ZERO);
    replay(&mut engine, &events);
    assert!(engine.identities.len() > 100, "{}", engine.identities.len());

    let mut parts = [0usize; 6];
    for state in engine.identities.values(&engine.interner) {
        let decoded = round_trip(&engine, &state);
        assert_eq!(format!("{decoded:?}"), format!("{state:?}"));
        parts[0] += usize::from(state.history().is_some());
        parts[1] += usize::from(state.enumeration.len() + state.denied.len() > 0);
        parts[2] += usize::from(state.fired.iter().next().is_some());
        parts[3] += usize::from(!state.policy.open().is_empty());
        parts[4] += usize::from(state.credentials.iter().any(|key| key.details().is_some()));
        parts[5] += usize::from(!state.policy.anomalies().is_empty());
    }
    // The inputs set every optional part of some state, so the round trips
    // above cover them.
    assert!(parts.iter().all(|count| *count > 0), "{parts:?}");
}

#[test]
fn fully_set_state_survives_round_trip() {
    let mut engine = engine_compacting_after(Duration::ZERO);
    let events = real_and_simulated_events();
    replay(&mut engine, &events[..2000]);
    let id = events[0].actor.id.clone();
    let interner = &engine.interner;
    let state = engine
        .identities
        .get_mut(&id, interner)
        .expect("the first actor is in state");
    let time = EventTime::from_millis(1_700_000_000_123);
    // More than eight entries, so the window counts its keys in a map.
    for key in 0..12u64 {
        state.secrets.push(time, key % 5, "not-a-uuid", 60_000, 100);
    }
    state.last_location = Some(Box::new(crate::detectors::travel::LastLocation::sample(
        time,
    )));
    let details = state.posture.details_mut();
    details.owner = Some("team-data".to_owned());
    details.tags.insert("team".to_owned(), "data".to_owned());
    state.posture.add_source("credential_report");
    state.history_mut().relearning_since = Some((time, 7));
    state.history_mut().web_identity_providers = vec![1, u64::MAX];
    state.policy.due = time;

    let state = engine
        .identities
        .get(&id, &engine.interner)
        .expect("the first actor is in state");
    let decoded = round_trip(&engine, &state);
    assert_eq!(format!("{decoded:?}"), format!("{state:?}"));
    assert_eq!(decoded.secrets.distinct_keys(), 5);
}

#[test]
fn constant_compaction_keeps_output_identical() {
    let events = real_and_simulated_events();
    let mut hot = engine_compacting_after(Duration::ZERO);
    let mut cold = engine_compacting_after(Duration::from_millis(1));
    let hot_output = replay(&mut hot, &events);
    let cold_output = replay(&mut cold, &events);
    assert_eq!(hot.stats().compactions, 0);
    assert!(cold.stats().compactions > 1000, "{:?}", cold.stats());
    assert!(cold.stats().thaws > 1000, "{:?}", cold.stats());
    assert_eq!(cold.stats().compaction_failures, 0);
    assert_eq!(hot_output.len(), cold_output.len());
    for (line, (hot, cold)) in hot_output.iter().zip(&cold_output).enumerate() {
        assert_eq!(hot, cold, "output line {line} differs");
    }
}

/// Returns an event of `name` at `minutes` after a fixed time, from a
/// real CloudTrail event.
fn event_of(name: &str, minutes: i64) -> IdentityEvent {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let path = data_dir()
        .join("stratus-red-team-detonations/docs/detonation-logs/aws.credential-access.secretsmanager-retrieve-secrets.json");
    let (_, bytes) = read_inputs(&path)
        .pop()
        .expect("the Stratus secret retrieval log is readable");
    let mut events = Vec::new();
    decoder.decode_document("template", &bytes, &mut |item| {
        if let Item::Event(event) = item {
            events.push(event);
        }
    });
    let mut event = events
        .into_iter()
        .find(|event| event.origin.user_agent.is_some())
        .expect("the log has an event with a user agent");
    event.actor.id = IdentityId::new(format!("aws:111122223333:user/{name}"));
    event.actor.name = name.into();
    event.time = EventTime::from_millis(1_700_000_000_000 + minutes * 60_000);
    event.event_id = format!("{name}-{minutes}").into();
    event.targets.clear();
    event
}

#[test]
fn sweep_compacts_only_identities_idle_past_setting() {
    let mut engine = engine_compacting_after(Duration::from_secs(3600));
    let mut findings = Vec::new();
    let alice = event_of("alice", 0);
    let bob = event_of("bob", 30);
    let carol = event_of("carol", 70);
    engine.process(&alice, &mut findings);
    engine.process(&bob, &mut findings);
    assert_eq!(engine.stats().compactions, 0);

    // 70 minutes: alice was idle for 70, bob for 40.
    engine.process(&carol, &mut findings);
    assert_eq!(engine.stats().compactions, 1);
    assert!(engine.identities.is_cold(&alice.actor.id));
    assert!(!engine.identities.is_cold(&bob.actor.id));
    assert!(!engine.identities.is_cold(&carol.actor.id));
    assert_eq!(engine.compact_identity_sizes().0, 1);

    // Reading alice leaves her cold; her next event thaws her.
    assert!(engine.inventory(&alice.actor.id).is_some());
    assert!(engine.identities.is_cold(&alice.actor.id));
    let later = event_of("alice", 75);
    engine.process(&later, &mut findings);
    assert!(!engine.identities.is_cold(&alice.actor.id));
    assert_eq!(engine.stats().thaws, 1);
}

#[test]
fn sweep_is_off_when_setting_is_zero() {
    let mut engine = engine_compacting_after(Duration::ZERO);
    let mut findings = Vec::new();
    for (name, minutes) in [("alice", 0), ("bob", 600), ("carol", 6000)] {
        engine.process(&event_of(name, minutes), &mut findings);
    }
    assert_eq!(engine.stats().compactions, 0);
    assert_eq!(engine.compact_identity_sizes(), (0, 0));
}

#[test]
fn thawed_identity_shares_texts_with_interner() {
    let mut engine = engine_compacting_after(Duration::from_secs(60));
    let mut findings = Vec::new();
    let alice = event_of("alice", 0);
    engine.process(&alice, &mut findings);
    engine.process(&event_of("bob", 10), &mut findings);
    assert!(engine.identities.is_cold(&alice.actor.id));

    let interner = &engine.interner;
    let state = engine
        .identities
        .get_mut(&alice.actor.id, interner)
        .expect("alice is in state");
    let shared = interner.shared();
    let is_shared = |text: &ArcStr| {
        shared
            .index_of(text)
            .and_then(|index| shared.text_at(index))
            .is_some_and(|copy| ArcStr::ptr_eq(copy, text))
    };
    assert!(is_shared(&state.kind_reason));
    assert!(state.account.as_ref().is_some_and(is_shared));
    let agent = alice
        .origin
        .user_agent
        .as_deref()
        .expect("the event has a user agent");
    let values = state.consumers.values();
    let agent_value = values
        .iter()
        .find(|value| value.as_str() == agent)
        .expect("the user agent is a consumer");
    assert!(is_shared(agent_value));
    assert!(
        values.iter().filter(|value| is_shared(value)).count() >= 3,
        "{values:?}"
    );
}

/// Returns the number of bytes postcard writes for `value` in the current
/// codec scope.
fn encoded_len(value: &impl serde::Serialize) -> usize {
    postcard::to_allocvec(value).map_or(0, |bytes| bytes.len())
}

/// The identity of the memory benchmark: the first event of an IAM user
/// with an access key in the Invictus data, with the user and key renamed.
/// Prints where the bytes of its cold form go, for BENCHMARKS.md
/// (`cargo test -p ispm-engine cold_form_of_benchmark -- --nocapture`).
#[test]
fn cold_form_of_benchmark_identity() {
    use serde_with::ser::SerializeAsWrap;

    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut events = Vec::new();
    for (path, bytes) in read_inputs(&data_dir().join("invictus-stratus-simulation")) {
        decoder.decode_document(&path.display().to_string(), &bytes, &mut |item| {
            if let Item::Event(event) = item {
                events.push(event);
            }
        });
    }
    let mut event = events
        .into_iter()
        .find(|event| {
            event.actor.principal_type == "IAMUser" && event.actor.access_key_id.is_some()
        })
        .expect("the Invictus data has an IAM user event with an access key");
    event.actor.id = IdentityId::new("aws:111122223333:user/user-00000001");
    event.actor.arn = Some("arn:aws:iam::111122223333:user/user-00000001".into());
    event.actor.account = Some("111122223333".into());
    event.account = Some("111122223333".into());
    event.actor.name = "user-00000001".into();
    event.actor.access_key_id = Some("AKIA0000000000000001".into());
    event.event_id = "event-1".into();

    let mut engine = engine_compacting_after(Duration::ZERO);
    engine.process(&event, &mut Vec::new());
    let state = engine
        .identities
        .get(&event.actor.id, &engine.interner)
        .expect("the user is in state");
    let scope = CodecScope::enter(&engine.interner);
    let cold = scope
        .encode(&state, &mut Vec::new())
        .expect("state encodes");
    scope.set_base(state.last_seen.expect("the user has an event"));

    let times = [state.first_seen, state.last_seen];
    let parts = [
        ("id", encoded_len(&state.id)),
        ("arn", encoded_len(&state.arn_as_kept())),
        (
            "kind reason and account (shared)",
            encoded_len(&SerializeAsWrap::<_, super::SharedText>::new(
                &state.kind_reason,
            )) + encoded_len(&SerializeAsWrap::<_, Option<super::SharedText>>::new(
                &state.account,
            )),
        ),
        (
            "first and last seen",
            encoded_len(&SerializeAsWrap::<_, [Option<super::ColdTime>; 2]>::new(
                &times,
            )),
        ),
        ("credentials", encoded_len(&state.credentials)),
        ("consumers", encoded_len(&state.consumers)),
        ("first-seen values", encoded_len(&state.seen)),
        (
            "windows",
            encoded_len(&state.denied)
                + encoded_len(&state.enumeration)
                + encoded_len(&state.secrets),
        ),
        ("activity profile", encoded_len(&state.activity)),
        (
            "hash caches",
            encoded_len(&state.last_user_agent)
                + encoded_len(&SerializeAsWrap::<_, super::SparseHash>::new(
                    &state.user_agent_family,
                ))
                + encoded_len(&state.role_without_admin),
        ),
        (
            "posture and policy",
            encoded_len(&state.posture) + encoded_len(&state.policy),
        ),
    ];
    let listed: usize = parts.iter().map(|(_, len)| len).sum();
    eprintln!("cold form: {} bytes", cold.len());
    for (part, len) in parts {
        eprintln!("  {part}: {len}");
    }
    eprintln!(
        "  the rest (base time, flags, counts, empty parts): {}",
        cold.len() - listed
    );

    assert!(listed < cold.len());
    // With the 16-byte header of its allocation, mimalloc serves the cold
    // form from its 320-byte size class.
    assert!(cold.len() + 16 <= 320, "{} bytes", cold.len());
}
