//! Joint procurements over HTTP: the stage machine, who may manage what, participation,
//! a tenant matrix, the threshold check, the OCDS and CSV exports, expiring contracts,
//! list filters, framework agreements in the catalog, and validation.

use std::path::PathBuf;

use chrono::{Months, NaiveDate};
use reqwest::StatusCode;
use samverkan_domain::Role;
use samverkan_e2e::{Backend, Reply, TestApp, assert_problem, on_both_backends};
use serde_json::{Value, json};

use crate::fixtures;

const P: &str = "/api/v1/procurements";

/// Every stage, in process order.
const STAGES: [&str; 9] = [
    "need_analysis",
    "market_dialogue",
    "specification",
    "tender_published",
    "evaluation",
    "award",
    "contract_signed",
    "follow_up",
    "cancelled",
];

/// The stages allowed after `from`, as the process describes them (written out
/// here rather than taken from the domain crate, so a change there is noticed).
fn allowed_after(from: &str) -> &'static [&'static str] {
    match from {
        "need_analysis" => &["market_dialogue", "specification", "cancelled"],
        "market_dialogue" => &["specification", "cancelled"],
        "specification" => &["market_dialogue", "tender_published", "cancelled"],
        "tender_published" => &["evaluation", "cancelled"],
        "evaluation" => &["award", "cancelled"],
        "award" => &["contract_signed", "evaluation", "cancelled"],
        "contract_signed" => &["follow_up"],
        "follow_up" | "cancelled" => &[],
        other => panic!("unknown stage {other}"),
    }
}

/// Today in UTC, for dates that only need to be roughly "now" (deadlines weeks ahead);
/// exact comparisons use the server's day ([`Created::today`]), which is Swedish time.
fn utc_today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A procurement created over the API, with the body it was created from.
struct Created {
    path: String,
    id: String,
    body: Value,
    /// The server's today when it was created (the day need analysis began).
    today: NaiveDate,
}

/// The day the procurement in `body` entered need analysis: the server's today.
fn server_today(body: &Value) -> NaiveDate {
    entered_on(body, "need_analysis")
        .as_str()
        .unwrap_or_else(|| panic!("no need analysis date: {body}"))
        .parse()
        .unwrap()
}

async fn create(app: &TestApp, token: &str, body: Value) -> Created {
    let reply = app.post(P, Some(token), &body).await;
    assert_eq!(reply.status, 201, "create: {}", reply.body);
    let id = reply.body["id"].as_str().unwrap().to_string();
    Created {
        path: format!("{P}/{id}"),
        id,
        body,
        today: server_today(&reply.body),
    }
}

async fn transition(app: &TestApp, token: Option<&str>, path: &str, to: &str) -> Reply {
    app.post(&format!("{path}/transitions"), token, &json!({ "to": to }))
        .await
}

/// Moves through `stages`, each of which must be allowed.
async fn walk(app: &TestApp, token: &str, p: &Created, stages: &[&str]) {
    for to in stages {
        let reply = transition(app, Some(token), &p.path, to).await;
        assert_eq!(reply.status, 200, "to {to}: {}", reply.body);
    }
}

