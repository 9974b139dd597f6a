//! Entity tags: the stored version of a record, so concurrent edits never silently
//! overwrite each other (`If-Match` with a stale tag gets 412).

use crate::problem::{ApiError, Problem};
use poem::http::StatusCode;
use poem_openapi::payload::Json;

/// The ETag of a record at `version`.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` header names; updates must send one.
pub fn required(if_match: Option<&str>) -> Result<i32, ApiError> {
    match if_match {
        None => Err(ApiError::PreconditionRequired(Json(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "send If-Match with the ETag from your last read, so you do not overwrite someone else's change",
        )))),
        Some(value) => parse(value),
    }
}

/// The version an optional `If-Match` header names (deletes may omit it).
pub fn optional(if_match: Option<&str>) -> Result<Option<i32>, ApiError> {
    if_match.map(parse).transpose()
}

fn parse(value: &str) -> Result<i32, ApiError> {
    let tag = value.trim().trim_start_matches("W/");
    tag.strip_prefix("\"v")
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            ApiError::field(
                "If-Match",
                "must be an ETag this API issued, such as \"v3\"",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_tags() {
        assert_eq!(required(Some(&etag(7))).unwrap(), 7);
        assert_eq!(required(Some("W/\"v2\"")).unwrap(), 2);
        assert!(required(Some("\"abc\"")).is_err());
        assert!(required(None).is_err());
        assert_eq!(optional(None).unwrap(), None);
    }
}
