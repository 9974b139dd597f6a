//! Matchmaking through the API: who else needs this, who already solved it, and the
//! coordinator's groups; internal needs only for their owner and the coordinator.

use samverkan_domain::Role;
use samverkan_e2e::{Backend, TestApp, assert_problem, on_both_backends};
use serde_json::{Value, json};

use crate::fixtures;

fn lock_need(title: &str, text: &str, visibility: &str) -> Value {
    let mut need = fixtures::need(title, visibility);
    need["description"] = json!(text);
    need["hypothesis"] = Value::Null;
    need
}

/// Waits until the matchmaking snapshot has caught up (it rebuilds within a second or
/// two of a write).
async fn matches_of(
    app: &TestApp,
    need: &str,
    token: Option<&str>,
    expect_at_least: usize,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        last = app
            .get(&format!("/api/v1/needs/{need}/matches"), token)
            .await
            .body;
        if last["items"]
            .as_array()
            .is_some_and(|i| i.len() >= expect_at_least)
        {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    last
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

async fn shared_needs_groups_and_solutions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ystad = app.token("1286", &[Role::Strategist]);
    let horby = app.token("1266", &[Role::Strategist]);
    let tomelilla = app.token("1270", &[Role::Strategist]);
    let lund = app.token("1281", &[Role::Strategist]);
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    let a = app.post("/api/v1/needs", Some(&ystad), &lock_need("Digitala lås i hemtjänsten", "Hemtjänstens personal bär många fysiska nycklar. Vi vill ersätta dem med digitala lås.", "public")).await;
    let b = app.post("/api/v1/needs", Some(&horby), &lock_need("Nyckelfri hemtjänst", "Undersköterskor i hemtjänsten ska låsa upp dörren med digitala lås i stället för nycklar.", "public")).await;
    let c = app
        .post(
            "/api/v1/needs",
            Some(&tomelilla),
            &lock_need(
                "Digital nyckelhantering i hemtjänst",
                "Digitala lås hos brukare i hemtjänsten, med loggning av besök.",
                "internal",
            ),
        )
        .await;
    let mut unrelated = fixtures::need("Bygglov som e-tjänst", "public");
    unrelated["description"] = json!("Invånare ska kunna söka bygglov digitalt och följa ärendet.");
    unrelated["activity_area"] = json!("samhallsbyggnad");
    unrelated["topics"] = json!(["e_tjanster"]);
    unrelated["tags"] = json!([]);
    unrelated["hypothesis"] = Value::Null;
    app.post("/api/v1/needs", Some(&lund), &unrelated).await;
    let (a, b, c) = (
        a.body["id"].as_str().unwrap(),
        b.body["id"].as_str().unwrap(),
        c.body["id"].as_str().unwrap(),
    );

    // Ystad's strategist sees Hörby's public need, not Tomelilla's internal one; the
    // coordinator sees both; every match says why.
    let for_ystad = matches_of(&app, a, Some(&ystad), 1).await;
    let found = ids(&for_ystad);
    assert_eq!(found.first().map(String::as_str), Some(b), "{for_ystad}");
    assert!(
        !found.contains(&c.to_string()),
        "internal need shown to another tenant: {for_ystad}"
    );
    let why = &for_ystad["items"][0]["why"];
    assert!(
        why["shared_terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "lås" || t == "hemtjänsten"),
        "{why}"
    );
    assert!(
        why["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["signal"] == "text")
    );
    let for_coordinator = matches_of(&app, a, Some(&coordinator), 2).await;
    let mut seen: Vec<String> = ids(&for_coordinator).into_iter().take(2).collect();
    seen.sort();
    let mut expected = vec![b.to_string(), c.to_string()];
    expected.sort();
    assert_eq!(seen, expected);
    // The internal need's own matches are not for other tenants.
    assert_problem(
        &app.get(&format!("/api/v1/needs/{c}/matches"), Some(&ystad))
            .await,
        404,
    );

    // Groups are the coordinator's.
    assert_problem(&app.get("/api/v1/match-groups", None).await, 401);
    assert_problem(&app.get("/api/v1/match-groups", Some(&ystad)).await, 403);
    let groups = app.get("/api/v1/match-groups", Some(&coordinator)).await;
    assert_eq!(groups.status, 200, "{}", groups.body);
    let first = &groups.body["items"][0];
    let mut members: Vec<String> = first["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    members.sort();
    let mut all_three = vec![a.to_string(), b.to_string(), c.to_string()];
    all_three.sort();
    assert_eq!(members, all_three, "{}", groups.body);
    assert_eq!(first["collaboration_level"], "samordning");
    assert_eq!(
        app.get("/api/v1/match-groups?topic=e_arkiv", Some(&coordinator))
            .await
            .body["items"],
        json!([])
    );

    // Who already solved it: another municipality's solution, not the owner's own.
    let mut locks = fixtures::solution("Digitala lås för hemtjänst");
    locks["description"] =
        json!("Digitala lås och nyckelfri hemtjänst, i drift hos flera kommuner.");
    locks["topics"] = json!(["valfardsteknik"]);
    app.post("/api/v1/solutions", Some(&lund), &locks).await;
    let mut own = locks.clone();
    own["name"] = json!("Ystads modell för digitala lås");
    app.post("/api/v1/solutions", Some(&ystad), &own).await;
    let mut found = Value::Null;
    for _ in 0..100 {
        found = app
            .get(&format!("/api/v1/needs/{a}/solution-matches"), None)
            .await
            .body;
        if found["items"].as_array().is_some_and(|i| !i.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Digitala lås för hemtjänst"], "{found}");
    let with_own = app
        .get(
            &format!("/api/v1/needs/{a}/solution-matches?include_own=true"),
            None,
        )
        .await
        .body;
    assert_eq!(with_own["items"].as_array().unwrap().len(), 2);
}

on_both_backends!(shared_needs_groups_and_solutions);
