//! Pages of a ranked list that the engine computes whole (matches, groups): the cursor
//! is the position of the next item, tagged with the list it belongs to, so a cursor of
//! one list cannot be replayed against another. A list is recomputed when the
//! matchmaking snapshot changes, so a page taken after a rebuild follows the new order.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::problem::ApiError;

/// Page size when none is asked for.
const DEFAULT_LIMIT: usize = 10;
/// The largest page.
const MAX_LIMIT: u64 = 50;

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// The list: e.g. `matches:<need id>`.
    l: String,
    /// The position of the next item.
    o: usize,
}

/// One page of `items` (best first) for the request's `limit` and `cursor`, and the
/// cursor of the next page when there is one. `list` names the list the cursor belongs
/// to.
pub fn page<T>(
    items: impl IntoIterator<Item = T>,
    list: &str,
    limit: Option<u64>,
    cursor: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit = check_limit(limit)?;
    let offset = match cursor {
        Some(raw) => decode(raw, list)?,
        None => 0,
    };
    let mut page: Vec<T> = items.into_iter().skip(offset).take(limit + 1).collect();
    let next = (page.len() > limit).then(|| {
        page.truncate(limit);
        encode(list, offset + limit)
    });
    Ok((page, next))
}

fn check_limit(limit: Option<u64>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n @ 1..=MAX_LIMIT) => Ok(n as usize),
        Some(n) => Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT} (got {n})"),
        )),
    }
}

fn encode(list: &str, offset: usize) -> String {
    let cursor = Cursor {
        l: list.to_string(),
        o: offset,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

fn decode(raw: &str, list: &str) -> Result<usize, ApiError> {
    let cursor: Cursor = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::field(
                "cursor",
                "is not a cursor this API issued; use next_cursor from the previous page",
            )
        })?;
    if cursor.l != list {
        return Err(ApiError::field(
            "cursor",
            "belongs to another list; start again without a cursor",
        ));
    }
    Ok(cursor.o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_list_once_and_end_without_a_cursor() {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let (items, next) = page(0..7, "l", Some(3), cursor.as_deref()).unwrap();
            seen.extend(items);
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        let (items, next) = page(0..6, "l", Some(3), None).unwrap();
        assert_eq!(items, [0, 1, 2]);
        let (_, last) = page(0..6, "l", Some(3), next.as_deref()).unwrap();
        assert_eq!(last, None, "no cursor after the last full page");
    }

    #[test]
    fn a_cursor_only_works_on_its_own_list() {
        let (_, next) = page(0..7, "matches:a", Some(3), None).unwrap();
        assert!(page(0..7, "matches:b", Some(3), next.as_deref()).is_err());
        assert!(page(0..7, "matches:a", Some(3), Some("garbage")).is_err());
        assert!(page(0..7, "matches:a", Some(0), None).is_err());
        assert!(page(0..7, "matches:a", Some(51), None).is_err());
    }
}
