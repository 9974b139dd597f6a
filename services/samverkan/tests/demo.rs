//! The demo a newcomer starts first: `samverkan serve --demo` on a fresh directory.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// `serve --demo` on a fresh directory starts, prints where to go, and serves the
/// 33 municipalities and a living catalog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_starts_on_a_fresh_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("SAMVERKAN_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("samverkan binary runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while printed.len() < 6 {
        match lines.next() {
            Some(Ok(line)) => printed.push(line),
            _ => break,
        }
    }
    let docs = printed
        .iter()
        .find_map(|l| l.split("API documentation: ").nth(1))
        .expect("prints the docs URL")
        .to_string();
    let base = docs.trim_end_matches("/docs").to_string();
    let token = printed
        .iter()
        .find_map(|l| l.split("Bearer ").nth(1))
        .map(|rest| rest.split('\'').next().unwrap().to_string())
        .expect("prints a ready-to-paste request with a token");
    let http = reqwest::Client::new();
    let orgs = get_json(&http, &format!("{base}/api/v1/organisations")).await;
    let municipalities = orgs
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "municipality")
        .count();
    let needs = get_json(&http, &format!("{base}/api/v1/needs?limit=100")).await;
    let solutions = get_json(&http, &format!("{base}/api/v1/solutions?limit=100")).await;
    let procurements = get_json(&http, &format!("{base}/api/v1/procurements?limit=100")).await;
    let expiring = get_json(
        &http,
        &format!("{base}/api/v1/procurements/expiring?within_months=120"),
    )
    .await;
    let mine = http
        .get(format!("{base}/api/v1/needs?org=1280"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .status();
    let docs_page = http.get(&docs).send().await.unwrap().status();
    // The search index is built in the background right after start.
    let mut found = serde_json::Value::Null;
    for _ in 0..100 {
        found = get_json(
            &http,
            &format!("{base}/api/v1/search?q=hemtj%C3%A4nsten&kind=need"),
        )
        .await;
        if found["total"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
    // With the service stopped, the index can be rebuilt from the database.
    let reindex = Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .arg("reindex")
        .current_dir(dir.path())
        .env_remove("SAMVERKAN_CONFIG")
        .output()
        .expect("samverkan reindex runs");
    let said = String::from_utf8_lossy(&reindex.stdout).to_string();
    assert!(
        reindex.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&reindex.stderr)
    );
    assert!(
        said.contains("indexed 80 records into the embedded index"),
        "{said}"
    );
    assert!(
        found["total"].as_u64().unwrap() >= 3,
        "the demo's home-care needs are searchable: {found}"
    );
    assert_eq!(municipalities, 33);
    assert!(
        needs["items"].as_array().unwrap().len() >= 30,
        "a living catalog of needs"
    );
    assert!(
        solutions["items"].as_array().unwrap().len() >= 10,
        "and of solutions"
    );
    let stages: Vec<&str> = procurements["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["stage"].as_str())
        .collect();
    assert!(
        stages.len() >= 4 && stages.contains(&"tender_published"),
        "public joint procurements at several stages: {stages:?}"
    );
    assert!(
        !expiring["items"].as_array().unwrap().is_empty(),
        "a contract to re-procure in time"
    );
    assert_eq!(mine, 200, "the printed token works");
    assert_eq!(docs_page, 200);
    assert!(
        dir.path().join("data/samverkan.sqlite").exists(),
        "embedded SQLite in ./data"
    );
}

/// GETs `url` and parses the JSON body.
async fn get_json(http: &reqwest::Client, url: &str) -> serde_json::Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}
