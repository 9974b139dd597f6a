//! Validation: every field's bad values produce problem+json naming the field, and
//! bad input changes nothing.

use samverkan_domain::Role;
use samverkan_e2e::{Backend, TestApp, assert_problem, on_both_backends};
use serde_json::{Value, json};

use crate::fixtures;

/// Sets `field` (a dotted path) of `body` to `value`.
fn with(mut body: Value, field: &str, value: Value) -> Value {
    let mut target = &mut body;
    let parts: Vec<&str> = field.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = &mut target[*part];
    }
    target[parts[parts.len() - 1]] = value;
    body
}

/// Posts each `(field, bad value, expected error field)` and checks the problem names it.
async fn expect_field_errors(
    app: &TestApp,
    token: &str,
    path: &str,
    valid: Value,
    cases: &[(&str, Value, &str)],
) {
    for (field, bad, named) in cases {
        let body = with(valid.clone(), field, bad.clone());
        let reply = app.post(path, Some(token), &body).await;
        assert_problem(&reply, 400);
        assert!(
            reply.error_fields().iter().any(|f| f == named),
            "{path}: {field} = {bad} should name `{named}`, got {}",
            reply.body
        );
    }
}

async fn need_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("1280", &[Role::Strategist]);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("title", json!("ab"), "title"),
        ("title", json!("x".repeat(201)), "title"),
        ("title", json!(42), "title"),
        ("description", json!("   "), "description"),
        ("activity_area", json!("vård"), "activity_area"),
        ("topics", json!([]), "topics"),
        ("topics", json!(["iot", "blockkedja"]), "topics[1]"),
        (
            "topics",
            json!(["iot", "gis", "ai", "e_arkiv", "bredband", "automation"]),
            "topics",
        ),
        ("tags", json!([""]), "tags[0]"),
        ("needed_from", json!("2027-13-01"), "needed_from"),
        ("needed_by", json!("2026-01-01"), "needed_by"),
        ("budget_min_sek", json!("tusen"), "budget_min_sek"),
        ("budget_max_sek", json!("-10"), "budget_max_sek"),
        ("budget_max_sek", json!("100.001"), "budget_max_sek"),
        ("budget_max_sek", json!("1000"), "budget_max_sek"),
        (
            "collaboration_level",
            json!("samarbete"),
            "collaboration_level",
        ),
        ("status", json!("klar"), "status"),
        ("visibility", json!("secret"), "visibility"),
        ("hypothesis", json!("x".repeat(2001)), "hypothesis"),
        ("contact.name", json!(""), "contact.name"),
        ("contact.email", json!("anna@"), "contact.email"),
        ("contact.phone", json!("ring mig"), "contact.phone"),
        ("evaluation.funding", json!(5), "evaluation.funding"),
        (
            "evaluation.cost_time_saving",
            json!(0),
            "evaluation.cost_time_saving",
        ),
        (
            "strategy_goal_ids",
            json!(["not-a-uuid"]),
            "strategy_goal_ids[0]",
        ),
        (
            "strategy_goal_ids",
            json!(["01a205fa-9004-73ca-9bb5-6767779e93bb"]),
            "strategy_goal_ids[0]",
        ),
    ];
    expect_field_errors(
        &app,
        &token,
        "/api/v1/needs",
        fixtures::need("Digitala lås", "public"),
        &cases,
    )
    .await;
    // Several problems are all reported at once.
    let mut body = fixtures::need("ab", "public");
    body["topics"] = json!([]);
    body["budget_min_sek"] = json!("x");
    let reply = app.post("/api/v1/needs", Some(&token), &body).await;
    assert_eq!(
        reply.error_fields(),
        vec!["title", "topics", "budget_min_sek"]
    );
    // Nothing was stored by any of the refused requests.
    let list = app.get("/api/v1/needs", Some(&token)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
    let audit = app
        .get(
            "/api/v1/audit",
            Some(&app.token("region-skane", &[Role::Coordinator])),
        )
        .await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 0);
}

async fn strategy_solution_adoption_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("1280", &[Role::Strategist]);
    let strategy_cases: Vec<(&str, Value, &str)> = vec![
        ("title", json!(""), "title"),
        ("status", json!("antagen"), "status"),
        ("adopted_on", json!(null), "adopted_on"),
        ("adopted_on", json!("20 februari"), "adopted_on"),
        ("document_url", json!("malmo.se/strategi"), "document_url"),
        ("goals", json!([{"title": "x"}]), "goals[0].title"),
        (
            "goals",
            json!([{"title": "Bra mål", "id": "01a205fa-9004-73ca-9bb5-6767779e93bb"}]),
            "goals[0].id",
        ),
    ];
    expect_field_errors(
        &app,
        &token,
        "/api/v1/strategies",
        fixtures::strategy(),
        &strategy_cases,
    )
    .await;
    let solution_cases: Vec<(&str, Value, &str)> = vec![
        ("name", json!("x"), "name"),
        ("description", json!(""), "description"),
        ("kind", json!("app"), "kind"),
        ("maturity", json!("mogen"), "maturity"),
        ("licence", json!("öppen källkod"), "licence"),
        ("licence", json!(null), "licence"),
        ("source_url", json!("ftp://x.se"), "source_url"),
        ("documentation_url", json!("docs"), "documentation_url"),
        ("adoption_cost_sek", json!("75 000 kr"), "adoption_cost_sek"),
        ("topics", json!(["e-arkiv"]), "topics[0]"),
        ("contact.email", json!("per"), "contact.email"),
    ];
    expect_field_errors(
        &app,
        &token,
        "/api/v1/solutions",
        fixtures::solution("E-arkiv"),
        &solution_cases,
    )
    .await;
    let solution = app
        .post(
            "/api/v1/solutions",
            Some(&token),
            &fixtures::solution("E-arkiv"),
        )
        .await;
    let adoptions = format!(
        "/api/v1/solutions/{}/adoptions",
        solution.body["id"].as_str().unwrap()
    );
    let lund = app.token("1281", &[Role::Strategist]);
    let adoption_cases: Vec<(&str, Value, &str)> = vec![
        ("state", json!("klar"), "state"),
        ("since", json!("2999-01-01"), "since"),
        ("note", json!("x".repeat(2001)), "note"),
    ];
    expect_field_errors(
        &app,
        &lund,
        &adoptions,
        fixtures::adoption(),
        &adoption_cases,
    )
    .await;
}

async fn query_parameters_and_bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=many", "limit"),
        ("status=klar", "status"),
        ("topic=blockkedja", "topic"),
        ("needed_before=igår", "needed_before"),
        ("org=Malmö", "org"),
        ("sort=random", "sort"),
        ("cursor=not-a-cursor", "cursor"),
    ] {
        let reply = app.get(&format!("/api/v1/needs?{query}"), None).await;
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields(), vec![field], "{query}: {}", reply.body);
    }
    let token = app.token("1280", &[Role::Strategist]);
    let malformed = app
        .call(
            reqwest::Method::POST,
            "/api/v1/needs",
            Some(&token),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_problem(&malformed, 400);
    let wrong_type = app
        .http
        .post(format!("{}/api/v1/needs", app.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hej")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    assert!(
        wrong_type.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
}

on_both_backends!(
    need_fields,
    strategy_solution_adoption_fields,
    query_parameters_and_bodies
);
