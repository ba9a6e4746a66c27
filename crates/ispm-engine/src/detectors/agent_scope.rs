//! AI agents reaching a service outside the scope they learned. An agent's
//! tools call a fixed set of services; a new one is either a new tool or
//! the agent being steered (prompt injection, a hijacked session).

use ispm_model::{Confidence, FindingCategory, IdentityKind, Severity};
use serde_json::json;

use super::{Context, Hit, bit};
use crate::attack;
use crate::consumers::ConsumerAttribute;
use crate::state::IdentityState;

pub const ID: &str = "ai_agent_scope_drift";

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    if state.kind != IdentityKind::AiAgent || !ctx.is_learned(state, const { bit(ID) }) {
        return;
    }
    // Usage of this event is recorded after the detectors run, so a known
    // service is one an earlier event used.
    if state
        .consumers
        .contains(ConsumerAttribute::Service, ctx.hashes.service)
    {
        return;
    }
    let event = ctx.event;
    let service = event.service.trim_end_matches(".amazonaws.com");
    let mut hit = Hit::new(ID, "new_service", FindingCategory::Anomaly);
    hit.title = format!("AI agent {} reached a new service: {service}", state.name());
    hit.description = format!(
        "{} called {} on {service}, a service it never used during {} events of history. An \
         agent's tools call a fixed set of services; a new one is a new tool or a steered agent.",
        state.name(),
        event.action,
        state.event_count
    );
    hit.severity = Severity::Medium;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[attack::CLOUD_SERVICE_DISCOVERY];
    hit.remediation = "Check with the agent's owner whether a tool was added. If not, review the \
                       agent's recent prompts and sessions, and narrow its role to the services \
                       its tools need.";
    hit.data = json!({ "service": event.service, "action": event.action });
    hit.repeat_key = service.to_owned();
    ctx.emit(state, hit);
}
