//! Against a local issuer serving a discovery document and a JWKS: keys are fetched on
//! first use, a rotated key is picked up when a token names an unknown key id, and
//! unknown key ids do not make the verifier hammer the issuer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json};
use poem::{EndpointExt, Route, Server, get, handler};
use samverkan_auth::{AuthConfig, ClaimMapping, IssuerConfig, Verifier};
use samverkan_domain::Role;
use serde_json::{Value, json};

const AUDIENCE: &str = "https://samverkan.test/api";

struct Issuer {
    url: String,
    /// The key ids currently published.
    published: Mutex<Vec<&'static str>>,
    jwks_fetches: AtomicUsize,
}

fn public_key(kid: &str) -> Value {
    let x = match kid {
        "key-a" => include_str!("keys/ed25519-a.x"),
        _ => include_str!("keys/ed25519-b.x"),
    };
    json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid, "x": x.trim()})
}

#[handler]
fn discovery(issuer: Data<&Arc<Issuer>>) -> Json<Value> {
    Json(json!({"issuer": issuer.url, "jwks_uri": format!("{}/jwks", issuer.url)}))
}

#[handler]
fn jwks(issuer: Data<&Arc<Issuer>>) -> Json<Value> {
    issuer.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let keys: Vec<Value> = issuer
        .published
        .lock()
        .unwrap()
        .iter()
        .map(|kid| public_key(kid))
        .collect();
    Json(json!({ "keys": keys }))
}

async fn start_issuer() -> Arc<Issuer> {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr().remove(0);
    let issuer = Arc::new(Issuer {
        url: format!("http://{}", addr.as_socket_addr().unwrap()),
        published: Mutex::new(vec!["key-a"]),
        jwks_fetches: AtomicUsize::new(0),
    });
    let app = Route::new()
        .at("/.well-known/openid-configuration", get(discovery))
        .at("/jwks", get(jwks))
        .data(issuer.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    issuer
}

fn sign(issuer: &str, kid: &str, org: &str) -> String {
    let pem = match kid {
        "key-a" => include_str!("keys/ed25519-a.pem"),
        _ => include_str!("keys/ed25519-b.pem"),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_string());
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({"iss": issuer, "aud": AUDIENCE, "sub": "u1", "org": org, "roles": ["strategist"], "iat": now, "exp": now + 300});
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn verifier(issuer: &str) -> Verifier {
    let config = AuthConfig {
        issuers: vec![IssuerConfig {
            issuer: issuer.to_string(),
            audience: AUDIENCE.into(),
            algorithms: vec!["EdDSA".into()],
            claims: ClaimMapping::default(),
        }],
        jwks_refresh_interval_seconds: 1,
        ..AuthConfig::default()
    };
    Verifier::new(&config, None).unwrap()
}

#[tokio::test]
async fn rotated_keys_are_picked_up_and_unknown_ids_are_rate_limited() {
    let issuer = start_issuer().await;
    let verifier = verifier(&issuer.url);

    let caller = verifier
        .verify(&sign(&issuer.url, "key-a", "1280"))
        .await
        .unwrap();
    assert_eq!(caller.org.as_ref().unwrap().as_str(), "1280");
    assert!(caller.has(Role::Strategist));
    verifier
        .verify(&sign(&issuer.url, "key-a", "1281"))
        .await
        .unwrap();
    assert_eq!(
        issuer.jwks_fetches.load(Ordering::SeqCst),
        1,
        "keys are cached"
    );

    // The issuer rotates to key B. The first B-signed token after the rotation finds no
    // cached key, but the refresh is rate-limited: wait out the interval, then it works.
    *issuer.published.lock().unwrap() = vec!["key-b"];
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let rotated = verifier.verify(&sign(&issuer.url, "key-b", "1280")).await;
    assert!(rotated.is_ok(), "{rotated:?}");
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 2);

    // Tokens naming unknown key ids are refused without refetching every time.
    for _ in 0..5 {
        assert!(
            verifier
                .verify(&sign(&issuer.url, "key-a", "1280"))
                .await
                .is_err()
        );
    }
    assert!(
        issuer.jwks_fetches.load(Ordering::SeqCst) <= 3,
        "JWKS fetches are rate-limited"
    );
}

#[tokio::test]
async fn tokens_for_another_audience_or_issuer_are_refused() {
    let issuer = start_issuer().await;
    let verifier = verifier(&issuer.url);
    let foreign_issuer = sign("https://evil.example", "key-a", "1280");
    assert!(verifier.verify(&foreign_issuer).await.is_err());
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("key-a".into());
    let now = jsonwebtoken::get_current_timestamp();
    let other_audience = json!({"iss": issuer.url, "aud": "https://other.example", "sub": "u1", "org": "1280", "exp": now + 300});
    let token = jsonwebtoken::encode(
        &header,
        &other_audience,
        &EncodingKey::from_ed_pem(include_bytes!("keys/ed25519-a.pem")).unwrap(),
    )
    .unwrap();
    assert!(verifier.verify(&token).await.is_err());
}
