//! Tokens from a real OpenID Connect provider (oidc-provider, started by the harness):
//! valid tokens work; expired, wrong-audience, wrong-issuer, unsigned and tampered ones
//! get 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use samverkan_auth::{ClaimMapping, IssuerConfig};
use samverkan_e2e::oidc::{self, AUDIENCE};
use samverkan_e2e::{Backend, TestApp, assert_problem};
use serde_json::Value;

use crate::fixtures;

fn issuer_config() -> IssuerConfig {
    IssuerConfig {
        issuer: oidc::issuer(),
        audience: AUDIENCE.into(),
        algorithms: vec!["RS256".into()],
        claims: ClaimMapping::default(),
    }
}

/// Rewrites a token's payload without re-signing it.
fn tamper(token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut payload);
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_provider_tokens_are_validated() {
    let issuer = tokio::task::spawn_blocking(oidc::issuer).await.unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, vec![issuer_config()]).await;
    let malmo = oidc::token("malmo-strategist", AUDIENCE).await;

    // A valid token: the caller is Malmö's strategist, so the need belongs to Malmö.
    let created = app
        .post(
            "/api/v1/needs",
            Some(&malmo),
            &fixtures::need("Digitala lås", "internal"),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["org_id"], "1280");
    let path = format!("/api/v1/needs/{}", created.body["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&malmo)).await.status, 200);
    let coordinator = oidc::token("coordinator", AUDIENCE).await;
    assert_eq!(app.get(&path, Some(&coordinator)).await.status, 200);
    let lund_viewer = oidc::token("lund-viewer", AUDIENCE).await;
    assert_eq!(
        app.get(&path, Some(&lund_viewer)).await.status,
        404,
        "roles and org come from the token"
    );

    // Tokens that must be refused.
    let wrong_audience = oidc::token("malmo-strategist", "https://other.example/api").await;
    let tampered = tamper(&malmo, |p| p["org"] = "1281".into());
    let wrong_issuer = tamper(&malmo, |p| p["iss"] = "http://127.0.0.1:1/".into());
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{header_none}.{}.", malmo.split('.').nth(1).unwrap());
    let hs256_confusion = {
        // A token signed with HS256 using the issuer's name as the "key" must not pass.
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        format!("{header}.{}.c2lnbmF0dXJl", malmo.split('.').nth(1).unwrap())
    };
    let short_lived = oidc::token("short-lived", AUDIENCE).await;
    assert_eq!(
        app.get("/api/v1/needs", Some(&short_lived)).await.status,
        200,
        "valid before expiry"
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    for (what, token) in [
        ("expired", short_lived.as_str()),
        ("wrong audience", wrong_audience.as_str()),
        ("wrong issuer", wrong_issuer.as_str()),
        ("alg none", unsigned.as_str()),
        ("tampered", tampered.as_str()),
        ("HS256 with an RS256 issuer", hs256_confusion.as_str()),
        ("garbage", "not.a.token"),
    ] {
        let reply = app.get("/api/v1/needs", Some(token)).await;
        assert_problem(&reply, 401);
        assert!(
            reply.headers.contains_key("www-authenticate"),
            "{what}: RFC 6750 challenge"
        );
        let write = app
            .post(
                "/api/v1/needs",
                Some(token),
                &fixtures::need("Förfalskat", "public"),
            )
            .await;
        assert_problem(&write, 401);
    }
    // Nothing but the first need was stored.
    let list = app.get("/api/v1/needs", Some(&coordinator)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert!(issuer.starts_with("http://127.0.0.1:"));
}
