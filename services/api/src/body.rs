//! A JSON request body that reports parse errors with the exact field path, so "every
//! field's bad values produce a problem naming the field" holds for type errors too.

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::impl_apirequest_for_payload;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

/// A JSON body documented by `T`'s schema and parsed with serde, whose errors name the
/// offending field (e.g. `topics[1]: unknown variant`).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        if data.is_empty() {
            return Err(ApiError::field("", "a JSON body is required").into());
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&data);
        match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Ok(value) => Ok(JsonBody(value)),
            Err(err) => {
                let path = err.path().to_string();
                let message = err.into_inner().to_string();
                Err(ApiError::field(&field_of(&path, &message), message).into())
            }
        }
    }
}

/// The field an error is about: serde reports a missing field at its parent's path and
/// names it only in the message (``missing field `title` ``), so join the two.
fn field_of(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match missing {
        Some(name) if parent.is_empty() => name.to_string(),
        Some(name) => format!("{parent}.{name}"),
        None => parent.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(
            field_of(".", "missing field `title` at line 1 column 2"),
            "title"
        );
        assert_eq!(
            field_of("contact", "missing field `name` at line 1 column 9"),
            "contact.name"
        );
        assert_eq!(field_of("topics[1]", "unknown variant `x`"), "topics[1]");
    }
}

impl_apirequest_for_payload!(JsonBody<T>, T: Type + DeserializeOwned);
