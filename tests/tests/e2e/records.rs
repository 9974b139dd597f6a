//! Record behaviour users rely on: concurrency control, pagination, filters, sorting,
//! strategy goals, and the shape of what is returned.

use std::collections::HashSet;

use samverkan_domain::Role;
use samverkan_e2e::{Backend, TestApp, assert_problem, on_both_backends};
use serde_json::json;

use crate::fixtures;

async fn concurrent_updates_with_the_same_etag(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("1280", &[Role::Strategist]);
    let created = app
        .post(
            "/api/v1/needs",
            Some(&token),
            &fixtures::need("Digitala lås", "public"),
        )
        .await;
    let path = format!("/api/v1/needs/{}", created.body["id"].as_str().unwrap());
    let etag = created.etag();
    assert_eq!(etag, "\"v1\"");
    let (anna, bertil) = (
        fixtures::need("Version från Anna", "public"),
        fixtures::need("Version från Bertil", "public"),
    );
    let (a, b) = tokio::join!(
        app.put(&path, Some(&token), &etag, &anna),
        app.put(&path, Some(&token), &etag, &bertil)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "a: {} b: {}", a.body, b.body);
    let winner = if a.status == 200 { &a } else { &b };
    let stored = app.get(&path, Some(&token)).await;
    assert_eq!(
        stored.body["title"], winner.body["title"],
        "the losing update changed nothing"
    );
    assert_eq!(stored.etag(), "\"v2\"");
    // A stale tag is refused, and an update without If-Match is required to send one.
    assert_problem(
        &app.put(
            &path,
            Some(&token),
            &etag,
            &fixtures::need("Sent för sent", "public"),
        )
        .await,
        412,
    );
    let no_tag = app
        .call(
            reqwest::Method::PUT,
            &path,
            Some(&token),
            Some(&fixtures::need("Utan tagg", "public")),
            &[],
        )
        .await;
    assert_problem(&no_tag, 428);
    let stale_delete = app
        .call(
            reqwest::Method::DELETE,
            &path,
            Some(&token),
            None,
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_problem(&stale_delete, 412);
    assert_eq!(
        app.get(&path, Some(&token)).await.body["title"],
        winner.body["title"]
    );
}

async fn cursor_pagination_walks_every_record_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let malmo = app.token("1280", &[Role::Strategist]);
    let lund = app.token("1281", &[Role::Strategist]);
    for i in 0..23 {
        let token = if i % 2 == 0 { &malmo } else { &lund };
        let title = format!("Behov nummer {:02}", (i * 7) % 23);
        let visibility = if i % 5 == 0 { "internal" } else { "public" };
        assert_eq!(
            app.post(
                "/api/v1/needs",
                Some(token),
                &fixtures::need(&title, visibility)
            )
            .await
            .status,
            201
        );
    }
    for (sort, who, expected) in [
        ("-created", None, 18),
        ("title", None, 18),
        ("-updated", Some(&malmo), 21),
        ("-priority", Some(&lund), 20),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/needs?limit=5&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.get(&path, who.map(String::as_str)).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let items = page.body["items"].as_array().unwrap();
            assert!(items.len() <= 5);
            seen.extend(items.iter().map(|n| {
                (
                    n["id"].as_str().unwrap().to_string(),
                    n["title"].as_str().unwrap().to_string(),
                )
            }));
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let unique: HashSet<_> = seen.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: no record twice");
        assert_eq!(seen.len(), expected, "{sort}: every visible record once");
        if sort == "title" {
            let titles: Vec<_> = seen.iter().map(|(_, t)| t.clone()).collect();
            let mut sorted = titles.clone();
            sorted.sort();
            assert_eq!(titles, sorted);
        }
    }
    // A cursor belongs to its sort order.
    let first = app.get("/api/v1/needs?limit=5&sort=title", None).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let mixed = app
        .get(
            &format!("/api/v1/needs?limit=5&sort=-created&cursor={cursor}"),
            None,
        )
        .await;
    assert_problem(&mixed, 400);
    assert_eq!(mixed.error_fields(), vec!["cursor"]);
}

async fn filters_narrow_the_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let malmo = app.token("1280", &[Role::Strategist]);
    let kristianstad = app.token("1290", &[Role::Strategist]);
    let mut gis = fixtures::need("Gemensam baskarta", "public");
    gis["topics"] = json!(["gis"]);
    gis["activity_area"] = json!("samhallsbyggnad");
    gis["needed_by"] = json!("2030-06-30");
    app.post(
        "/api/v1/needs",
        Some(&malmo),
        &fixtures::need("Digitala lås", "public"),
    )
    .await;
    app.post("/api/v1/needs", Some(&kristianstad), &gis).await;
    let count = |q: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/needs?{q}"), None).await.body["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("topic=gis").await, 1);
    assert_eq!(count("topic=iot").await, 1);
    assert_eq!(count("activity_area=omsorg").await, 1);
    assert_eq!(count("org=1290").await, 1);
    assert_eq!(count("subregion=Skåne%20Nordost").await, 1);
    assert_eq!(count("subregion=Malmö-Lundaregionen").await, 1);
    assert_eq!(count("needed_before=2028-01-01").await, 1);
    assert_eq!(count("status=open&collaboration_level=samordning").await, 2);
    assert_eq!(count("status=draft").await, 0);
}

