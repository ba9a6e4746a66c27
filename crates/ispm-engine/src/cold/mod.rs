//! The cold tier: identities idle for longer than
//! `engine.state.compact_after` are kept as compact bytes instead of their
//! in-memory state, and decoded back ("thawed") the next time anything
//! reads or changes them.
//!
//! A hot state takes about 1,100 bytes of heap with its lists and boxes, and
//! the cold form about 300 for an identity with one event. The encoding is postcard over the state's
//! derived serde impls, so a field added to the state is encoded without
//! any change here. Shared texts are written as their index in the engine's
//! interner, hashes as 8 fixed bytes and times relative to the identity's
//! last event ([`fields`]).

mod blob;
mod fields;
mod scope;
mod sweep;

#[cfg(test)]
mod tests;

pub(crate) use blob::ColdState;
pub(crate) use fields::{ColdTime, FixedHash, SharedText, SparseHash};
pub(crate) use scope::CodecScope;
