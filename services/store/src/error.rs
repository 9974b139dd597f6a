//! The store's error type: what went wrong, in terms the API maps to HTTP once.

use samverkan_domain::ValidationErrors;

/// Why a repository call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record, or one the caller may not know exists.
    #[error("not found")]
    NotFound,
    /// The caller may read the record but not change it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The caller's `If-Match` version is stale: someone else changed the record.
    #[error("record changed since version {expected}")]
    VersionMismatch {
        /// The version the caller based the change on.
        expected: i32,
        /// The version now stored, when known (a lost race only tells that it moved on).
        current: Option<i32>,
    },
    /// Input that is well-formed but refers to something invalid (e.g. an unknown goal).
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// The change conflicts with existing data (e.g. a duplicate adoption).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A procurement stage change the state machine does not allow.
    #[error(transparent)]
    Transition(#[from] samverkan_domain::procurement::TransitionError),
    /// The database failed; details are logged, never sent to clients.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Stored data could not be read back (a bug or a manual edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl From<sea_orm::TransactionError<StoreError>> for StoreError {
    fn from(err: sea_orm::TransactionError<StoreError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => StoreError::Database(e),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}

/// Converts a stored vocabulary code back into its enum, flagging corruption.
pub(crate) fn decode<T>(
    parse: fn(&str) -> Result<T, ValidationErrors>,
    raw: &str,
) -> Result<T, StoreError> {
    parse(raw).map_err(|_| StoreError::Corrupt(format!("unknown stored code {raw:?}")))
}