/// The lead invites `org`, which answers with `state` using its own token.
async fn invite_and_answer(
    app: &TestApp,
    lead: &str,
    p: &Created,
    (org, token): (&str, &str),
    state: &str,
) -> Reply {
    let invited = app
        .post(
            &format!("{}/participants", p.path),
            Some(lead),
            &json!({"organisation_id": org, "state": "invited"}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    app.put(
        &format!("{}/participants/{org}", p.path),
        Some(token),
        &invited.etag(),
        &fixtures::participation(state),
    )
    .await
}

/// The stages from need analysis to the award.
const TO_AWARD: &[&str] = &["specification", "tender_published", "evaluation", "award"];

/// Walks a new procurement to the award and records `contract`.
async fn award_with(app: &TestApp, token: &str, p: &Created, contract: Value) -> Reply {
    walk(app, token, p, TO_AWARD).await;
    record_contract(app, token, p, contract).await
}

/// Replaces the procurement with its creation body plus `contract`.
async fn record_contract(app: &TestApp, token: &str, p: &Created, contract: Value) -> Reply {
    let etag = app.get(&p.path, Some(token)).await.etag();
    let mut body = p.body.clone();
    body["contract"] = contract;
    app.put(&p.path, Some(token), &etag, &body).await
}

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {}", reply.body))
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// The ids in a list, sorted, for comparisons that do not depend on order.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn entered_on(body: &Value, stage: &str) -> Value {
    body["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == stage)
        .map(|s| s["entered_on"].clone())
        .unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------
// 1. The stage machine

/// A legal move: 200, a new ETag, the stage and its actual date updated.
async fn expect_legal(app: &TestApp, token: &str, p: &Created, from_version: i64, to: &str) {
    let reply = transition(app, Some(token), &p.path, to).await;
    assert_eq!(reply.status, 200, "to {to}: {}", reply.body);
    assert_eq!(reply.body["stage"], to);
    assert_eq!(reply.body["version"], from_version + 1, "to {to}");
    assert_eq!(reply.etag(), format!("\"v{}\"", from_version + 1));
    assert_eq!(
        entered_on(&reply.body, to),
        json!(p.today.to_string()),
        "entered_on of {to}"
    );
    assert_eq!(
        strings(&reply.body["allowed_next_stages"]),
        allowed_after(to),
        "allowed next after {to}"
    );
}

/// Tries every target not allowed from `from`: each gets 409 naming the allowed stages,
/// and nothing changes.
async fn expect_all_illegal_refused(app: &TestApp, token: &str, p: &Created, from: &str) {
    let before = app.get(&p.path, Some(token)).await;
    assert_eq!(before.body["stage"], from);
    let allowed = allowed_after(from);
    for to in STAGES.iter().filter(|s| !allowed.contains(s)) {
        let reply = transition(app, Some(token), &p.path, to).await;
        assert_problem(&reply, 409);
        assert_eq!(
            strings(&reply.body["allowed_next"]),
            allowed,
            "{from} -> {to}: {}",
            reply.body
        );
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(to) && allowed.iter().all(|a| detail.contains(a)),
            "{from} -> {to}: the message names the stages: {detail}"
        );
    }
    let after = app.get(&p.path, Some(token)).await;
    assert_eq!(after.body["stage"], from, "refusals changed the stage");
    assert_eq!(after.etag(), before.etag(), "refusals changed the version");
    assert_eq!(after.body["stages"], before.body["stages"]);
}

async fn stage_transitions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);

    // The main route visits every stage but cancelled, going back where the process
    // allows it (specification -> market dialogue, award -> evaluation).
    let p = create(
        &app,
        &lead,
        fixtures::procurement("Digitala lås", "internal"),
    )
    .await;
    let route = [
        "market_dialogue",
        "specification",
        "market_dialogue",
        "specification",
        "tender_published",
        "evaluation",
        "award",
    ];
    let mut version = 1;
    let mut tried = vec!["need_analysis"];
    expect_all_illegal_refused(&app, &lead, &p, "need_analysis").await;
    for to in route {
        expect_legal(&app, &lead, &p, version, to).await;
        version += 1;
        if !tried.contains(&to) {
            tried.push(to);
            expect_all_illegal_refused(&app, &lead, &p, to).await;
        }
    }

    // A contract recorded at the award is annulled with it when a review orders a
    // re-evaluation: it is no longer shown, nor blocks editing in evaluation.
    let recorded = record_contract(
        &app,
        &lead,
        &p,
        fixtures::contract("2027-01-01", "2028-12-31"),
    )
    .await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(
        recorded.body["contract"]["supplier_name"],
        "Låsteknik i Syd AB"
    );
    version += 1;
    expect_legal(&app, &lead, &p, version, "evaluation").await;
    version += 1;
    let reevaluating = app.get(&p.path, Some(&lead)).await;
    assert_eq!(reevaluating.body["contract"], Value::Null);
    let edited = app
        .put(&p.path, Some(&lead), &reevaluating.etag(), &p.body)
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    version += 1;
    expect_legal(&app, &lead, &p, version, "award").await;
    version += 1;

    // Signing needs a recorded contract: refused with the allowed stages named.
    let refused = transition(&app, Some(&lead), &p.path, "contract_signed").await;
    assert_problem(&refused, 409);
    assert_eq!(
        strings(&refused.body["allowed_next"]),
        ["contract_signed", "evaluation", "cancelled"]
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("record the contract"),
        "{}",
        refused.body
    );
    let stored = app.get(&p.path, Some(&lead)).await;
    assert_eq!(stored.body["stage"], "award");
    assert_eq!(stored.body["version"], version);
    let recorded = record_contract(
        &app,
        &lead,
        &p,
        fixtures::contract("2027-01-01", "2028-12-31"),
    )
    .await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    version += 1;
    expect_legal(&app, &lead, &p, version, "contract_signed").await;
    version += 1;
    expect_all_illegal_refused(&app, &lead, &p, "contract_signed").await;
    expect_legal(&app, &lead, &p, version, "follow_up").await;
    expect_all_illegal_refused(&app, &lead, &p, "follow_up").await;
    // Once signed, the contract stays recorded: it can be corrected, not removed.
    let signed = app.get(&p.path, Some(&lead)).await;
    let removed = app.put(&p.path, Some(&lead), &signed.etag(), &p.body).await;
    assert_problem(&removed, 400);
    assert_eq!(removed.error_fields(), ["contract"]);
    let mut corrected = p.body.clone();
    corrected["contract"] = fixtures::contract("2027-01-01", "2029-06-30");
    let corrected = app
        .put(&p.path, Some(&lead), &signed.etag(), &corrected)
        .await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
    assert_eq!(corrected.body["contract"]["ends_on"], "2029-06-30");

    // Cancelling from every stage that allows it, each on its own procurement reached
    // by the shortest route. Only need analysis may be deleted; later ones are cancelled.
    let routes: [&[&str]; 6] = [
        &[],
        &["market_dialogue"],
        &["specification"],
        &["specification", "tender_published"],
        &["specification", "tender_published", "evaluation"],
        TO_AWARD,
    ];
    for (i, route) in routes.iter().enumerate() {
        let p = create(
            &app,
            &lead,
            fixtures::procurement("Avbruten upphandling", "internal"),
        )
        .await;
        walk(&app, &lead, &p, route).await;
        let mut version = 1 + route.len() as i64;
        if i == 1 {
            assert_problem(&app.delete(&p.path, Some(&lead)).await, 409);
        }
        if i == 5 {
            let contract = fixtures::contract("2027-01-01", "2028-12-31");
            let recorded = record_contract(&app, &lead, &p, contract).await;
            assert_eq!(recorded.status, 200, "{}", recorded.body);
            version += 1;
        }
        expect_legal(&app, &lead, &p, version, "cancelled").await;
        if i == 0 {
            expect_all_illegal_refused(&app, &lead, &p, "cancelled").await;
        }
        if i == 5 {
            let cancelled = app.get(&p.path, Some(&lead)).await;
            assert_eq!(
                cancelled.body["contract"],
                Value::Null,
                "the award was annulled"
            );
        }
    }

    // The actual date may be given, but not in the future nor before the current stage.
    let p = create(
        &app,
        &lead,
        fixtures::procurement("Datum för stegen", "internal"),
    )
    .await;
    let tomorrow = p.today.succ_opt().unwrap();
    let yesterday = p.today.pred_opt().unwrap();
    for day in [tomorrow, yesterday] {
        let reply = app
            .post(
                &format!("{}/transitions", p.path),
                Some(&lead),
                &json!({"to": "market_dialogue", "on": day}),
            )
            .await;
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields(), ["on"], "on {day}");
    }
    assert_eq!(app.get(&p.path, Some(&lead)).await.body["version"], 1);
    assert_eq!(app.delete(&p.path, Some(&lead)).await.status, 204);
    assert_eq!(app.get(&p.path, Some(&lead)).await.status, 404);
}

// ---------------------------------------------------------------------------------------
// 2. Only the lead manages

async fn only_the_lead_manages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let lund = app.token("1281", &[Role::ProcurementOfficer]);
    let callers: [(&str, Option<String>); 6] = [
        ("anonymous", None),
        ("participant's officer", Some(lund.clone())),
        (
            "other organisation's officer",
            Some(app.token("1282", &[Role::ProcurementOfficer])),
        ),
        (
            "lead organisation's strategist",
            Some(app.token("1280", &[Role::Strategist])),
        ),
        (
            "lead organisation's viewer",
            Some(app.token("1280", &[Role::Viewer])),
        ),
        (
            "coordinator",
            Some(app.token("region-skane", &[Role::Coordinator])),
        ),
    ];
    // (visibility, expected status per caller)
    let cases = [
        ("internal", [401, 403, 404, 403, 403, 403]),
        ("public", [401, 403, 403, 403, 403, 403]),
    ];
    for (visibility, expected) in cases {
        let p = create(
            &app,
            &lead,
            fixtures::procurement("Trygghetslarm", visibility),
        )
        .await;
        let answered = invite_and_answer(&app, &lead, &p, ("1281", &lund), "interested").await;
        assert_eq!(answered.status, 200, "{}", answered.body);
        let before = app.get(&p.path, Some(&lead)).await;
        for ((name, token), want) in callers.iter().zip(expected) {
            let token = token.as_deref();
            let what = format!("{visibility} procurement as {name}");
            let moved = transition(&app, token, &p.path, "market_dialogue").await;
            assert_problem(&moved, want);
            let mut edit = p.body.clone();
            edit["title"] = json!("Trygghetslarm, ändrad");
            let edited = app.put(&p.path, token, &before.etag(), &edit).await;
            assert_eq!(edited.status.as_u16(), want, "PUT {what}: {}", edited.body);
            let deleted = app.delete(&p.path, token).await;
            assert_eq!(
                deleted.status.as_u16(),
                want,
                "DELETE {what}: {}",
                deleted.body
            );
        }
        let after = app.get(&p.path, Some(&lead)).await;
        assert_eq!(
            after.etag(),
            before.etag(),
            "{visibility}: refusals changed it"
        );
        assert_eq!(after.body["title"], "Trygghetslarm");
        assert_eq!(after.body["stage"], "need_analysis");
        // The lead itself may do all three.
        let edited = app.put(&p.path, Some(&lead), &after.etag(), &p.body).await;
        assert_eq!(edited.status, 200, "{}", edited.body);
        assert_eq!(
            transition(&app, Some(&lead), &p.path, "market_dialogue")
                .await
                .status,
            200
        );
        let p2 = create(&app, &lead, fixtures::procurement("Utkast", visibility)).await;
        assert_eq!(app.delete(&p2.path, Some(&lead)).await.status, 204);
    }
}

// ---------------------------------------------------------------------------------------
// 3. Participation

