//! The end-to-end suite: the real application over HTTP, on SQLite and PostgreSQL.
//! One test binary keeps link time down.

mod fixtures;
mod matchmaking;
mod matrix;
mod oidc;
mod procurements;
mod records;
mod search;
mod service;
mod validation;
