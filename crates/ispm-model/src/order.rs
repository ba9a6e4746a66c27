//! The order in which the engine takes events.

use std::cmp::Ordering;

use crate::{EventTime, IdentityEvent};

/// Compares two events by event time, then by event id.
pub fn compare_event_time(a: &IdentityEvent, b: &IdentityEvent) -> Ordering {
    a.time
        .cmp(&b.time)
        .then_with(|| a.event_id.cmp(&b.event_id))
}

/// Returns the events ordered by event time, then event id, with exact
/// duplicates in input order. CloudTrail files overlap in time and arrive
/// out of order, but the engine expects each identity's events in
/// event-time order, and the event id breaks ties so that every run feeds
/// the engine the same sequence.
///
/// An event is several hundred bytes and its id is on the heap, so this
/// sorts small keys read from each event once, in input order: the time
/// and the first eight bytes of the id, with the event's position. Only
/// keys equal in both look at the events again. Sorting references
/// instead read two events and their ids at each comparison, from wherever
/// they lie. Sorting the events themselves moved each one about log2(n)
/// times.
pub fn sorted_by_event_time(events: &[IdentityEvent]) -> Vec<&IdentityEvent> {
    let mut keys: Vec<SortKey> = events
        .iter()
        .enumerate()
        .map(|(position, event)| SortKey {
            time: event.time,
            id_prefix: id_prefix(&event.event_id),
            position,
        })
        .collect();
    // A stable sort keeps exact duplicates in input order, and finds the
    // runs of ordered events that most inputs are made of.
    keys.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then(a.id_prefix.cmp(&b.id_prefix))
            .then_with(|| {
                events[a.position]
                    .event_id
                    .cmp(&events[b.position].event_id)
            })
    });
    keys.iter().map(|key| &events[key.position]).collect()
}

/// The sort key of one event in [`sorted_by_event_time`]. The position
/// finds the event again and is not compared.
struct SortKey {
    time: EventTime,
    id_prefix: u64,
    position: usize,
}

/// Returns the first eight bytes of `id` as a number that orders as the
/// bytes do, with zeros after a shorter id. Two ids with different prefixes
/// order as their prefixes. Ids with equal prefixes must be compared whole.
fn id_prefix(id: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let length = id.len().min(8);
    bytes[..length].copy_from_slice(&id.as_bytes()[..length]);
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, millis: i64, action: &str) -> IdentityEvent {
        let event = serde_json::json!({
            "event_id": id,
            "time": millis,
            "source": "cloudtrail",
            "service": "iam.amazonaws.com",
            "action": action,
            "actor": {
                "id": "aws:111122223333:user/alice",
                "name": "alice",
                "kind": "human",
                "kind_reason": "",
                "principal_type": "IAMUser",
            },
            "origin": {},
        });
        serde_json::from_value(event).expect("a valid event")
    }

    fn order_of<'a>(events: &[&'a IdentityEvent]) -> Vec<(&'a str, &'a str)> {
        events
            .iter()
            .map(|event| (event.event_id.as_str(), event.action.as_str()))
            .collect()
    }

    #[test]
    fn order_is_time_then_id() {
        let events = [
            event("c", 20, "first"),
            event("b", 10, "only"),
            event("a", 20, "only"),
            event("c", 20, "second"),
        ];
        assert_eq!(
            order_of(&sorted_by_event_time(&events)),
            [
                ("b", "only"),
                ("a", "only"),
                ("c", "first"),
                ("c", "second")
            ]
        );
    }

    #[test]
    fn ordered_input_keeps_its_order() {
        let events = [event("a", 1, "x"), event("b", 1, "y"), event("a", 2, "z")];
        assert_eq!(
            order_of(&sorted_by_event_time(&events)),
            [("a", "x"), ("b", "y"), ("a", "z")]
        );
    }

    /// Ids that share their first eight bytes, are prefixes of each other,
    /// hold a zero byte or non-ASCII text: the keyed sort must order them as
    /// a stable sort by time and whole id does.
    #[test]
    fn keyed_sort_orders_as_whole_ids_do() {
        let ids = [
            "",
            "a",
            "a\0",
            "a\0\0",
            "abcdefgh",
            "abcdefgh",
            "abcdefgha",
            "abcdefghb",
            "abcdefg",
            "abcdefgi",
            "b",
            "é",
            "éa",
            "\u{7f}",
            "9f0e7a3c-1111-2222-3333-444455556666",
            "9f0e7a3c-1111-2222-3333-444455556665",
        ];
        let mut events = Vec::new();
        // A fixed pseudo-random walk, so that failures repeat.
        let mut state = 7u64;
        for index in 0..400 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = ids[(state >> 33) as usize % ids.len()];
            let time = ((state >> 50) % 5) as i64;
            events.push(event(id, time, &format!("call-{index}")));
        }
        let mut expected: Vec<&IdentityEvent> = events.iter().collect();
        expected.sort_by(|a, b| compare_event_time(a, b));
        assert_eq!(
            order_of(&sorted_by_event_time(&events)),
            order_of(&expected)
        );
    }
}
