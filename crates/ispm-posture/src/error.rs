//! Errors in the policy and scoring settings. Each one is the user's to fix
//! in the configuration; none goes away on a retry.

use thiserror::Error;

/// One invalid entry of a [`crate::PolicyConfig`].
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PolicyConfigError {
    #[error("{key} = {value} is out of range: expected {min} to {max}")]
    ThresholdOutOfRange {
        key: &'static str,
        value: u32,
        min: u32,
        max: u32,
    },
    #[error("overrides.{id}: no policy has that id; known ids: {known}")]
    UnknownOverride { id: String, known: String },
    #[error(
        "custom[{index}].id {id:?} is invalid: use lowercase letters, digits and `_`, \
         starting with a letter, at most 64 characters"
    )]
    InvalidCustomId { index: usize, id: String },
    #[error("custom[{index}].id {id:?} is the id of a built-in policy; choose another id")]
    CustomIdClashesWithBuiltin { index: usize, id: String },
    #[error("custom[{index}].id {id:?} is already used by custom[{first}]")]
    DuplicateCustomId {
        index: usize,
        id: String,
        first: usize,
    },
    #[error("custom[{index}] ({id}): title is empty")]
    EmptyTitle { index: usize, id: String },
    #[error(
        "custom[{index}] ({id}): control {control:?} is invalid: expected FRAMEWORK:CONTROL, \
         e.g. \"SOC 2:CC6.1\""
    )]
    InvalidControl {
        index: usize,
        id: String,
        control: String,
    },
    #[error(
        "custom[{index}] ({id}): condition is invalid at line {line}, column {column}: {message}"
    )]
    InvalidCondition {
        index: usize,
        id: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// One invalid entry of a [`crate::ScoringConfig`].
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ScoringConfigError {
    #[error("{key} = {value} is out of range: expected {min} to {max}")]
    OutOfRange {
        key: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
}
