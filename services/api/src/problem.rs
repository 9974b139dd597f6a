//! RFC 9457 problem details: the one error shape every client sees, with a field-level
//! list for invalid input. Internal causes are logged, never sent.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use samverkan_domain::ValidationErrors;
use samverkan_store::StoreError;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field.
#[derive(Debug, Clone, Object)]
pub struct FieldProblem {
    /// JSON path of the field (for bodies) or the parameter name (for query and headers).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Problem details (RFC 9457).
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI naming the problem type.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The invalid fields, for validation problems.
    #[oai(skip_serializing_if_is_empty)]
    pub errors: Vec<FieldProblem>,
    /// For a refused stage change: the stages the procurement may move to next.
    #[oai(skip_serializing_if_is_none)]
    pub allowed_next: Option<Vec<String>>,
}

impl Problem {
    /// A problem of `status` with `detail`; the type and title follow from the status.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        let slug = status
            .canonical_reason()
            .unwrap_or("error")
            .to_lowercase()
            .replace(' ', "-");
        Self {
            problem_type: format!("https://samverkan.skane.se/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: vec![],
            allowed_next: None,
        }
    }

    /// A 400 problem listing every invalid field.
    pub fn invalid(errors: &ValidationErrors) -> Self {
        let mut problem = Self::new(
            StatusCode::BAD_REQUEST,
            "the request has invalid fields; see errors",
        );
        problem.problem_type = "https://samverkan.skane.se/problems/validation".into();
        problem.errors = errors
            .0
            .iter()
            .map(|e| FieldProblem {
                field: e.field.clone(),
                message: e.message.clone(),
            })
            .collect();
        problem
    }
}

/// Every error an operation can return, each as problem+json.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or has invalid fields.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid bearer token was given where one is needed.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>, #[oai(header = "WWW-Authenticate")] String),
    /// The caller may not do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource (or one the caller may not know exists).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The change conflicts with the resource's current state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// `If-Match` names a version that is no longer current.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// An update was sent without `If-Match`.
    #[oai(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Json<Problem>),
    /// Something failed on our side; details are in the server log.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A service we depend on (e.g. the identity provider) is unavailable.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl ApiError {
    /// 400 with one invalid field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::invalid(&ValidationErrors::single(field, message))
    }

    /// 400 with every invalid field.
    pub fn invalid(errors: &ValidationErrors) -> Self {
        ApiError::BadRequest(Json(Problem::invalid(errors)))
    }

    /// 401 with the `WWW-Authenticate` challenge RFC 6750 asks for.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let challenge = format!(
            "Bearer error=\"invalid_token\", error_description=\"{}\"",
            detail.replace('"', "'")
        );
        ApiError::Unauthorized(
            Json(Problem::new(StatusCode::UNAUTHORIZED, detail)),
            challenge,
        )
    }

    /// 401 for a request that sent no token where one is needed (RFC 6750 3.1: no error
    /// code, since nothing invalid was sent).
    pub fn token_required() -> Self {
        let problem = Problem::new(
            StatusCode::UNAUTHORIZED,
            "this operation needs a bearer token",
        );
        ApiError::Unauthorized(Json(problem), "Bearer realm=\"samverkan\"".to_string())
    }

    /// 404.
    pub fn not_found() -> Self {
        ApiError::NotFound(Json(Problem::new(
            StatusCode::NOT_FOUND,
            "no such resource",
        )))
    }

    /// 500, logging the cause.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        ApiError::Internal(Json(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "an internal error occurred; it has been logged",
        )))
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden(why) => {
                ApiError::Forbidden(Json(Problem::new(StatusCode::FORBIDDEN, why)))
            }
            StoreError::VersionMismatch { expected, current } => {
                let now = current
                    .map(|c| format!(", current is {c}"))
                    .unwrap_or_default();
                ApiError::PreconditionFailed(Json(Problem::new(
                    StatusCode::PRECONDITION_FAILED,
                    format!(
                        "the resource has changed (you sent version {expected}{now}); read it again and retry"
                    ),
                )))
            }
            StoreError::Invalid(errors) => ApiError::invalid(&errors),
            StoreError::Transition(refused) => {
                let mut problem = Problem::new(StatusCode::CONFLICT, refused.reason);
                problem.problem_type =
                    "https://samverkan.skane.se/problems/illegal-stage-transition".into();
                problem.allowed_next = Some(
                    refused
                        .allowed
                        .iter()
                        .map(|s| s.as_str().to_string())
                        .collect(),
                );
                ApiError::Conflict(Json(problem))
            }
            StoreError::Conflict(why) => {
                ApiError::Conflict(Json(Problem::new(StatusCode::CONFLICT, why)))
            }
            other @ (StoreError::Database(_) | StoreError::Corrupt(_)) => {
                ApiError::internal(&other)
            }
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::invalid(&errors)
    }
}

/// Turns any error that escaped the operations (unknown route, bad parameter, missing
/// token, oversized body, unsupported media type...) into problem+json; problems that
/// are already problem+json pass through unchanged.
pub async fn to_problem(err: poem::Error) -> Response {
    if let Some(param) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
        return ApiError::field(param.name, param.reason.clone()).into_response();
    }
    if err.is::<poem_openapi::error::ParsePathError>() {
        // An id that cannot be parsed names no resource.
        return ApiError::not_found().into_response();
    }
    if err.is::<poem_openapi::error::AuthorizationError>() {
        return ApiError::token_required().into_response();
    }
    let status = err.status();
    let detail = err.to_string();
    let response = err.into_response();
    let is_problem = response
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than this service accepts".to_string()
        }
        StatusCode::NOT_FOUND => "no such resource".to_string(),
        s if s.is_server_error() => {
            tracing::error!(error = %detail, "unhandled error");
            "an internal error occurred; it has been logged".to_string()
        }
        _ => detail,
    };
    problem_response(Problem::new(status, detail))
}

/// Serialises a problem with its status and media type.
pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = poem_openapi::types::ToJSON::to_json_string(&problem);
    Response::builder()
        .status(status)
        .content_type(PROBLEM_JSON)
        .body(body)
}
