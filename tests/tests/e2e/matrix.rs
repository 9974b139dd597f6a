//! Tenant isolation as a matrix: every record endpoint × (anonymous, own strategist, other
//! municipality's strategist, coordinator, own viewer) × (public, internal record).

use samverkan_domain::Role;
use samverkan_e2e::{Backend, Reply, TestApp, on_both_backends};
use serde_json::Value;

use crate::fixtures;

/// The five kinds of caller, with tokens where they have one.
struct Callers {
    anonymous: Option<String>,
    own: Option<String>,
    other: Option<String>,
    coordinator: Option<String>,
    viewer: Option<String>,
}

impl Callers {
    fn new(app: &TestApp) -> Self {
        Self {
            anonymous: None,
            own: Some(app.token("1280", &[Role::Strategist])),
            other: Some(app.token("1281", &[Role::Strategist])),
            coordinator: Some(app.token("region-skane", &[Role::Coordinator])),
            viewer: Some(app.token("1280", &[Role::Viewer])),
        }
    }

    /// (name, token) for each caller, in a fixed order.
    fn all(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("anonymous", self.anonymous.as_deref()),
            ("own strategist", self.own.as_deref()),
            ("other strategist", self.other.as_deref()),
            ("coordinator", self.coordinator.as_deref()),
            ("own viewer", self.viewer.as_deref()),
        ]
    }
}

/// A request to try as every caller.
enum Op {
    Get(String),
    Post(String, Value),
    /// PUT with the record's current ETag (read by the coordinator, who sees everything).
    Put(String, Value),
    Delete(String),
}

impl Op {
    async fn send(&self, app: &TestApp, token: Option<&str>) -> Reply {
        match self {
            Op::Get(path) => app.get(path, token).await,
            Op::Post(path, body) => app.post(path, token, body).await,
            Op::Put(path, body) => {
                let reader = app.token("region-skane", &[Role::Coordinator]);
                let etag = app.get(path, Some(&reader)).await.etag();
                app.put(path, token, &etag, body).await
            }
            Op::Delete(path) => app.delete(path, token).await,
        }
    }
}

/// Checks each caller gets the expected status (same order as [`Callers::all`]).
async fn expect_statuses(app: &TestApp, callers: &Callers, what: &str, expected: [u16; 5], op: Op) {
    expect_some(app, callers, what, expected.map(Some), op).await;
}

/// Like [`expect_statuses`], skipping callers whose expectation is `None` (e.g. the
/// owner of a record about to be deleted, which is checked last on its own).
async fn expect_some(
    app: &TestApp,
    callers: &Callers,
    what: &str,
    expected: [Option<u16>; 5],
    op: Op,
) {
    for ((name, token), want) in callers.all().into_iter().zip(expected) {
        let Some(want) = want else { continue };
        let reply = op.send(app, token).await;
        assert_eq!(
            reply.status.as_u16(),
            want,
            "{what} as {name}: {}",
            reply.body
        );
    }
}

/// Expectations for every caller but the owner, who is checked separately.
const NOT_OWNER: [Option<u16>; 5] = [Some(401), None, Some(403), Some(403), Some(403)];