async fn strategy_goals_survive_replacement(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("1280", &[Role::Strategist]);
    let created = app
        .post("/api/v1/strategies", Some(&token), &fixtures::strategy())
        .await;
    let path = format!(
        "/api/v1/strategies/{}",
        created.body["id"].as_str().unwrap()
    );
    let goals = created.body["goals"].as_array().unwrap().clone();
    let (kept, dropped) = (
        goals[0]["id"].as_str().unwrap(),
        goals[1]["id"].as_str().unwrap(),
    );
    let mut need = fixtures::need("Fler e-tjänster", "public");
    need["strategy_goal_ids"] = json!([kept, dropped]);
    let need = app.post("/api/v1/needs", Some(&token), &need).await;
    assert_eq!(need.status, 201, "{}", need.body);
    // Another organisation may not point at Malmö's goals.
    let mut foreign = fixtures::need("Lånat mål", "public");
    foreign["strategy_goal_ids"] = json!([kept]);
    let refused = app
        .post(
            "/api/v1/needs",
            Some(&app.token("1281", &[Role::Strategist])),
            &foreign,
        )
        .await;
    assert_eq!(refused.error_fields(), vec!["strategy_goal_ids[0]"]);
    // Replace: keep the first goal by id, drop the second, add a new one.
    let mut replacement = fixtures::strategy();
    replacement["goals"] =
        json!([{"id": kept, "title": "Fler och bättre e-tjänster"}, {"title": "Ett nytt mål"}]);
    let replaced = app
        .put(&path, Some(&token), &created.etag(), &replacement)
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["goals"][0]["id"], kept);
    assert_ne!(replaced.body["goals"][1]["id"], dropped);
    let need = app
        .get(
            &format!("/api/v1/needs/{}", need.body["id"].as_str().unwrap()),
            Some(&token),
        )
        .await;
    assert_eq!(
        need.body["strategy_goal_ids"],
        json!([kept]),
        "links to removed goals are dropped"
    );
}

async fn created_records_read_back_exactly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("1280", &[Role::Strategist]);
    let created = app
        .post(
            "/api/v1/needs",
            Some(&token),
            &fixtures::need("Digitala lås i hemtjänsten", "public"),
        )
        .await;
    assert_eq!(created.status, 201);
    let location = created.headers["location"].to_str().unwrap().to_string();
    let read = app.get(&location, Some(&token)).await;
    assert_eq!(read.body, created.body);
    let n = &read.body;
    assert_eq!(n["org_id"], "1280");
    assert_eq!(n["budget_min_sek"], "200000.00");
    assert_eq!(n["budget_max_sek"], "650000.50", "öre are kept exactly");
    assert_eq!(n["tags"], json!(["digitala lås"]));
    assert_eq!(n["status"], "open", "default status");
    assert_eq!(n["priority"]["benefit"], "3.25");
    assert_eq!(n["priority"]["feasibility"], "3.14");
    assert_eq!(n["priority"]["score"], "10.21");
    assert_eq!(n["priority"]["class"], "do_now");
    // Organisations are public reference data.
    let orgs = app.get("/api/v1/organisations", None).await;
    let orgs = orgs.body.as_array().unwrap();
    assert_eq!(
        orgs.iter().filter(|o| o["kind"] == "municipality").count(),
        33
    );
    let malmo = app.get("/api/v1/organisations/1280", None).await;
    assert_eq!(malmo.body["name"], "Malmö");
    assert_eq!(malmo.body["population"], 357377);
    assert_eq!(malmo.body["population_year"], 2022);
    assert_eq!(malmo.body["subregion"], "Malmö-Lundaregionen");
    assert_eq!(
        app.get("/api/v1/organisations/region-skane", None)
            .await
            .body["org_number"],
        "232100-0255"
    );
    assert_problem(&app.get("/api/v1/organisations/9999", None).await, 404);
    assert_problem(&app.get("/api/v1/needs/not-a-uuid", None).await, 404);
}

on_both_backends!(
    concurrent_updates_with_the_same_etag,
    cursor_pagination_walks_every_record_once,
    filters_narrow_the_list,
    strategy_goals_survive_replacement,
    created_records_read_back_exactly,
);

/// Reads are cached briefly; a write in the same instance shows at once (see the other
/// tests, which read right after writing), and a write by another instance on the same
/// database shows once the cache entry's second has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instances_writes_show_within_the_read_cache_ttl() {
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = a.another_instance().await;
    let token = a.token("1280", &[Role::Strategist]);
    let created = a
        .post(
            "/api/v1/needs",
            Some(&token),
            &fixtures::need("Digitala lås", "public"),
        )
        .await;
    let path = format!("/api/v1/needs/{}", created.body["id"].as_str().unwrap());
    assert_eq!(
        a.get(&path, None).await.body["title"],
        "Digitala lås",
        "cached in A"
    );
    let updated = b
        .put(
            &path,
            Some(&token),
            &created.etag(),
            &fixtures::need("Digitala lås, reviderad", "public"),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let seen = a.get(&path, None).await;
    assert_eq!(seen.body["title"], "Digitala lås, reviderad");
    assert_eq!(seen.etag(), "\"v2\"");
}
