//! A short-lived cache of successful reads, so repeated reads of the catalog do not each
//! cost a database round trip and a serialisation.
//!
//! Correctness rests on two things. The key holds everything that decides what a caller
//! may see (all tenants, the caller's own organisation, personal data) besides the URL, so
//! callers who may see different things never share an entry. And every entry carries
//! the store's write generation: a write committed in this process makes every older
//! entry stale at once. Writes made by other instances on a shared PostgreSQL database are
//! seen when the entry's time to live (one second by default) runs out.

use std::sync::Arc;
use std::time::Duration;

use poem::http::{HeaderMap, Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use samverkan_domain::Caller;
use samverkan_store::Store;

/// Most entries kept; each is one serialised response.
const MAX_ENTRIES: u64 = 10_000;
/// Responses larger than this are not cached.
const MAX_BODY: usize = 512 * 1024;

#[derive(Clone)]
struct Entry {
    generation: u64,
    /// Every header of the original response (content type, ETag, content disposition
    /// of exports...), replayed as they were.
    headers: HeaderMap,
    body: bytes::Bytes,
}

/// Caches `GET /api/v1/...` reads of registry records (not search, whose index follows
/// the database asynchronously, and not the audit log).
#[derive(Clone)]
pub struct ReadCache {
    store: Store,
    entries: Option<moka::sync::Cache<String, Arc<Entry>>>,
}

impl ReadCache {
    /// A cache whose entries live at most `ttl`; a zero `ttl` turns caching off.
    pub fn new(store: Store, ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(MAX_ENTRIES)
                .time_to_live(ttl)
                .build()
        });
        Self { store, entries }
    }
}

impl<E: Endpoint> Middleware<E> for ReadCache {
    type Output = ReadCacheEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ReadCacheEndpoint {
            inner,
            cache: self.clone(),
        }
    }
}

/// The endpoint [`ReadCache`] wraps.
pub struct ReadCacheEndpoint<E> {
    inner: E,
    cache: ReadCache,
}

/// The cache key: what the caller may see, and the URL.
fn key(req: &Request) -> Option<String> {
    let path = req.uri().path();
    let cacheable = req.method() == Method::GET
        && path.starts_with("/api/v1/")
        && !path.starts_with("/api/v1/search")
        && !path.starts_with("/api/v1/audit");
    if !cacheable {
        return None;
    }
    let caller = req.extensions().get::<Caller>()?;
    let org = caller.staff_org().map(|o| o.as_str()).unwrap_or("-");
    Some(format!(
        "{}|{org}|{}|{}",
        u8::from(caller.reads_all_tenants()),
        u8::from(caller.sees_personal_data()),
        req.uri()
    ))
}

impl<E: Endpoint> Endpoint for ReadCacheEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let (Some(entries), Some(key)) = (&self.cache.entries, key(&req)) else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        // Read the generation before the database, so a write racing this read makes the
        // stored entry stale rather than wrongly fresh.
        let generation = self.cache.store.write_generation();
        if let Some(entry) = entries.get(&key).filter(|e| e.generation == generation) {
            return Ok(respond(&entry));
        }
        let response = self.inner.call(req).await?.into_response();
        if response.status() != StatusCode::OK {
            return Ok(response);
        }
        let (parts, body) = response.into_parts();
        let body = body.into_bytes().await?;
        if body.len() <= MAX_BODY {
            let entry = Entry {
                generation,
                headers: parts.headers.clone(),
                body: body.clone(),
            };
            entries.insert(key, Arc::new(entry));
        }
        Ok(Response::from_parts(parts, Body::from(body)))
    }
}

fn respond(entry: &Entry) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .body(entry.body.clone());
    *response.headers_mut() = entry.headers.clone();
    response
}