async fn participation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let lund = app.token("1281", &[Role::ProcurementOfficer]);
    let landskrona = app.token("1282", &[Role::ProcurementOfficer]);
    let eslov = app.token("1285", &[Role::ProcurementOfficer]);
    let p = create(
        &app,
        &lead,
        fixtures::procurement("Trygghetslarm", "internal"),
    )
    .await;
    let participants = format!("{}/participants", p.path);
    let of = |org: &str| format!("{participants}/{org}");

    // The lead invites; an invitation is `invited` with nothing the invitee gives itself.
    let mut bad = fixtures::participation("invited");
    bad["organisation_id"] = json!("1281");
    let refused = app.post(&participants, Some(&lead), &bad).await;
    assert_problem(&refused, 400);
    assert_eq!(
        refused.error_fields(),
        ["estimated_value_sek", "volume_description", "contact"]
    );
    let refused = app
        .post(
            &participants,
            Some(&lead),
            &json!({"organisation_id": "1281", "state": "interested"}),
        )
        .await;
    assert_problem(&refused, 400);
    assert_eq!(refused.error_fields(), ["state"]);
    assert_eq!(
        app.get(&participants, Some(&lead)).await.body,
        json!([]),
        "refused invitations stored nothing"
    );
    let invitation = |org: &str| json!({"organisation_id": org, "state": "invited", "note": "Välkomna att delta!"});
    let invited = app
        .post(&participants, Some(&lead), &invitation("1281"))
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert_eq!(invited.body["state"], "invited");
    assert_eq!(invited.body["mandate_signed_on"], Value::Null);
    assert_eq!(
        invited.headers["location"],
        format!("{participants}/1281").as_str()
    );
    let second = app
        .post(&participants, Some(&lead), &invitation("1282"))
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_problem(
        &app.post(&participants, Some(&lead), &invitation("1281"))
            .await,
        409,
    );
    // Invited organisations can read the internal procurement.
    assert_eq!(app.get(&p.path, Some(&lund)).await.status, 200);

    // Lund answers with its volume and contact person.
    let answered = app
        .put(
            &of("1281"),
            Some(&lund),
            &invited.etag(),
            &fixtures::participation("interested"),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    assert_eq!(answered.body["state"], "interested");
    assert_eq!(
        answered.body["volume_description"],
        "120 dörrar i hemtjänsten"
    );
    assert_eq!(answered.body["estimated_value_sek"], "450000.00");
    assert_eq!(answered.body["contact"]["name"], "Lars Nilsson");
    assert_eq!(answered.etag(), "\"v2\"");

    // Nobody else changes Lund's participation: not the lead, not another participant.
    for (name, token) in [("lead", &lead), ("Landskrona", &landskrona)] {
        let reply = app
            .put(
                &of("1281"),
                Some(token),
                &answered.etag(),
                &fixtures::participation("withdrawn"),
            )
            .await;
        assert_problem(&reply, 403);
        assert!(
            reply.body["detail"].as_str().unwrap().contains("1281"),
            "{name}"
        );
    }
    // Nor by naming another organisation in the body of its own path.
    let mut other = fixtures::participation("interested");
    other["organisation_id"] = json!("1282");
    let reply = app
        .put(&of("1281"), Some(&lund), &answered.etag(), &other)
        .await;
    assert_problem(&reply, 400);
    assert_eq!(reply.error_fields(), ["organisation_id"]);

    // Signing the mandate records the day.
    let signed = app
        .put(
            &of("1281"),
            Some(&lund),
            &answered.etag(),
            &fixtures::participation("mandate_signed"),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.body["mandate_signed_on"], p.today.to_string());
    assert_eq!(strings(&signed.body["allowed_next_states"]), ["withdrawn"]);
    // A signed mandate cannot go back.
    for back in ["interested", "invited"] {
        let reply = app
            .put(
                &of("1281"),
                Some(&lund),
                &signed.etag(),
                &fixtures::participation(back),
            )
            .await;
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields(), ["state"], "back to {back}");
    }
    let read = app.get(&of("1281"), Some(&lund)).await;
    assert_eq!(read.body["state"], "mandate_signed");
    assert_eq!(read.etag(), signed.etag());

    // Invitations are removed only while unanswered, and only by the lead.
    assert_problem(&app.delete(&of("1282"), Some(&lund)).await, 403);
    assert_problem(&app.delete(&of("1281"), Some(&lead)).await, 409);
    assert_eq!(app.delete(&of("1282"), Some(&lead)).await.status, 204);
    assert_eq!(app.get(&of("1282"), Some(&lead)).await.status, 404);
    let listed = app.get(&participants, Some(&lead)).await;
    let orgs: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["organisation_id"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["1281"]);
    // Landskrona, no longer invited, cannot see the internal procurement any more.
    assert_eq!(app.get(&p.path, Some(&landskrona)).await.status, 404);

    // Registering oneself: an internal procurement does not exist for outsiders.
    let interested = json!({"state": "interested", "volume_description": "40 dörrar"});
    assert_problem(
        &app.post(&participants, Some(&eslov), &interested).await,
        404,
    );
    let public = create(
        &app,
        &lead,
        fixtures::procurement("Öppen upphandling", "public"),
    )
    .await;
    let public_participants = format!("{}/participants", public.path);
    let as_invited = app
        .post(
            &public_participants,
            Some(&eslov),
            &json!({"state": "invited"}),
        )
        .await;
    assert_problem(&as_invited, 400);
    assert_eq!(as_invited.error_fields(), ["state"]);
    let registered = app
        .post(&public_participants, Some(&eslov), &interested)
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    assert_eq!(registered.body["organisation_id"], "1285");
    assert_eq!(registered.body["state"], "interested");
    assert_problem(
        &app.post(&public_participants, Some(&eslov), &interested)
            .await,
        409,
    );
    // Registering another organisation is the lead's (as an invitation) only.
    let for_lund = app
        .post(
            &public_participants,
            Some(&eslov),
            &json!({"organisation_id": "1281", "state": "interested"}),
        )
        .await;
    assert_problem(&for_lund, 403);
    // The lead leads; it does not take part in its own procurement...
    let itself = app
        .post(&public_participants, Some(&lead), &interested)
        .await;
    assert_problem(&itself, 409);
    // ...unless an external body leads and the managing organisation signs a mandate to it.
    let mut body = fixtures::procurement("Avrop via Adda", "internal");
    body["external_lead"] = json!({"name": "Adda Inköpscentral AB"});
    let external = create(&app, &lead, body).await;
    let follower = app
        .post(
            &format!("{}/participants", external.path),
            Some(&lead),
            &fixtures::participation("mandate_signed"),
        )
        .await;
    assert_eq!(follower.status, 201, "{}", follower.body);
    assert_eq!(follower.body["organisation_id"], "1280");
    assert_eq!(
        follower.body["mandate_signed_on"],
        external.today.to_string()
    );
    // Withdrawing and coming back.
    let withdrawn = app
        .put(
            &format!("{public_participants}/1285"),
            Some(&eslov),
            &registered.etag(),
            &json!({"state": "withdrawn"}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(
        strings(&withdrawn.body["allowed_next_states"]),
        ["interested"]
    );
}

// ---------------------------------------------------------------------------------------
// 4. Tenant matrix

/// Downloads the CSV export as raw bytes.
async fn csv_export(
    app: &TestApp,
    query: &str,
    token: Option<&str>,
) -> (StatusCode, String, Vec<u8>) {
    let mut req = app.http.get(format!("{}{P}.csv{query}", app.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, content_type, resp.bytes().await.unwrap().to_vec())
}

/// Parses a CSV export (after its byte-order mark) into its header and rows.
fn parse_csv(bytes: &[u8], delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or_else(|| {
        panic!(
            "no UTF-8 byte-order mark: {:?}",
            &bytes[..bytes.len().min(8)]
        )
    });
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(body);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

async fn tenant_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let lund = app.token("1281", &[Role::ProcurementOfficer]);
    let callers: [(&str, Option<String>); 6] = [
        ("anonymous", None),
        ("lead officer", Some(lead.clone())),
        ("participant officer", Some(lund.clone())),
        (
            "other officer",
            Some(app.token("1282", &[Role::ProcurementOfficer])),
        ),
        (
            "coordinator",
            Some(app.token("region-skane", &[Role::Coordinator])),
        ),
        ("lead viewer", Some(app.token("1280", &[Role::Viewer]))),
    ];
    let mut made = vec![];
    for visibility in ["public", "internal"] {
        let p = create(
            &app,
            &lead,
            fixtures::procurement("Trygghetslarm", visibility),
        )
        .await;
        let answered = invite_and_answer(&app, &lead, &p, ("1281", &lund), "mandate_signed").await;
        assert_eq!(answered.status, 200, "{}", answered.body);
        made.push((visibility, p));
    }
    // Who sees the internal one (same order as the callers).
    let sees_internal = [false, true, true, false, true, true];
    for ((name, token), internal_ok) in callers.iter().zip(sees_internal) {
        let token = token.as_deref();
        let list = app.get(&format!("{P}?limit=100"), token).await;
        assert_eq!(list.status, 200);
        let listed = ids(&list);
        let (_, _, csv_bytes) = csv_export(&app, "", token).await;
        let (_, rows) = parse_csv(&csv_bytes, b',');
        let in_csv: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        for (visibility, p) in &made {
            let visible = *visibility == "public" || internal_ok;
            let want = if visible { 200 } else { 404 };
            let what = format!("{visibility} procurement as {name}");
            let got = app.get(&p.path, token).await;
            assert_eq!(got.status.as_u16(), want, "GET {what}");
            let parts = app.get(&format!("{}/participants", p.path), token).await;
            assert_eq!(parts.status.as_u16(), want, "participants of {what}");
            let one = app
                .get(&format!("{}/participants/1281", p.path), token)
                .await;
            assert_eq!(one.status.as_u16(), want, "participant of {what}");
            let ocds = app.get(&format!("{}/ocds", p.path), token).await;
            assert_eq!(ocds.status.as_u16(), want, "OCDS of {what}");
            assert_eq!(listed.contains(&p.id), visible, "list membership of {what}");
            assert_eq!(
                in_csv.contains(&p.id.as_str()),
                visible,
                "CSV membership of {what}"
            );
            if !visible {
                continue;
            }
            // Contact persons are personal data: every signed-in caller sees them,
            // anonymous callers never, in any view.
            let staff = token.is_some();
            let listed_item = list.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == p.id.as_str())
                .unwrap();
            for (view, contact) in [
                ("GET", &got.body["contact"]),
                ("list", &listed_item["contact"]),
                ("GET participants", &parts.body[0]["contact"]),
                ("GET participant", &one.body["contact"]),
                (
                    "participant in GET",
                    &got.body["participants"][0]["contact"],
                ),
            ] {
                assert_eq!(!contact.is_null(), staff, "contact in {view} of {what}");
            }
            if staff {
                assert_eq!(got.body["contact"]["name"], "Karin Berg");
                assert_eq!(parts.body[0]["contact"]["name"], "Lars Nilsson");
            }
            let exported = ocds.body.to_string();
            assert!(
                !exported.contains("Karin Berg") && !exported.contains("Lars Nilsson"),
                "the OCDS export holds no contact persons"
            );
            let csv_text = String::from_utf8(csv_bytes.clone()).unwrap();
            assert!(!csv_text.contains("Karin Berg") && !csv_text.contains("Lars Nilsson"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// 5. Threshold classification

async fn thresholds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    // (category, value, rule, EU threshold that applies)
    let cases = [
        ("services", "2389584.99", "below_eu_threshold", "2389585.00"),
        ("services", "2389585", "above_eu_threshold", "2389585.00"),
        ("services", "2389585.01", "above_eu_threshold", "2389585.00"),
        ("works", "59880178.99", "below_eu_threshold", "59880179.00"),
        ("works", "59880179", "above_eu_threshold", "59880179.00"),
        ("works", "59880179.01", "above_eu_threshold", "59880179.00"),
        (
            "social_services",
            "8109449.99",
            "below_eu_threshold",
            "8109450.00",
        ),
        (
            "social_services",
            "8109450",
            "above_eu_threshold",
            "8109450.00",
        ),
        (
            "social_services",
            "8109450.01",
            "above_eu_threshold",
            "8109450.00",
        ),
        ("goods", "699999.99", "direct_award_allowed", "2389585.00"),
        ("goods", "700000", "below_eu_threshold", "2389585.00"),
        ("goods", "700000.01", "below_eu_threshold", "2389585.00"),
    ];
    for (category, value, rule, eu) in cases {
        let mut body = fixtures::procurement("Tröskelvärden", "internal");
        body["category"] = json!(category);
        body["estimated_value_sek"] = json!(value);
        body["planned_stages"] = json!([
            {"stage": "specification", "planned_on": "2025-03-01"},
            {"stage": "tender_published", "planned_on": "2025-06-01"}
        ]);
        let reply = app.post(P, Some(&lead), &body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let t = &reply.body["threshold"];
        let what = format!("{category} {value}: {t}");
        assert_eq!(t["rule"], rule, "{what}");
        assert_eq!(t["stale"], false, "{what}");
        assert_eq!(t["eu_threshold_sek"], eu, "{what}");
        assert_eq!(t["direct_award_limit_sek"], "700000.00", "{what}");
        assert_eq!(t["assessed_on"], "2025-06-01", "{what}");
        assert_eq!(t["period_from"], "2024-01-01");
        assert_eq!(t["period_to"], "2025-12-31");
        assert!(
            !t["explanation"]
                .as_str()
                .unwrap()
                .contains("Update the configuration"),
            "{what}"
        );
        assert_eq!(
            entered_on(&reply.body, "tender_published"),
            Value::Null,
            "a plan is not an actual date"
        );
        let planned = reply.body["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == "tender_published")
            .unwrap()["planned_on"]
            .clone();
        assert_eq!(planned, "2025-06-01");
    }

    // No plan: assessed today, after every configured period, so flagged as stale.
    let plain = app
        .post(
            P,
            Some(&lead),
            &fixtures::procurement("Utan tidsplan", "internal"),
        )
        .await;
    let t = &plain.body["threshold"];
    assert_eq!(t["stale"], true, "{t}");
    let today = server_today(&plain.body);
    assert_eq!(t["assessed_on"], today.to_string());
    assert_eq!(t["rule"], "above_eu_threshold");
    let explanation = t["explanation"].as_str().unwrap();
    assert!(
        explanation.contains(&format!("No threshold values are configured for {}", today))
            && explanation.contains("Update the configuration"),
        "{explanation}"
    );

    // A tender actually published today is assessed today, whatever the plan said.
    let mut body = fixtures::procurement("Publicerad idag", "internal");
    body["planned_stages"] = json!([{"stage": "tender_published", "planned_on": "2025-06-01"}]);
    let p = create(&app, &lead, body).await;
    assert_eq!(
        app.get(&p.path, Some(&lead)).await.body["threshold"]["stale"],
        false
    );
    walk(&app, &lead, &p, &["specification", "tender_published"]).await;
    let t = app.get(&p.path, Some(&lead)).await.body["threshold"].clone();
    assert_eq!(t["assessed_on"], p.today.to_string(), "{t}");
    assert_eq!(t["stale"], true, "{t}");
}

// ---------------------------------------------------------------------------------------
// 6. OCDS export

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The python with libcoveocds that `tests/run` installs.
fn ocds_python() -> PathBuf {
    if let Some(python) = std::env::var_os("SAMVERKAN_OCDS_PYTHON").filter(|p| !p.is_empty()) {
        return python.into();
    }
    let venv = workspace_root().join("tests/ocds/.venv/bin/python");
    assert!(
        venv.exists(),
        "the OCDS validator is not installed: run tests/run (it installs libcoveocds into \
         tests/ocds/.venv and sets SAMVERKAN_OCDS_PYTHON), or set SAMVERKAN_OCDS_PYTHON"
    );
    venv
}

/// Runs the official validator on every package at once; returns (name, valid, output).
async fn run_ocds_validator(packages: Vec<(String, Value)>) -> Vec<(String, bool, String)> {
    let dir = tempfile::tempdir().unwrap();
    let python = ocds_python();
    let root = workspace_root();
    let mut children = vec![];
    for (name, package) in packages {
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(&package).unwrap()).unwrap();
        let child = std::process::Command::new(&python)
            .arg(root.join("tests/ocds/validate.py"))
            .arg(&file)
            .current_dir(&root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run the OCDS validator {python:?}: {e}"));
        children.push((name, child));
    }
    tokio::task::spawn_blocking(move || {
        let results = children
            .into_iter()
            .map(|(name, child)| {
                let out = child.wait_with_output().unwrap();
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                match out.status.code() {
                    Some(0) => (name, true, text),
                    Some(1) => (name, false, text),
                    _ => panic!("the OCDS validator could not run on {name}: {text}"),
                }
            })
            .collect();
        drop(dir);
        results
    })
    .await
    .unwrap()
}

fn party<'a>(package: &'a Value, id: &str) -> &'a Value {
    package["releases"][0]["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no party {id} in {}", package["releases"][0]["parties"]))
}

fn roles(package: &Value, id: &str) -> Vec<String> {
    let mut roles = strings(&party(package, id)["roles"]);
    roles.sort();
    roles
}

async fn ocds_export(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let lund = app.token("1281", &[Role::ProcurementOfficer]);
    let eslov = app.token("1285", &[Role::ProcurementOfficer]);
    let today = utc_today();

    // Planning, with Lund signed up, Eslöv interested and Landskrona only invited.
    let planning = create(
        &app,
        &lead,
        fixtures::procurement("Digitala lås i hemtjänsten", "internal"),
    )
    .await;
    let participants = format!("{}/participants", planning.path);
    for org in ["1281", "1282", "1285"] {
        let invited = app
            .post(
                &participants,
                Some(&lead),
                &json!({"organisation_id": org, "state": "invited"}),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.body);
    }
    for (token, org, state) in [
        (&lund, "1281", "mandate_signed"),
        (&eslov, "1285", "interested"),
    ] {
        let reply = app
            .put(
                &format!("{participants}/{org}"),
                Some(token),
                "\"v1\"",
                &fixtures::participation(state),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    // Tender published with a closing date.
    let mut body = fixtures::procurement("Skolmåltider", "public");
    body["main_cpv"] = json!("15800000-6");
    body["additional_cpv"] = json!(["55520000-1", "15300000-1"]);
    body["category"] = json!("goods");
    body["deadlines"] = json!([
        {"kind": "tender_closing", "due_on": today.checked_add_months(Months::new(1)).unwrap(), "description": "Sista anbudsdag"},
        {"kind": "questions", "due_on": today.checked_add_days(chrono::Days::new(10)).unwrap()}
    ]);
    let tender = create(&app, &lead, body).await;
    walk(&app, &lead, &tender, &["specification", "tender_published"]).await;

    // Awarded and signed, with a contract and its supplier; Lund signed its mandate.
    let mut body = fixtures::procurement("Ramavtal för lås", "public");
    body["framework"] = json!({"duration_months": 24, "option_years": 2});
    let signed = create(&app, &lead, body).await;
    let reply = invite_and_answer(&app, &lead, &signed, ("1281", &lund), "mandate_signed").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    walk(&app, &lead, &signed, TO_AWARD).await;
    let mut contract = fixtures::contract("2027-01-01", "2028-12-31");
    contract["ends_on_with_options"] = json!("2030-12-31");
    let recorded = record_contract(&app, &lead, &signed, contract).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    walk(&app, &lead, &signed, &["contract_signed"]).await;

    // Cancelled during the tender.
    let cancelled = create(&app, &lead, fixtures::procurement("Avbruten", "internal")).await;
    walk(
        &app,
        &lead,
        &cancelled,
        &["specification", "tender_published", "cancelled"],
    )
    .await;

    // Led by an external central purchasing body, followed by Malmö.
    let mut body = fixtures::procurement("Avrop via Adda", "public");
    // Adda Inköpscentral AB's number as given in the brief, 556578-1459, fails the Luhn
    // check (see `validation`); this one has a correct check digit.
    body["external_lead"] =
        json!({"name": "Adda Inköpscentral AB", "organisation_number": "556578-1456"});
    body["procedure"] = json!("framework_call_off");
    let external = create(&app, &lead, body).await;

    let mut packages = vec![];
    for (name, p) in [
        ("planning", &planning),
        ("tender", &tender),
        ("contract", &signed),
        ("cancelled", &cancelled),
        ("external", &external),
    ] {
        let reply = app.get(&format!("{}/ocds", p.path), Some(&lead)).await;
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        assert!(
            reply.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        packages.push((name.to_string(), reply.body));
    }
    // A broken copy must be refused, or the validator proves nothing.
    let mut broken = packages[2].1.clone();
    broken["releases"][0]["tender"]["value"]["amount"] = json!("2400000");
    broken["releases"][0]["tag"] = json!(["signed"]);
    let mut to_check = packages.clone();
    to_check.push(("broken".into(), broken));
    for (name, valid, output) in run_ocds_validator(to_check).await {
        assert_eq!(valid, name != "broken", "{name}: {output}");
    }
    let get = |name: &str| &packages.iter().find(|(n, _)| n == name).unwrap().1;

    // Planning: the lead buys and procures, mandate-signed participants buy, others are
    // interested parties.
    let pkg = get("planning");
    let release = &pkg["releases"][0];
    assert_eq!(release["tag"], json!(["planning"]));
    assert_eq!(release["tender"]["status"], "planning");
    assert_eq!(roles(pkg, "1280"), ["buyer", "procuringEntity"]);
    assert_eq!(roles(pkg, "1281"), ["buyer"]);
    assert_eq!(roles(pkg, "1282"), ["interestedParty"]);
    assert_eq!(roles(pkg, "1285"), ["interestedParty"]);
    assert_eq!(party(pkg, "1280")["name"], "Malmö");
    assert_eq!(release["buyer"]["id"], "1280");
    assert_eq!(release["tender"]["procuringEntity"]["id"], "1280");
    assert_eq!(
        release["planning"]["budget"]["amount"]["amount"],
        json!(2400000.0)
    );
    assert_eq!(release["planning"]["budget"]["amount"]["currency"], "SEK");
    assert_eq!(
        release["tender"]["items"][0]["classification"],
        json!({"scheme": "CPV", "id": "48000000"})
    );
    assert!(release["awards"].is_null() && release["contracts"].is_null());

    // Tender: the tender period ends on the closing day.
    let release = &get("tender")["releases"][0];
    assert_eq!(release["tag"], json!(["tender"]));
    assert_eq!(release["tender"]["status"], "active");
    assert_eq!(release["tender"]["mainProcurementCategory"], "goods");
    let closing = today.checked_add_months(Months::new(1)).unwrap();
    assert_eq!(
        release["tender"]["tenderPeriod"],
        json!({"startDate": format!("{}T00:00:00Z", tender.today), "endDate": format!("{closing}T23:59:59Z")})
    );
    assert_eq!(
        release["tender"]["items"][0]["additionalClassifications"],
        json!([{"scheme": "CPV", "id": "55520000"}, {"scheme": "CPV", "id": "15300000"}])
    );

    // Contract signed: award and contract with the supplier.
    let pkg = get("contract");
    let release = &pkg["releases"][0];
    assert_eq!(release["tag"], json!(["contract"]));
    assert_eq!(roles(pkg, "supplier-1"), ["supplier"]);
    assert_eq!(party(pkg, "supplier-1")["name"], "Låsteknik i Syd AB");
    assert_eq!(party(pkg, "supplier-1")["identifier"]["id"], "5560360793");
    assert_eq!(roles(pkg, "1281"), ["buyer"]);
    assert_eq!(roles(pkg, "1280"), ["buyer", "procuringEntity"]);
    assert_eq!(release["awards"][0]["status"], "active");
    assert_eq!(release["awards"][0]["suppliers"][0]["id"], "supplier-1");
    assert_eq!(release["awards"][0]["value"]["amount"], json!(2150000.5));
    let contract = &release["contracts"][0];
    assert_eq!(contract["awardID"], release["awards"][0]["id"]);
    assert_eq!(contract["status"], "active");
    assert_eq!(
        contract["dateSigned"],
        format!("{}T00:00:00Z", signed.today)
    );
    assert_eq!(contract["period"]["endDate"], "2028-12-31T23:59:59Z");
    assert_eq!(contract["period"]["maxExtentDate"], "2030-12-31T23:59:59Z");

    // Cancelled.
    let release = &get("cancelled")["releases"][0];
    assert_eq!(release["tag"], json!(["tenderCancellation"]));
    assert_eq!(release["tender"]["status"], "cancelled");

    // External lead: it procures; the managing municipality buys.
    let pkg = get("external");
    let release = &pkg["releases"][0];
    assert_eq!(roles(pkg, "external-lead"), ["procuringEntity"]);
    assert_eq!(party(pkg, "external-lead")["name"], "Adda Inköpscentral AB");
    assert_eq!(
        party(pkg, "external-lead")["identifier"],
        json!({"scheme": "SE-BLV", "id": "5565781456", "legalName": "Adda Inköpscentral AB"})
    );
    assert_eq!(roles(pkg, "1280"), ["buyer"]);
    assert_eq!(release["tender"]["procuringEntity"]["id"], "external-lead");
    assert_eq!(release["tender"]["procurementMethod"], "limited");
}

// ---------------------------------------------------------------------------------------
// 7. CSV export

async fn csv_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let software = create(
        &app,
        &lead,
        fixtures::procurement("Trygghetslarm för äldreomsorgen i Höör", "public"),
    )
    .await;
    let mut body = fixtures::procurement(
        "Skolmåltider, \"ekologiska\"; Ängelholm och Åstorp",
        "public",
    );
    body["main_cpv"] = json!("15800000-6");
    body["additional_cpv"] = json!([]);
    let food = create(&app, &lead, body).await;
    let mut body = fixtures::procurement("Kontorsmöbler", "internal");
    body["main_cpv"] = json!("39100000-3");
    body["additional_cpv"] = json!(["48000000-8"]);
    let furniture = create(&app, &lead, body).await;
    walk(&app, &lead, &food, &["market_dialogue"]).await;

    let (status, content_type, bytes) = csv_export(&app, "?cpv_prefix=48", Some(&lead)).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFid,title,stage,"),
        "{:?}",
        &bytes[..20]
    );
    let (header, rows) = parse_csv(&bytes, b',');
    assert_eq!(
        header,
        [
            "id",
            "title",
            "stage",
            "managing_organisation_id",
            "lead",
            "main_cpv",
            "additional_cpv",
            "procedure",
            "category",
            "estimated_value_sek",
            "framework_agreement",
            "threshold_rule",
            "participants",
            "mandates_signed",
            "next_deadline",
            "next_deadline_kind",
            "contract_supplier",
            "contract_value_sek",
            "contract_ends_on",
            "visibility",
            "updated_at",
        ]
    );
    // Main or additional CPV codes match; the food procurement does not.
    let got = sorted(rows.iter().map(|r| r[0].clone()).collect());
    assert_eq!(got, sorted(vec![software.id.clone(), furniture.id.clone()]));
    let row = rows.iter().find(|r| r[0] == software.id).unwrap();
    assert_eq!(row[1], "Trygghetslarm för äldreomsorgen i Höör");
    assert_eq!(row[2], "need_analysis");
    assert_eq!(row[5], "48000000-8");
    assert_eq!(row[6], "72000000-5");
    assert_eq!(row[9], "2400000.00");
    assert_eq!(row[19], "public");

    // Stage filter, with a semicolon for Swedish Excel; quotes and å/ä/ö survive.
    let (status, _, bytes) =
        csv_export(&app, "?stage=market_dialogue&delimiter=semicolon", None).await;
    assert_eq!(status, 200);
    let (header, rows) = parse_csv(&bytes, b';');
    assert_eq!(header.len(), 21);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], food.id);
    assert_eq!(
        rows[0][1],
        "Skolmåltider, \"ekologiska\"; Ängelholm och Åstorp"
    );
    assert_eq!(rows[0][2], "market_dialogue");

    // Filters are checked as for the list; a filter matching nothing gives the header only.
    let (status, _, bytes) = csv_export(&app, "?delimiter=tab", None).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&bytes));
    let (status, _, bytes) = csv_export(&app, "?cpv_prefix=4x", None).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&bytes));
    let (status, _, bytes) = csv_export(&app, "?cpv_prefix=99", None).await;
    assert_eq!(status, 200);
    let (header, rows) = parse_csv(&bytes, b',');
    assert_eq!((header.len(), rows.len()), (21, 0));
}

