//! Keyset (cursor) pagination: stable under concurrent inserts, cheap at any depth.
//!
//! A cursor is an opaque base64url token holding the sort it belongs to and the sort key
//! and id of the last row returned; the next page starts strictly after that row.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use samverkan_domain::ValidationErrors;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// What page a client asks for.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Rows per page (1 to [`MAX_PAGE_SIZE`]); `None` means the default.
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of results and the cursor for the next, if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Converts every item, keeping the cursor.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

/// The value of the sort key of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum SortKey {
    /// Sorting by id alone (creation order, since ids are UUIDv7).
    None,
    /// A timestamp column.
    Time(DateTime<Utc>),
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(String),
    /// A date column.
    Date(chrono::NaiveDate),
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    s: String,
    k: SortKey,
    id: Uuid,
}

/// One sort order an entity's list offers: `name` as the client writes it (`-` prefix for
/// descending), the column (or `None` for id order) and how to read the key from a row.
pub(crate) struct SortSpec<E: EntityTrait> {
    pub name: &'static str,
    pub column: Option<E::Column>,
    pub descending: bool,
    pub key: fn(&E::Model) -> SortKey,
}

impl<E: EntityTrait> SortSpec<E> {
    /// Looks up the sort a client named, listing the valid names when it is unknown.
    pub fn find<'a>(
        specs: &'a [SortSpec<E>],
        name: Option<&str>,
    ) -> Result<&'a SortSpec<E>, ValidationErrors> {
        let name = name.unwrap_or(specs[0].name);
        specs.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<_> = specs.iter().map(|s| s.name).collect();
            ValidationErrors::single("sort", format!("must be one of: {}", names.join(", ")))
        })
    }
}

/// Checks the page size, refusing absurd values rather than silently serving another size.
pub(crate) fn limit(request: &PageRequest) -> Result<u64, ValidationErrors> {
    match request.limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(n) => Err(ValidationErrors::single(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE} (got {n})"),
        )),
    }
}

/// Orders `select` by the sort and id, starts after the cursor, and fetches one row more
/// than the limit to learn whether another page follows.
pub(crate) fn apply<E: EntityTrait>(
    select: Select<E>,
    spec: &SortSpec<E>,
    id_col: E::Column,
    request: &PageRequest,
) -> Result<(Select<E>, u64), ValidationErrors> {
    let limit = limit(request)?;
    let order = if spec.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut select = select;
    if let Some(raw) = &request.cursor {
        let cursor = decode(raw, spec.name)?;
        select = select.filter(after(spec, id_col, &cursor)?);
    }
    if let Some(col) = spec.column {
        select = select.order_by(col, order.clone());
    }
    Ok((select.order_by(id_col, order).limit(limit + 1), limit))
}

/// Cuts the extra row off and builds the next cursor from the last row kept.
pub(crate) fn finish<E: EntityTrait>(
    mut rows: Vec<E::Model>,
    limit: u64,
    spec: &SortSpec<E>,
    id_of: fn(&E::Model) -> Uuid,
) -> Page<E::Model> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(encode(&Cursor {
            s: spec.name.to_string(),
            k: (spec.key)(last),
            id: id_of(last),
        })),
        _ => None,
    };
    Page {
        items: rows,
        next_cursor,
    }
}

fn after<E: EntityTrait>(
    spec: &SortSpec<E>,
    id_col: E::Column,
    cursor: &Cursor,
) -> Result<Condition, ValidationErrors> {
    let beyond = |col: E::Column, value: SimpleExpr| {
        if spec.descending {
            Expr::col(col).lt(value)
        } else {
            Expr::col(col).gt(value)
        }
    };
    let id_after = beyond(id_col, Expr::val(cursor.id));
    let Some(col) = spec.column else {
        return Ok(Condition::all().add(id_after));
    };
    let value: SimpleExpr = match &cursor.k {
        SortKey::Time(t) => Expr::val(*t),
        SortKey::Int(i) => Expr::val(*i),
        SortKey::Text(s) => Expr::val(s.clone()),
        SortKey::Date(d) => Expr::val(*d),
        SortKey::None => return Err(bad_cursor()),
    };
    Ok(Condition::any()
        .add(beyond(col, value.clone()))
        .add(Condition::all().add(Expr::col(col).eq(value)).add(id_after)))
}

fn encode(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode(raw: &str, sort: &str) -> Result<Cursor, ValidationErrors> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad_cursor())?;
    if cursor.s != sort {
        return Err(ValidationErrors::single(
            "cursor",
            "belongs to a different sort order; start again without a cursor",
        ));
    }
    Ok(cursor)
}

fn bad_cursor() -> ValidationErrors {
    ValidationErrors::single(
        "cursor",
        "is not a cursor this API issued; use next_cursor from the previous page",
    )
}
