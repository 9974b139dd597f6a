//! Search through the API: Swedish queries, permissions in hits and facets, the outbox
//! keeping the index in step with the database, recovery after a crash, paging.

use std::collections::HashSet;

use samverkan_domain::Role;
use samverkan_e2e::{Backend, TestApp, assert_problem, on_both_backends};
use serde_json::{Value, json};

use crate::fixtures;

fn hit_titles(reply: &Value) -> Vec<String> {
    reply["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_string())
        .collect()
}

async fn search(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let reply = app.get(&format!("/api/v1/search?{query}"), token).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    reply.body
}

async fn permissions_and_freshness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let malmo = app.token("1280", &[Role::Strategist]);
    let viewer = app.token("1280", &[Role::Viewer]);
    let lund = app.token("1281", &[Role::Strategist]);
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    let public = app
        .post(
            "/api/v1/needs",
            Some(&malmo),
            &fixtures::need("Digitala lås i hemtjänsten", "public"),
        )
        .await;
    let mut secret = fixtures::need("Intern riskanalys av molntjänster", "internal");
    secret["topics"] = json!(["informationssakerhet"]);
    let internal = app.post("/api/v1/needs", Some(&malmo), &secret).await;
    app.post(
        "/api/v1/solutions",
        Some(&lund),
        &fixtures::solution("Gemensamt e-arkiv"),
    )
    .await;
    app.search_settled().await;

    let found = search(&app, "q=hemtjänsten", None).await;
    assert_eq!(hit_titles(&found), vec!["Digitala lås i hemtjänsten"]);
    assert_eq!(
        found["hits"][0]["url"],
        format!("/api/v1/needs/{}", public.body["id"].as_str().unwrap())
    );
    let snippet = search(&app, "q=nycklar", None).await["hits"][0]["snippet"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(snippet.contains("<mark>nycklar</mark>"), "{snippet}");
    assert_eq!(
        hit_titles(&search(&app, "q=e-arkivet", None).await),
        vec!["Gemensamt e-arkiv"]
    );

    // The internal need: not in hits, snippets or facet counts for the public or another
    // municipality; found by its owner's staff and the coordinator.
    for token in [None, Some(lund.as_str())] {
        let hits = search(&app, "q=molntjänster", token).await;
        assert_eq!(hits["total"], 0, "{token:?}");
        let all = search(&app, "kind=need", token).await;
        assert_eq!(all["total"], 1);
        assert!(
            all["facets"]["topic"].get("informationssakerhet").is_none(),
            "{token:?}: {}",
            all["facets"]
        );
        assert!(!all.to_string().contains("riskanalys"));
    }
    for token in [&malmo, &viewer, &coordinator] {
        assert_eq!(
            hit_titles(&search(&app, "q=molntjänster", Some(token)).await),
            vec!["Intern riskanalys av molntjänster"]
        );
    }
    // Contact persons are never searchable.
    assert_eq!(
        search(&app, "q=Lindqvist", Some(&coordinator)).await["total"],
        0
    );

    // Facet counts match the database.
    let everything = search(&app, "limit=100", Some(&coordinator)).await;
    assert_eq!(
        everything["facets"]["kind"],
        json!({"need": 2, "solution": 1})
    );
    assert_eq!(everything["facets"]["org"], json!({"1280": 2, "1281": 1}));
    assert_eq!(everything["facets"]["topic"]["iot"], 1);
    assert_eq!(everything["facets"]["subregion"]["Malmö-Lundaregionen"], 3);
    let narrowed = search(
        &app,
        "topic=valfardsteknik&topic=e_arkiv&kind=need",
        Some(&coordinator),
    )
    .await;
    assert_eq!(hit_titles(&narrowed), vec!["Digitala lås i hemtjänsten"]);

    // Changes reach the index: made public, it is found; deleted, it is gone.
    let path = format!("/api/v1/needs/{}", internal.body["id"].as_str().unwrap());
    let mut opened = secret.clone();
    opened["visibility"] = json!("public");
    assert_eq!(
        app.put(&path, Some(&malmo), &internal.etag(), &opened)
            .await
            .status,
        200
    );
    app.search_settled().await;
    assert_eq!(search(&app, "q=molntjänster", None).await["total"], 1);
    assert_eq!(app.delete(&path, Some(&malmo)).await.status, 204);
    app.search_settled().await;
    assert_eq!(
        search(&app, "q=molntjänster", Some(&coordinator)).await["total"],
        0
    );
}

async fn outbox_recovers_after_a_crash(backend: Backend) {
    // Without the indexer, a committed write stays in the outbox: as if the process had
    // died between the commit and the index update.
    let app = TestApp::spawn(backend).await.restart(false).await;
    let malmo = app.token("1280", &[Role::Strategist]);
    let created = app
        .post(
            "/api/v1/needs",
            Some(&malmo),
            &fixtures::need("Läkemedelsrobotar i hemsjukvården", "public"),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(app.store.outbox_len().await.unwrap(), 1);
    assert_eq!(search(&app, "q=sjukvård", None).await["total"], 0);
    // On restart the worker catches up and nothing acknowledged is lost.
    let app = app.restart(true).await;
    app.search_settled().await;
    let found = search(&app, "q=sjukvård", None).await;
    assert_eq!(
        hit_titles(&found),
        vec!["Läkemedelsrobotar i hemsjukvården"]
    );
}

async fn paging_and_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let malmo = app.token("1280", &[Role::Strategist]);
    for i in 0..25 {
        app.post(
            "/api/v1/needs",
            Some(&malmo),
            &fixtures::need(&format!("Digitala lås, etapp {i}"), "public"),
        )
        .await;
    }
    app.search_settled().await;
    let mut seen = HashSet::new();
    let mut cursor = String::new();
    loop {
        let page = search(&app, &format!("q=lås&limit=10{cursor}"), None).await;
        assert_eq!(page["total"], 25);
        for hit in page["hits"].as_array().unwrap() {
            assert!(
                seen.insert(hit["id"].as_str().unwrap().to_string()),
                "no hit twice"
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    for (query, field) in [
        ("topic=blockkedja", "topic"),
        ("kind=person", "kind"),
        ("limit=0", "limit"),
        ("limit=500", "limit"),
        ("cursor=xyz", "cursor"),
        ("cursor=bzo1MDAw", "cursor"),
        ("org=Malmö", "org"),
    ] {
        let reply = app.get(&format!("/api/v1/search?{query}"), None).await;
        // "bzo1MDAw" is the cursor of offset 5000, deeper than the API pages.
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields(), vec![field], "{query}");
    }
}

on_both_backends!(
    permissions_and_freshness,
    outbox_recovers_after_a_crash,
    paging_and_validation
);
