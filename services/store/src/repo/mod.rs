//! Repositories: every read takes the caller and applies its [`ReadScope`]; every write
//! checks the caller may write for the owning organisation, checks the version the
//! caller last saw, and records an audit event in the same transaction.
//!
//! [`ReadScope`]: crate::ReadScope

pub mod embeddings;
pub mod needs;
pub mod organisations;
pub mod procurements;
pub mod solutions;
pub mod strategies;

use samverkan_domain::vocab::Visibility;
use samverkan_domain::{Caller, OrgId};

use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use crate::outbox::{self, EntityKind};
use crate::{Store, StoreError};

impl Store {
    /// Commits a write together with its search-outbox entry, then wakes the indexer.
    pub(crate) async fn commit_change(
        &self,
        txn: DatabaseTransaction,
        kind: EntityKind,
        id: Uuid,
    ) -> Result<(), StoreError> {
        outbox::enqueue(&txn, kind, id).await?;
        txn.commit().await?;
        // After the commit: a read racing it then caches under the old generation.
        self.bump_generation();
        self.notify_outbox();
        Ok(())
    }

    /// Commits a write of records the search index does not hold (procurements).
    pub(crate) async fn commit_unindexed(
        &self,
        txn: DatabaseTransaction,
    ) -> Result<(), StoreError> {
        txn.commit().await?;
        self.bump_generation();
        Ok(())
    }
}

/// Decides, for an existing record, whether the caller may change it: a record the caller
/// may not even read is reported as missing (its existence is not revealed), a readable
/// one that is not theirs as forbidden.
pub(crate) fn authorise_write(
    caller: &Caller,
    owner: &OrgId,
    visibility: Visibility,
) -> Result<(), StoreError> {
    if !caller.can_read(owner, visibility) {
        return Err(StoreError::NotFound);
    }
    if !caller.can_write_for(owner) {
        return Err(StoreError::Forbidden(format!(
            "only strategists of organisation {owner} may change this record"
        )));
    }
    Ok(())
}

/// The organisation a new record will belong to: the caller's own, if they may write.
pub(crate) fn writing_org(caller: &Caller) -> Result<OrgId, StoreError> {
    caller.writing_org().cloned().ok_or_else(|| {
        StoreError::Forbidden(
            "creating records needs the strategist role in an organisation".into(),
        )
    })
}

/// Compares the version a caller based a change on with the stored one.
pub(crate) fn check_version(expected: Option<i32>, current: i32) -> Result<(), StoreError> {
    match expected {
        Some(expected) if expected != current => Err(StoreError::VersionMismatch {
            expected,
            current: Some(current),
        }),
        _ => Ok(()),
    }
}

/// Checks that a version-guarded UPDATE or DELETE matched its row; none matched means
/// someone else changed the record after the caller read it (a lost race).
pub(crate) fn matched(rows_affected: u64, expected: i32) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::VersionMismatch {
            expected,
            current: None,
        })
    } else {
        Ok(())
    }
}

/// Parses a JSON array of strings stored in a text column.
pub(crate) fn tags_from(raw: &str) -> Result<Vec<String>, StoreError> {
    Ok(serde_json::from_str(raw)?)
}

/// Parses an organisation id read from the database.
pub(crate) fn org_from(raw: &str) -> Result<OrgId, StoreError> {
    OrgId::parse(raw).map_err(|_| StoreError::Corrupt(format!("organisation id {raw:?}")))
}