// ---------------------------------------------------------------------------------------
// 8. Expiring contracts

async fn expiring(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let today = utc_today();
    let mut made = vec![];
    for (title, months) in [("Snart slut", 3), ("Långt kvar", 36)] {
        let p = create(&app, &lead, fixtures::procurement(title, "internal")).await;
        walk(&app, &lead, &p, TO_AWARD).await;
        let ends = today.checked_add_months(Months::new(months)).unwrap();
        let start = today.checked_sub_months(Months::new(12)).unwrap();
        let reply = record_contract(
            &app,
            &lead,
            &p,
            fixtures::contract(&start.to_string(), &ends.to_string()),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        made.push(p);
    }
    // A cancelled one ending soon is not a contract to re-procure.
    let cancelled = create(&app, &lead, fixtures::procurement("Avbruten", "internal")).await;
    walk(&app, &lead, &cancelled, TO_AWARD).await;
    let ends = today.checked_add_months(Months::new(2)).unwrap();
    let reply = record_contract(
        &app,
        &lead,
        &cancelled,
        fixtures::contract("2026-01-01", &ends.to_string()),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    walk(&app, &lead, &cancelled, &["cancelled"]).await;

    let soon = app
        .get(&format!("{P}/expiring?within_months=6"), Some(&lead))
        .await;
    assert_eq!(soon.status, 200, "{}", soon.body);
    assert_eq!(ids(&soon), [made[0].id.clone()]);
    let all = app
        .get(&format!("{P}/expiring?within_months=48"), Some(&lead))
        .await;
    assert_eq!(
        ids(&all),
        [made[0].id.clone(), made[1].id.clone()],
        "soonest first"
    );
    // Internal procurements stay internal here too.
    let other = app.token("1282", &[Role::ProcurementOfficer]);
    let hidden = app
        .get(&format!("{P}/expiring?within_months=48"), Some(&other))
        .await;
    assert_eq!(ids(&hidden), Vec::<String>::new());
    for bad in ["0", "121", "sex"] {
        let reply = app
            .get(&format!("{P}/expiring?within_months={bad}"), Some(&lead))
            .await;
        assert_problem(&reply, 400);
        assert!(
            reply.error_fields() == ["within_months"]
                || reply.body["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("within_months"),
            "within_months={bad}: {}",
            reply.body
        );
    }
}

// ---------------------------------------------------------------------------------------
// 9. List filters and "my organisation's procurements"

async fn filters_and_mine(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let malmo = app.token("1280", &[Role::ProcurementOfficer]);
    let lund = app.token("1281", &[Role::ProcurementOfficer]);
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    let today = utc_today();
    let day = |days: u64| today.checked_add_days(chrono::Days::new(days)).unwrap();

    // A: Malmö, software + IT services, 500,000, closes in 10 days, Lund takes part.
    let mut body = fixtures::procurement("Upphandling A", "internal");
    body["estimated_value_sek"] = json!("500000");
    body["deadlines"] = json!([
        {"kind": "mandate", "due_on": today.pred_opt().unwrap()},
        {"kind": "tender_closing", "due_on": day(10)}
    ]);
    let a = create(&app, &malmo, body).await;
    walk(&app, &malmo, &a, &["market_dialogue"]).await;
    let invited = app
        .post(
            &format!("{}/participants", a.path),
            Some(&malmo),
            &json!({"organisation_id": "1281", "state": "invited"}),
        )
        .await;
    assert_eq!(invited.status, 201);
    // B: Malmö, IT services, 3,000,000, closes in 60 days.
    let mut body = fixtures::procurement("Upphandling B", "internal");
    body["main_cpv"] = json!("72000000-5");
    body["additional_cpv"] = json!([]);
    body["estimated_value_sek"] = json!("3000000");
    body["deadlines"] = json!([{"kind": "tender_closing", "due_on": day(60)}]);
    let b = create(&app, &malmo, body).await;
    // C: Lund, furniture, 10,000,000, public.
    let mut body = fixtures::procurement("Upphandling C", "public");
    body["main_cpv"] = json!("39100000-3");
    body["additional_cpv"] = json!([]);
    body["category"] = json!("goods");
    body["estimated_value_sek"] = json!("10000000");
    let c = create(&app, &lund, body).await;

    let list = |query: String| {
        let app = &app;
        let token = coordinator.clone();
        async move {
            let reply = app.get(&format!("{P}?{query}"), Some(&token)).await;
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
            sorted(ids(&reply))
        }
    };
    let set = |ps: &[&Created]| sorted(ps.iter().map(|p| p.id.clone()).collect());
    let cases: Vec<(String, Vec<String>)> = vec![
        (String::new(), set(&[&a, &b, &c])),
        ("stage=market_dialogue".into(), set(&[&a])),
        ("stage=need_analysis".into(), set(&[&b, &c])),
        ("lead=1281".into(), set(&[&c])),
        ("lead=1280".into(), set(&[&a, &b])),
        ("participant=1281".into(), set(&[&a])),
        ("participant=1282".into(), vec![]),
        ("cpv_prefix=48".into(), set(&[&a])),
        ("cpv_prefix=72".into(), set(&[&a, &b])),
        ("cpv_prefix=7".into(), set(&[&a, &b])),
        ("cpv_prefix=391".into(), set(&[&c])),
        (format!("deadline_before={}", day(30)), set(&[&a])),
        (format!("deadline_before={}", day(60)), set(&[&a, &b])),
        (format!("deadline_before={}", day(5)), vec![]),
        ("value_min_sek=1000000".into(), set(&[&b, &c])),
        ("value_max_sek=500000".into(), set(&[&a])),
        ("value_max_sek=499999.99".into(), vec![]),
        (
            "value_min_sek=500000.01&value_max_sek=3000000".into(),
            set(&[&b]),
        ),
        (
            "lead=1280&cpv_prefix=72&value_min_sek=1000000".into(),
            set(&[&b]),
        ),
    ];
    for (query, want) in cases {
        assert_eq!(list(query.clone()).await, want, "?{query}");
    }
    let by_value = app
        .get(&format!("{P}?sort=-value"), Some(&coordinator))
        .await;
    assert_eq!(ids(&by_value), [c.id.clone(), b.id.clone(), a.id.clone()]);
    for bad in [
        "value_min_sek=mycket",
        "cpv_prefix=48000000-8",
        "lead=Malmö",
        "stage=done",
    ] {
        let reply = app.get(&format!("{P}?{bad}"), Some(&coordinator)).await;
        assert_problem(&reply, 400);
    }
    // What other organisations see is filtered by the same rules.
    let landskrona = app.token("1282", &[Role::ProcurementOfficer]);
    let seen = app.get(&format!("{P}?lead=1280"), Some(&landskrona)).await;
    assert_eq!(ids(&seen), Vec::<String>::new());

    // "Mine": led by or taking part, for any staff of the organisation.
    let mine = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(&format!("{P}/mine{query}"), Some(&token)).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            sorted(ids(&reply))
        }
    };
    assert_eq!(mine(malmo.clone(), "").await, set(&[&a, &b]));
    assert_eq!(mine(lund.clone(), "").await, set(&[&a, &c]));
    assert_eq!(
        mine(lund.clone(), "?stage=market_dialogue").await,
        set(&[&a])
    );
    assert_eq!(mine(landskrona.clone(), "").await, Vec::<String>::new());
    assert_eq!(
        mine(app.token("1281", &[Role::Viewer]), "").await,
        set(&[&a, &c])
    );
    assert_eq!(app.get(&format!("{P}/mine"), None).await.status, 401);
}

// ---------------------------------------------------------------------------------------
// 10. Framework agreements in the catalog

async fn framework_to_catalog(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let mut body = fixtures::procurement("Ramavtal digitala lås", "public");
    body["framework"] = json!({"duration_months": 24, "option_years": 2});
    let framework = create(&app, &lead, body).await;
    let mut solution = fixtures::solution("Ramavtal digitala lås");
    solution["kind"] = json!("framework_agreement");
    let publish = |p: &Created, body: &Value| {
        let path = format!("{}/solution", p.path);
        let body = body.clone();
        let app = &app;
        let lead = lead.clone();
        async move { app.post(&path, Some(&lead), &body).await }
    };

    // Not before it is awarded with a contract.
    assert_problem(&publish(&framework, &solution).await, 409);
    walk(&app, &lead, &framework, TO_AWARD).await;
    assert_problem(&publish(&framework, &solution).await, 409);
    let recorded = record_contract(
        &app,
        &lead,
        &framework,
        fixtures::contract("2027-01-01", "2028-12-31"),
    )
    .await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let mut software = solution.clone();
    software["kind"] = json!("software");
    let wrong_kind = publish(&framework, &software).await;
    assert_problem(&wrong_kind, 400);
    assert_eq!(wrong_kind.error_fields(), ["kind"]);
    // Only the lead publishes.
    let other = app
        .post(
            &format!("{}/solution", framework.path),
            Some(&app.token("1281", &[Role::ProcurementOfficer])),
            &solution,
        )
        .await;
    assert_problem(&other, 403);

    let published = publish(&framework, &solution).await;
    assert_eq!(published.status, 200, "{}", published.body);
    let solution_id = published.body["id"].as_str().unwrap().to_string();
    let read = app
        .get(&format!("/api/v1/solutions/{solution_id}"), None)
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["kind"], "framework_agreement");
    assert_eq!(read.body["procurement_id"], framework.id.as_str());
    assert_eq!(read.body["org_id"], "1280");
    let procurement = app.get(&framework.path, None).await;
    assert_eq!(procurement.body["solution_id"], solution_id.as_str());
    assert_problem(&publish(&framework, &solution).await, 409);

    // Removing the solution from the catalog unlinks it, so it can be published again.
    let strategist = app.token("1280", &[Role::Strategist]);
    let removed = app
        .delete(
            &format!("/api/v1/solutions/{solution_id}"),
            Some(&strategist),
        )
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let unlinked = app.get(&framework.path, None).await;
    assert_eq!(unlinked.body["solution_id"], Value::Null);
    assert_ne!(
        unlinked.etag(),
        procurement.etag(),
        "the procurement changed"
    );
    let republished = publish(&framework, &solution).await;
    assert_eq!(republished.status, 200, "{}", republished.body);
    let solution_id = republished.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&framework.path, None).await.body["solution_id"],
        solution_id.as_str()
    );

    // A one-off contract is no framework agreement.
    let one_off = create(&app, &lead, fixtures::procurement("Engångsköp", "public")).await;
    let recorded = award_with(
        &app,
        &lead,
        &one_off,
        fixtures::contract("2027-01-01", "2027-12-31"),
    )
    .await;
    assert_eq!(recorded.status, 200);
    let refused = publish(&one_off, &solution).await;
    assert_problem(&refused, 409);
    assert_eq!(
        app.get(&one_off.path, None).await.body["solution_id"],
        Value::Null
    );
    let catalog = app.get("/api/v1/solutions?limit=100", None).await;
    assert_eq!(ids(&catalog), [solution_id]);
}

