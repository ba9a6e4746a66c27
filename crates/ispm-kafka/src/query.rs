//! Identity queries from the HTTP endpoint to the stateful stage, which
//! answers them from the engines of the partitions this instance holds.
//!
//! Queries travel on their own bounded channel, so the processing task
//! answers them between batches and a query never delays an offset commit.

use ispm_model::{IdentityId, IdentityPosture, InventoryRecord, RotationImpact};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

/// Queries waiting for the processing task; more are rejected as busy.
pub(crate) const QUERY_CHANNEL_CAPACITY: usize = 64;

/// A request of the HTTP endpoint about one identity.
#[derive(Debug)]
pub(crate) struct Query {
    pub identity: IdentityId,
    /// When set, the rotation impact of this credential is computed too.
    pub credential: Option<String>,
    /// Days of history the rotation impact covers.
    pub days: u32,
    pub reply: oneshot::Sender<QueryAnswer>,
}

/// The stateful stage's response to a query.
#[derive(Debug, Serialize)]
pub(crate) enum QueryAnswer {
    /// The identity is in an engine of this instance.
    Found(Box<IdentityView>),
    /// No engine of this instance contains the identity: another instance owns
    /// its partition, or no event or snapshot has named it yet.
    NotHere,
}

/// An identity's inventory record and risk, and the rotation impact of one
/// of its credentials when asked.
#[derive(Debug, Serialize)]
pub(crate) struct IdentityView {
    pub inventory: InventoryRecord,
    pub posture: Option<IdentityPosture>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_impact: Option<RotationImpact>,
}

/// The HTTP side of the query channel.
#[derive(Clone, Debug)]
pub struct QueryClient {
    sender: mpsc::Sender<Query>,
}

/// Why a query got no response.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// The processing task has stopped or is shutting down.
    Stopped,
    /// Too many queries are waiting.
    Busy,
}

impl QueryClient {
    pub(crate) fn channel() -> (QueryClient, mpsc::Receiver<Query>) {
        let (sender, receiver) = mpsc::channel(QUERY_CHANNEL_CAPACITY);
        (QueryClient { sender }, receiver)
    }

    pub(crate) async fn ask(
        &self,
        identity: IdentityId,
        credential: Option<String>,
        days: u32,
    ) -> Result<QueryAnswer, QueryError> {
        let (reply, answer) = oneshot::channel();
        let query = Query {
            identity,
            credential,
            days,
            reply,
        };
        self.sender.try_send(query).map_err(|error| match error {
            mpsc::error::TrySendError::Full(_) => QueryError::Busy,
            mpsc::error::TrySendError::Closed(_) => QueryError::Stopped,
        })?;
        answer.await.map_err(|_| QueryError::Stopped)
    }
}