fn ids(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

async fn needs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = Callers::new(&app);
    let public = app
        .post(
            "/api/v1/needs",
            c.own.as_deref(),
            &fixtures::need("Digitala lås i hemtjänsten", "public"),
        )
        .await;
    let internal = app
        .post(
            "/api/v1/needs",
            c.own.as_deref(),
            &fixtures::need("Intern riskanalys av molntjänster", "internal"),
        )
        .await;
    assert_eq!(public.status, 201, "{}", public.body);
    assert_eq!(internal.status, 201);
    let p = format!("/api/v1/needs/{}", public.body["id"].as_str().unwrap());
    let i = format!("/api/v1/needs/{}", internal.body["id"].as_str().unwrap());

    // Reads: internal records are invisible (404) to anonymous and other tenants.
    expect_statuses(
        &app,
        &c,
        "GET public need",
        [200, 200, 200, 200, 200],
        Op::Get(p.clone()),
    )
    .await;
    expect_statuses(
        &app,
        &c,
        "GET internal need",
        [404, 200, 404, 200, 200],
        Op::Get(i.clone()),
    )
    .await;

    // Lists: internal records and personal data appear only where they may.
    for (name, token) in c.all() {
        let list = app.get("/api/v1/needs?limit=100", token).await;
        let seen = ids(&list);
        let sees_internal = matches!(name, "own strategist" | "coordinator" | "own viewer");
        assert_eq!(
            seen.contains(&internal.body["id"].as_str().unwrap().to_string()),
            sees_internal,
            "list as {name}"
        );
        assert!(
            seen.contains(&public.body["id"].as_str().unwrap().to_string()),
            "list as {name}"
        );
        for item in list.body["items"].as_array().unwrap() {
            assert_eq!(
                item["contact"].is_null(),
                token.is_none(),
                "contact in list as {name}"
            );
        }
        let filtered = app.get("/api/v1/needs?visibility=internal", token).await;
        assert_eq!(
            !ids(&filtered).is_empty(),
            sees_internal,
            "internal filter as {name}"
        );
    }
    let anon = app.get(&p, None).await;
    assert!(
        anon.body["contact"].is_null(),
        "anonymous must not see the contact person"
    );
    assert_eq!(
        app.get(&p, c.other.as_deref()).await.body["contact"]["name"],
        "Anna Lindqvist"
    );

    // Writes: only the owner's strategist; other tenants get 403 on public, 404 on internal.
    let body = fixtures::need("Digitala lås i hemtjänsten, reviderad", "public");
    expect_statuses(
        &app,
        &c,
        "PUT public need",
        [401, 200, 403, 403, 403],
        Op::Put(p.clone(), body.clone()),
    )
    .await;
    let mut internal_body = body.clone();
    internal_body["visibility"] = "internal".into();
    expect_statuses(
        &app,
        &c,
        "PUT internal need",
        [401, 200, 404, 403, 403],
        Op::Put(i.clone(), internal_body),
    )
    .await;
    // Refused writes changed nothing: each record moved exactly one version.
    assert_eq!(app.get(&p, c.own.as_deref()).await.body["version"], 2);
    assert_eq!(app.get(&i, c.own.as_deref()).await.body["version"], 2);

    // Creating: needs a strategist; the record belongs to the caller's own organisation.
    let new = fixtures::need("Ny gemensam e-tjänst", "public");
    expect_statuses(
        &app,
        &c,
        "POST need",
        [401, 201, 201, 201, 403],
        Op::Post("/api/v1/needs".into(), new.clone()),
    )
    .await;
    let by_other = app.post("/api/v1/needs", c.other.as_deref(), &new).await;
    assert_eq!(
        by_other.body["org_id"], "1281",
        "a need belongs to the caller's organisation"
    );

    // Deleting: the owner last, so the others are tested against an existing record.
    let internal_not_owner = [Some(401), None, Some(404), Some(403), Some(403)];
    expect_some(
        &app,
        &c,
        "DELETE internal need",
        internal_not_owner,
        Op::Delete(i.clone()),
    )
    .await;
    assert_eq!(app.delete(&i, c.own.as_deref()).await.status, 204);
    assert_eq!(app.get(&i, c.own.as_deref()).await.status, 404);
    expect_some(
        &app,
        &c,
        "DELETE public need",
        NOT_OWNER,
        Op::Delete(p.clone()),
    )
    .await;
    assert_eq!(app.delete(&p, c.own.as_deref()).await.status, 204);
    assert_eq!(app.get(&p, None).await.status, 404);
}