// ---------------------------------------------------------------------------------------
// 11. Validation

async fn validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    // An internal need of Lund's: invisible to Malmö.
    let need = app
        .post(
            "/api/v1/needs",
            Some(&app.token("1281", &[Role::Strategist])),
            &fixtures::need("Lunds interna behov", "internal"),
        )
        .await;
    assert_eq!(need.status, 201, "{}", need.body);
    let lots = json!([
        {"title": "Delområde 1: lås", "estimated_value_sek": "1500000"},
        {"title": "Delområde 2: nycklar", "estimated_value_sek": "900000.01"}
    ]);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("main_cpv", json!("4800000-8"), "main_cpv"),
        ("main_cpv", json!("00000000-0"), "main_cpv"),
        (
            "additional_cpv",
            json!(["72000000-5", "72OOOOOO-5"]),
            "additional_cpv[1]",
        ),
        (
            "additional_cpv",
            json!(["72000000-5", "72000000-5"]),
            "additional_cpv[1]",
        ),
        ("lots", lots, "lots"),
        (
            "contract",
            fixtures::contract("2027-01-01", "2028-12-31"),
            "contract",
        ),
        ("need_ids", json!([need.body["id"]]), "need_ids[0]"),
        (
            "external_lead",
            json!({"name": "Adda Inköpscentral AB", "organisation_number": "556578-1459"}),
            "external_lead.organisation_number",
        ),
        (
            "estimated_value_sek",
            json!("2,4 miljoner"),
            "estimated_value_sek",
        ),
        (
            "framework",
            json!({"duration_months": 0}),
            "framework.duration_months",
        ),
    ];
    for (field, bad, named) in &cases {
        let mut body = fixtures::procurement("Ogiltig upphandling", "internal");
        body[*field] = bad.clone();
        let reply = app.post(P, Some(&lead), &body).await;
        assert_problem(&reply, 400);
        assert_eq!(
            reply.error_fields(),
            [*named],
            "{field} = {bad}: {}",
            reply.body
        );
    }
    // Lots that add up to exactly the total are fine.
    let mut body = fixtures::procurement("Med delområden", "internal");
    body["lots"] = json!([
        {"title": "Delområde 1: lås", "estimated_value_sek": "1500000"},
        {"title": "Delområde 2: nycklar", "estimated_value_sek": "900000.00"}
    ]);
    let ok = create(&app, &lead, body).await;
    // Nothing else was stored.
    let all = app.get(&format!("{P}?limit=100"), Some(&coordinator)).await;
    assert_eq!(ids(&all), [ok.id.as_str()]);

    // Changing: a contract before the award, or an invisible need, is refused and
    // changes nothing.
    let before = app.get(&ok.path, Some(&lead)).await;
    for (field, bad, named) in [
        (
            "contract",
            fixtures::contract("2027-01-01", "2028-12-31"),
            "contract",
        ),
        ("need_ids", json!([need.body["id"]]), "need_ids[0]"),
    ] {
        let mut body = ok.body.clone();
        body[field] = bad;
        let reply = app.put(&ok.path, Some(&lead), &before.etag(), &body).await;
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields(), [named], "{}", reply.body);
    }
    let after = app.get(&ok.path, Some(&lead)).await;
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.body["contract"], Value::Null);
    // A contract ending before it starts names the nested field.
    let reply = award_with(
        &app,
        &lead,
        &ok,
        fixtures::contract("2027-01-01", "2026-12-31"),
    )
    .await;
    assert_problem(&reply, 400);
    assert_eq!(reply.error_fields(), ["contract.ends_on"]);
    // A stale ETag is refused.
    let mut body = ok.body.clone();
    body["contract"] = fixtures::contract("2027-01-01", "2028-12-31");
    let stale = app.put(&ok.path, Some(&lead), &before.etag(), &body).await;
    assert_problem(&stale, 412);
    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=procurement&entity_id={}", ok.id),
            Some(&coordinator),
        )
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "transition",
            "transition",
            "transition",
            "transition",
            "create"
        ]
    );
}

on_both_backends!(
    stage_transitions,
    only_the_lead_manages,
    participation,
    tenant_matrix,
    thresholds,
    ocds_export,
    csv_file,
    expiring,
    filters_and_mine,
    framework_to_catalog,
    validation,
);

/// The CSV export has no pages: more procurements than one list page holds (100) all
/// come out, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_spans_every_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let lead = app.token("1280", &[Role::ProcurementOfficer]);
    let mut created = Vec::new();
    for k in 0..105 {
        let body = fixtures::procurement(&format!("Upphandling nr {k}"), "internal");
        created.push(create(&app, &lead, body).await.id);
    }
    let (status, _, bytes) = csv_export(&app, "", Some(&lead)).await;
    assert_eq!(status, 200);
    let (_, rows) = parse_csv(&bytes, b',');
    let mut exported: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported.len(), 105, "every row once");
    exported.sort();
    created.sort();
    assert_eq!(exported, created);
}
