//! The order in which the engine takes events.

use std::cmp::Ordering;

use crate::IdentityEvent;

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
/// An event is several hundred bytes, so this orders references and leaves
/// the events where they are: sorting the events themselves moved each one
/// about log2(n) times.
pub fn sorted_by_event_time(events: &[IdentityEvent]) -> Vec<&IdentityEvent> {
    let mut sorted: Vec<&IdentityEvent> = events.iter().collect();
    sorted.sort_by(|a, b| compare_event_time(a, b));
    sorted
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
}
