//! Samverkan's domain: the registry's vocabulary and rules as plain Rust, with no I/O.
//!
//! Everything that enters the system from outside is parsed here into types that can only
//! hold valid values ("parse, don't validate"), so the store and the API can trust them.

pub mod caller;
pub mod contact;
pub mod error;
pub mod evaluation;
pub mod ids;
pub mod licence;
pub mod money;
pub mod need;
pub mod procurement;
pub mod solution;
pub mod strategy;
pub mod text;
pub mod vocab;

pub use caller::{Caller, Role};
pub use error::{FieldError, ValidationErrors};
pub use ids::{OrgId, OrgNumber, ScbCode};
pub use money::Sek;