async fn strategies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = Callers::new(&app);
    let created = app
        .post(
            "/api/v1/strategies",
            c.own.as_deref(),
            &fixtures::strategy(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = format!(
        "/api/v1/strategies/{}",
        created.body["id"].as_str().unwrap()
    );
    expect_statuses(
        &app,
        &c,
        "GET strategy",
        [200, 200, 200, 200, 200],
        Op::Get(path.clone()),
    )
    .await;
    expect_statuses(
        &app,
        &c,
        "PUT strategy",
        [401, 200, 403, 403, 403],
        Op::Put(path.clone(), fixtures::strategy()),
    )
    .await;
    expect_statuses(
        &app,
        &c,
        "POST strategy",
        [401, 201, 201, 201, 403],
        Op::Post("/api/v1/strategies".into(), fixtures::strategy()),
    )
    .await;
    expect_some(
        &app,
        &c,
        "DELETE strategy",
        NOT_OWNER,
        Op::Delete(path.clone()),
    )
    .await;
    assert_eq!(app.delete(&path, c.own.as_deref()).await.status, 204);
}

async fn solutions_and_adoptions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = Callers::new(&app);
    let created = app
        .post(
            "/api/v1/solutions",
            c.own.as_deref(),
            &fixtures::solution("Gemensamt e-arkiv"),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = format!("/api/v1/solutions/{}", created.body["id"].as_str().unwrap());
    expect_statuses(
        &app,
        &c,
        "GET solution",
        [200, 200, 200, 200, 200],
        Op::Get(path.clone()),
    )
    .await;
    assert!(app.get(&path, None).await.body["contact"].is_null());
    assert_eq!(
        app.get(&path, c.viewer.as_deref()).await.body["contact"]["name"],
        "Per Olsson"
    );
    let list = app.get("/api/v1/solutions", None).await;
    assert!(
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["contact"].is_null())
    );
    expect_statuses(
        &app,
        &c,
        "PUT solution",
        [401, 200, 403, 403, 403],
        Op::Put(path.clone(), fixtures::solution("Gemensamt e-arkiv 2")),
    )
    .await;

    // Adoptions: each organisation declares only its own; the owner cannot adopt.
    let adoptions = format!("{path}/adoptions");
    expect_statuses(
        &app,
        &c,
        "POST adoption",
        [401, 409, 201, 201, 403],
        Op::Post(adoptions.clone(), fixtures::adoption()),
    )
    .await;
    let lund = format!("{adoptions}/1281");
    expect_statuses(
        &app,
        &c,
        "PUT Lund's adoption",
        [401, 403, 200, 403, 403],
        Op::Put(lund.clone(), fixtures::adoption()),
    )
    .await;
    let listed = app.get(&adoptions, None).await;
    let orgs: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["org_id"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, vec!["1281", "region-skane"]);
    assert_eq!(app.delete(&lund, c.own.as_deref()).await.status, 403);
    assert_eq!(app.delete(&lund, c.other.as_deref()).await.status, 204);
    expect_some(
        &app,
        &c,
        "DELETE solution",
        NOT_OWNER,
        Op::Delete(path.clone()),
    )
    .await;
    assert_eq!(app.delete(&path, c.own.as_deref()).await.status, 204);
    assert_eq!(app.get(&adoptions, None).await.status, 404);
}

async fn audit_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = Callers::new(&app);
    let created = app
        .post(
            "/api/v1/needs",
            c.own.as_deref(),
            &fixtures::need("Digitala lås", "internal"),
        )
        .await;
    let path = format!("/api/v1/needs/{}", created.body["id"].as_str().unwrap());
    let updated = app
        .put(
            &path,
            c.own.as_deref(),
            &created.etag(),
            &fixtures::need("Digitala lås 2", "internal"),
        )
        .await;
    assert_eq!(updated.status, 200);
    expect_statuses(
        &app,
        &c,
        "GET audit",
        [401, 403, 403, 200, 403],
        Op::Get("/api/v1/audit".into()),
    )
    .await;
    let log = app
        .get(
            &format!(
                "/api/v1/audit?entity_type=need&entity_id={}",
                created.body["id"].as_str().unwrap()
            ),
            c.coordinator.as_deref(),
        )
        .await;
    let events = log.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "update");
    assert_eq!(events[0]["before"]["title"], "Digitala lås");
    assert_eq!(events[0]["after"]["title"], "Digitala lås 2");
    assert_eq!(events[0]["actor_org"], "1280");
    assert_eq!(events[0]["actor_subject"], "user-1280");
    assert_eq!(events[1]["action"], "create");
    assert!(
        !log.body.to_string().contains("Anna Lindqvist"),
        "audit summaries hold no personal data"
    );
}

on_both_backends!(needs, strategies, solutions_and_adoptions, audit_log);
