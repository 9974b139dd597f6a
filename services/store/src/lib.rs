//! Persistence for Samverkan: sea-orm entities, migrations and tenant-scoped repositories.
//!
//! This is the only crate that touches SQL. Entities are private; callers use the
//! repositories, which take the caller and apply the tenant scope themselves, so a query
//! that forgets the scope cannot be written from outside.

mod audit;
mod entity;
mod error;
pub mod migration;
pub mod outbox;
mod page;
pub mod repo;
mod scope;
mod stats;

pub use audit::{AuditEvent, AuditFilter};
pub use error::StoreError;
pub use page::{MAX_PAGE_SIZE, Page, PageRequest};
pub use scope::ReadScope;
pub use stats::RecordCounts;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

/// A handle on the database; cheap to clone, shared by all requests.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    signal: outbox::Signal,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`) with a pool of at
    /// most `max_connections`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(url.to_string());
        options
            .max_connections(max_connections)
            .sqlx_logging(false)
            // WAL lets readers proceed while a writer commits; sqlx already turns foreign
            // keys on and waits up to five seconds for a busy database.
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            });
        let db = Database::connect(options).await?;
        Ok(Self {
            db,
            signal: outbox::Signal::default(),
            generation: Default::default(),
        })
    }

    /// Applies pending migrations; safe to run at every start.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// A number that changes after every write this process commits: read caches tag
    /// entries with it and drop those tagged with an older one.
    pub fn write_generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn bump_generation(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Checks the database answers, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// The connection, for the repositories in this crate.
    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// The current time at microsecond precision: what PostgreSQL keeps, so a record returned
/// by a write equals the same record read back later, on every backend.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// Today's date in Sweden (Europe/Stockholm): the day users mean when they speak of
/// deadlines, adoption dates and contract ends. UTC would still say yesterday for the
/// first one or two hours of every Swedish day.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
}
