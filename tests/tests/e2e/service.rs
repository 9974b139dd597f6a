//! The service as a whole: the checked-in OpenAPI document, the demo, limits, health.

use samverkan_domain::Role;
use samverkan_e2e::{Backend, TestApp, assert_problem};
use serde_json::json;

/// The checked-in OpenAPI document must be what the code generates.
#[tokio::test]
async fn checked_in_openapi_document_is_current() {
    let generated = samverkan_api::openapi_json().await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let checked_in = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    assert!(
        checked_in.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
    // Every operation has an explicit operation id.
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["operationId"].is_string(),
                "{method} {path} has no operationId"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_413_and_change_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.token("1280", &[Role::Strategist]);
    let huge = json!({"title": "x".repeat(300 * 1024)});
    assert_problem(&app.post("/api/v1/needs", Some(&token), &huge).await, 413);
    let status = post_chunked(&app.base, &token, &huge.to_string()).await;
    assert_eq!(
        status, "413",
        "a streamed body without Content-Length is limited too"
    );
    assert!(
        app.get("/api/v1/needs", Some(&token)).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// Posts `body` with `Transfer-Encoding: chunked` (no Content-Length) over a raw socket
/// and returns the status code of the response.
async fn post_chunked(base: &str, token: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/needs HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.as_bytes().chunks(16 * 1024) {
        let sent = stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .and(stream.write_all(chunk).await);
        if sent.and(stream.write_all(b"\r\n").await).is_err() {
            break; // the server may answer and close before reading everything
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response)
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn health_docs_and_unknown_routes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    assert_eq!(app.get("/healthz", None).await.status, 200);
    let spec = app.get("/openapi.json", None).await;
    assert_eq!(spec.body["info"]["title"], "Samverkan API");
    let docs = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("swagger")
    );
    assert_problem(&app.get("/api/v1/nothing-here", None).await, 404);
}

/// `/healthz` says how many changes wait for the search index, so an operator sees a
/// stuck indexer while the service itself stays ready.
#[tokio::test]
async fn health_reports_the_search_backlog() {
    let app = TestApp::spawn(Backend::Sqlite).await.restart(false).await;
    let health = |app: &TestApp| {
        let url = format!("{}/healthz", app.base);
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let before = health(&app).await;
    let token = app.token("1280", &[Role::Strategist]);
    let need = json!({
        "title": "Digitala lås i hemtjänsten",
        "description": "Nyckelfri hemtjänst.",
        "activity_area": "omsorg",
        "topics": ["valfardsteknik"],
        "collaboration_level": "samverkan"
    });
    assert_eq!(
        app.post("/api/v1/needs", Some(&token), &need).await.status,
        201
    );
    let after = health(&app).await;
    assert!(before.starts_with("ok\nsearch backlog: "), "{before}");
    let count = |text: &str| -> u64 { text.rsplit(' ').next().unwrap().trim().parse().unwrap() };
    assert_eq!(count(&after), count(&before) + 1, "{before} -> {after}");
}
