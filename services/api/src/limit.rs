//! Request body size limit: bodies over the limit get 413 before anything parses them,
//! whether they announce their length or stream it in chunks. (poem's own `SizeLimit`
//! demands a `Content-Length` on every request, including body-less GETs.)

use poem::http::StatusCode;
use poem::http::header::CONTENT_LENGTH;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};

use crate::problem::{Problem, problem_response};

/// Refuses request bodies larger than `max_bytes`.
#[derive(Clone, Copy)]
pub struct BodyLimit {
    max_bytes: usize,
}

impl BodyLimit {
    /// A limit of `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        Self { max_bytes }
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max_bytes: self.max_bytes,
        }
    }
}

/// The endpoint [`BodyLimit`] wraps.
pub struct BodyLimitEndpoint<E> {
    inner: E,
    max_bytes: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        match declared {
            Some(len) if len > self.max_bytes => return Ok(too_large(self.max_bytes)),
            Some(_) => {}
            None => match req.take_body().into_bytes_limit(self.max_bytes).await {
                Ok(bytes) => req.set_body(Body::from(bytes)),
                Err(_) => return Ok(too_large(self.max_bytes)),
            },
        }
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

fn too_large(max: usize) -> Response {
    problem_response(Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than the {max} bytes this service accepts"),
    ))
}
