//! The Meilisearch backend against recorded responses.
//!
//! No Meilisearch server can run where these tests run, so a small local HTTP server
//! stands in for one: it records every request the backend (through meilisearch-sdk)
//! makes and answers with responses in the shapes the Meilisearch API reference gives
//! (summarized tasks, finished tasks, search results, index stats). The tests check the
//! index settings, the requests built from our queries and changes, and how responses
//! are mapped back onto our types.
//!
//! `tests/behaviour.rs` runs the full behavioural suite against a live server when
//! `SAMVERKAN_TEST_MEILI_URL` (and optionally `SAMVERKAN_TEST_MEILI_KEY`) is set.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use poem::http::{Method, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{Body, EndpointExt, Request, Response, Server, handler};
use samverkan_search::meili::MeiliIndex;
use samverkan_search::{
    Change, Dimension, DocKind, Document, Facets, Filters, Scope, SearchError, SearchIndex,
    SearchQuery,
};
use serde_json::{Value, json};
use uuid::Uuid;

const INDEX: &str = "catalog";
const API_KEY: &str = "test-master-key";
/// A search response as Meilisearch gives it, recorded with the default highlight tags
/// (`<em>`, `</em>`); the mock swaps in the tags a request asks for.
const RECORDED_SEARCH: &str = include_str!("meili/search_response.json");
const ENQUEUED_AT: &str = "2024-05-02T08:15:30.123456Z";
const STARTED_AT: &str = "2024-05-02T08:15:30.125Z";
const FINISHED_AT: &str = "2024-05-02T08:15:30.137456Z";

// ---------------------------------------------------------------------------------------
// The mock server
// ---------------------------------------------------------------------------------------

/// One request as the mock received it.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    path: String,
    query: Option<String>,
    /// The JSON body; `Null` when there was none.
    body: Value,
    authorization: Option<String>,
    /// The task the mock enqueued for this request, if any.
    task_uid: Option<u64>,
}

impl Recorded {
    fn is(&self, method: Method, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    /// Finished task objects by uid, as `GET /tasks/{uid}` answers them.
    tasks: HashMap<u64, Value>,
    next_task: u64,
    /// Tasks of this type fail with this error object.
    failing: Option<(&'static str, Value)>,
    /// Searches are refused (400) with this error object.
    search_error: Option<Value>,
}

struct Mock {
    url: String,
    state: Mutex<State>,
}

impl Mock {
    async fn start() -> Arc<Mock> {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = acceptor.local_addr().remove(0);
        let mock = Arc::new(Mock {
            url: format!("http://{}", addr.as_socket_addr().unwrap()),
            state: Mutex::new(State::default()),
        });
        tokio::spawn(Server::new_with_acceptor(acceptor).run(meilisearch.data(mock.clone())));
        mock
    }

    /// Connects the backend and forgets the requests `connect` made.
    async fn connect(self: &Arc<Self>) -> MeiliIndex {
        let index = MeiliIndex::connect(&self.url, Some(API_KEY), INDEX)
            .await
            .unwrap();
        self.state.lock().unwrap().requests.clear();
        index
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests other than task polling.
    fn calls(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| !r.path.starts_with("/tasks/"))
            .collect()
    }

    fn fail_tasks_of_type(&self, task_type: &'static str, error: Value) {
        self.state.lock().unwrap().failing = Some((task_type, error));
    }

    fn refuse_searches(&self, error: Value) {
        self.state.lock().unwrap().search_error = Some(error);
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// Answers like Meilisearch for the routes the backend uses.
#[handler]
async fn meilisearch(request: &Request, body: Body, mock: Data<&Arc<Mock>>) -> Response {
    let bytes = body.into_bytes().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let path = request.uri().path().to_string();
    let mut state = mock.state.lock().unwrap();
    let mut recorded = Recorded {
        method: request.method().clone(),
        path: path.clone(),
        query: request.uri().query().map(String::from),
        body: body.clone(),
        authorization: request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
        task_uid: None,
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = request.method().clone();
    let enqueued = match (&method, segments.as_slice()) {
        (&Method::PATCH, ["indexes", uid, "settings"]) => {
            Some(((*uid).to_string(), "settingsUpdate", body.clone()))
        }
        (&Method::POST, ["indexes", uid, "documents"]) => {
            let n = body.as_array().map_or(0, Vec::len);
            let details = json!({"receivedDocuments": n, "indexedDocuments": n});
            Some(((*uid).to_string(), "documentAdditionOrUpdate", details))
        }
        (&Method::POST, ["indexes", uid, "documents", "delete-batch"]) => {
            let n = body.as_array().map_or(0, Vec::len);
            let details = json!({"providedIds": n, "deletedDocuments": n, "originalFilter": null});
            Some(((*uid).to_string(), "documentDeletion", details))
        }
        (&Method::DELETE, ["indexes", uid, "documents"]) => {
            let details = json!({"providedIds": 0, "deletedDocuments": 7, "originalFilter": null});
            Some(((*uid).to_string(), "documentDeletion", details))
        }
        _ => None,
    };
    let response = if let Some((index_uid, task_type, details)) = enqueued {
        // Accepted: a summarized task now, the finished task on GET /tasks/{uid}.
        state.next_task += 1;
        let uid = state.next_task;
        recorded.task_uid = Some(uid);
        let mut task = json!({
            "uid": uid,
            "batchUid": uid,
            "indexUid": index_uid,
            "status": "succeeded",
            "type": task_type,
            "canceledBy": null,
            "details": details,
            "error": null,
            "duration": "PT0.012456S",
            "enqueuedAt": ENQUEUED_AT,
            "startedAt": STARTED_AT,
            "finishedAt": FINISHED_AT,
        });
        if let Some((failing, error)) = &state.failing
            && *failing == task_type
        {
            task["status"] = json!("failed");
            task["error"] = error.clone();
        }
        state.tasks.insert(uid, task);
        json_response(
            StatusCode::ACCEPTED,
            json!({
                "taskUid": uid,
                "indexUid": index_uid,
                "status": "enqueued",
                "type": task_type,
                "enqueuedAt": ENQUEUED_AT,
            }),
        )
    } else {
        match (&method, segments.as_slice()) {
            (&Method::GET, ["tasks", uid]) => {
                match uid.parse().ok().and_then(|uid: u64| state.tasks.get(&uid)) {
                    Some(task) => json_response(StatusCode::OK, task.clone()),
                    None => not_found("task_not_found", &format!("Task `{uid}` not found.")),
                }
            }
            (&Method::POST, ["indexes", _, "search"]) => match &state.search_error {
                Some(error) => json_response(StatusCode::BAD_REQUEST, error.clone()),
                None => json_response(StatusCode::OK, replay_search(&body)),
            },
            (&Method::GET, ["indexes", uid, "stats"]) => json_response(
                StatusCode::OK,
                json!({
                    "numberOfDocuments": 7,
                    "numberOfEmbeddedDocuments": 0,
                    "numberOfEmbeddings": 0,
                    "rawDocumentDbSize": 8780,
                    "avgDocumentSize": 422,
                    "isIndexing": false,
                    "fieldDistribution": {"key": 7, "id": 7, "title": 7, "body": 7},
                    "indexUid": uid,
                }),
            ),
            _ => not_found("not_found", "Not found."),
        }
    };
    state.requests.push(recorded);
    response
}

fn not_found(code: &str, message: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({
            "message": message,
            "code": code,
            "type": "invalid_request",
            "link": format!("https://docs.meilisearch.com/errors#{code}"),
        }),
    )
}

/// The recorded search response, adjusted to what the request asked for the way
/// Meilisearch would: highlight tags, ranking scores (1.0 for every hit of a placeholder
/// search, as no relevancy rule applies), requested facets, and the echoed parameters.
fn replay_search(request: &Value) -> Value {
    let mut response: Value = serde_json::from_str(RECORDED_SEARCH).unwrap();
    let text = request["q"].as_str().unwrap_or("");
    let pre = request["highlightPreTag"].as_str().unwrap_or("<em>");
    let post = request["highlightPostTag"].as_str().unwrap_or("</em>");
    let formatted =
        request.get("attributesToHighlight").is_some() || request.get("attributesToCrop").is_some();
    for hit in response["hits"].as_array_mut().unwrap() {
        let hit = hit.as_object_mut().unwrap();
        if request["showRankingScore"] != json!(true) {
            hit.remove("_rankingScore");
        } else if text.is_empty() {
            hit.insert("_rankingScore".into(), json!(1.0));
        }
        if !formatted {
            hit.remove("_formatted");
        } else if let Some(Value::Object(fields)) = hit.get_mut("_formatted") {
            for value in fields.values_mut() {
                if let Value::String(s) = value {
                    *s = s.replace("<em>", pre).replace("</em>", post);
                }
            }
        }
    }
    let requested: Vec<&str> = request["facets"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let distribution = response["facetDistribution"].as_object_mut().unwrap();
    distribution.retain(|attribute, _| requested.contains(&attribute.as_str()));
    if requested.is_empty() {
        response
            .as_object_mut()
            .unwrap()
            .remove("facetDistribution");
    }
    response["query"] = json!(text);
    response["limit"] = request.get("limit").cloned().unwrap_or(json!(20));
    response["offset"] = request.get("offset").cloned().unwrap_or(json!(0));
    response
}

// ---------------------------------------------------------------------------------------
// Test data
// ---------------------------------------------------------------------------------------

fn need(n: u128) -> Document {
    Document {
        id: Uuid::from_u128(n),
        kind: DocKind::Need,
        title: "Digitala lås i hemtjänsten".into(),
        body: "Personalen i hemtjänst hanterar många fysiska nycklar.".into(),
        org_id: "1280".into(),
        subregion: Some("Malmö-Lundaregionen".into()),
        public: true,
        facets: Facets {
            activity_area: Some("omsorg".into()),
            topics: vec!["valfardsteknik".into(), "iot".into()],
            collaboration_level: Some("samordning".into()),
            status: Some("open".into()),
            ..Facets::default()
        },
        updated_at: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap(),
    }
}

fn upsert(document: Document) -> Change {
    Change::Upsert(Box::new(document))
}

fn query(text: Option<&str>, scope: Scope) -> SearchQuery {
    SearchQuery {
        text: text.map(String::from),
        filters: Filters::new(),
        scope,
        limit: 20,
        offset: 0,
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// Asserts that every write enqueued a task that was polled before the next request
/// that was not a poll, i.e. the backend waited for it.
fn assert_each_task_awaited(requests: &[Recorded]) {
    for (i, write) in requests.iter().enumerate() {
        let Some(uid) = write.task_uid else { continue };
        let polled = requests[i + 1..]
            .iter()
            .take_while(|r| r.path.starts_with("/tasks/"))
            .any(|r| r.is(Method::GET, &format!("/tasks/{uid}")));
        assert!(
            polled,
            "task {uid} of {} {} was not awaited",
            write.method, write.path
        );
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn connect_applies_the_index_settings_and_waits_for_them() {
    let mock = Mock::start().await;
    MeiliIndex::connect(&mock.url, Some(API_KEY), INDEX)
        .await
        .unwrap();

    let requests = mock.requests();
    let settings = &requests[0];
    assert!(
        settings.is(Method::PATCH, "/indexes/catalog/settings"),
        "{settings:?}"
    );
    assert_eq!(
        settings.authorization.as_deref(),
        Some("Bearer test-master-key")
    );
    let body = &settings.body;
    assert_eq!(strings(&body["searchableAttributes"]), ["title", "body"]);
    let filterable: BTreeSet<&str> = strings(&body["filterableAttributes"]).into_iter().collect();
    for attribute in [
        "public",
        "kind",
        "topics",
        "org_id",
        "subregion",
        "maturity",
        "licence",
        "solution_kind",
        "activity_area",
        "collaboration_level",
        "status",
    ] {
        assert!(filterable.contains(attribute), "{attribute} not filterable");
    }
    assert_eq!(strings(&body["sortableAttributes"]), ["updated"]);
    assert!(strings(&body["rankingRules"]).contains(&"sort"));
    assert_eq!(
        body["localizedAttributes"],
        json!([{"locales": ["swe"], "attributePatterns": ["title", "body"]}])
    );
    assert_eq!(body["faceting"]["maxValuesPerFacet"], json!(200));
    assert_eq!(body["pagination"]["maxTotalHits"], json!(10_000));

    // The settings task was awaited, with the key, before connect returned.
    assert_each_task_awaited(&requests);
    let polls: Vec<&Recorded> = requests[1..].iter().collect();
    assert!(!polls.is_empty());
    for poll in polls {
        assert!(poll.is(Method::GET, "/tasks/1"), "{poll:?}");
        assert_eq!(
            poll.authorization.as_deref(),
            Some("Bearer test-master-key")
        );
    }
}

#[tokio::test]
async fn apply_sends_runs_of_upserts_and_deletes_in_order_and_waits_for_each() {
    let mock = Mock::start().await;
    let index = mock.connect().await;
    let mut solution = need(3);
    solution.kind = DocKind::Solution;
    index
        .apply(vec![
            upsert(need(1)),
            upsert(solution),
            Change::Delete(DocKind::Need, Uuid::from_u128(2)),
            Change::Delete(DocKind::Strategy, Uuid::from_u128(4)),
            upsert(need(5)),
        ])
        .await
        .unwrap();

    let calls = mock.calls();
    let summary: Vec<(Method, &str)> = calls
        .iter()
        .map(|c| (c.method.clone(), c.path.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Method::POST, "/indexes/catalog/documents"),
            (Method::POST, "/indexes/catalog/documents/delete-batch"),
            (Method::POST, "/indexes/catalog/documents"),
        ]
    );
    assert_each_task_awaited(&mock.requests());

    // The first run of upserts: both documents, keyed by `key`.
    let upserts = &calls[0];
    assert_eq!(upserts.query.as_deref(), Some("primaryKey=key"));
    assert_eq!(
        upserts.authorization.as_deref(),
        Some("Bearer test-master-key")
    );
    let documents = upserts.body.as_array().unwrap();
    assert_eq!(documents.len(), 2);
    let document = &documents[0];
    assert_eq!(
        document["key"],
        json!(format!("need-{}", Uuid::from_u128(1).simple()))
    );
    assert_eq!(
        document["key"],
        json!("need-00000000000000000000000000000001")
    );
    assert_eq!(
        documents[1]["key"],
        json!(format!("solution-{}", Uuid::from_u128(3).simple()))
    );
    assert_eq!(document["id"], json!(Uuid::from_u128(1).to_string()));
    assert_eq!(document["kind"], json!("need"));
    assert_eq!(document["public"], json!(true));
    assert_eq!(document["topics"], json!(["valfardsteknik", "iot"]));
    assert_eq!(
        document["updated"].as_i64(),
        Some(need(1).updated_at.timestamp_micros())
    );
    // Exactly the indexed fields: nothing personal (no contact person, e-mail, phone).
    let fields: BTreeSet<&str> = document
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: BTreeSet<&str> = [
        "key",
        "id",
        "kind",
        "title",
        "body",
        "org_id",
        "subregion",
        "public",
        "topics",
        "activity_area",
        "collaboration_level",
        "status",
        "solution_kind",
        "maturity",
        "licence",
        "updated",
    ]
    .into_iter()
    .collect();
    assert_eq!(fields, expected);

    // Then the run of deletes, by key, then the last upsert.
    assert_eq!(
        calls[1].body,
        json!([
            format!("need-{}", Uuid::from_u128(2).simple()),
            format!("strategy-{}", Uuid::from_u128(4).simple()),
        ])
    );
    assert_eq!(
        calls[2].body.as_array().unwrap()[0]["key"],
        json!(format!("need-{}", Uuid::from_u128(5).simple()))
    );

    // Nothing to apply sends nothing.
    index.apply(Vec::new()).await.unwrap();
    assert_eq!(mock.calls().len(), 3);
}

#[tokio::test]
async fn search_requests_carry_the_scope_filters_facets_and_paging() {
    let mock = Mock::start().await;
    let index = mock.connect().await;

    // Anonymous, with text and facet filters: the scope is ANDed with every filter.
    let mut anonymous = query(Some("nycklar"), Scope::PublicOnly);
    anonymous
        .filters
        .insert(Dimension::Topic, vec!["iot".into(), "e_arkiv".into()]);
    anonymous
        .filters
        .insert(Dimension::Org, vec!["12\"80 OR public = false".into()]);
    anonymous.limit = 10;
    anonymous.offset = 30;
    index.search(&anonymous).await.unwrap();
    // Staff, browsing: their organisation's documents and public ones, newest first.
    index
        .search(&query(None, Scope::OwnAndPublic("1280".into())))
        .await
        .unwrap();
    // The coordinator: no filter at all, unless facets filter.
    index
        .search(&query(Some("arkiv"), Scope::Everything))
        .await
        .unwrap();
    let mut coordinator = query(None, Scope::Everything);
    coordinator
        .filters
        .insert(Dimension::Kind, vec!["solution".into()]);
    index.search(&coordinator).await.unwrap();

    let calls = mock.calls();
    assert_eq!(calls.len(), 4);
    for call in &calls {
        assert!(call.is(Method::POST, "/indexes/catalog/search"), "{call:?}");
        assert_eq!(
            call.authorization.as_deref(),
            Some("Bearer test-master-key")
        );
        let body = &call.body;
        assert_eq!(
            strings(&body["facets"]),
            [
                "kind",
                "solution_kind",
                "maturity",
                "licence",
                "activity_area",
                "topics",
                "org_id",
                "subregion",
                "collaboration_level",
                "status"
            ]
        );
        assert_eq!(strings(&body["attributesToCrop"]), ["body"]);
        assert_eq!(strings(&body["attributesToHighlight"]), ["body"]);
        assert_eq!(body["cropLength"], json!(40));
        assert!(body["highlightPreTag"].is_string());
        assert!(body["highlightPostTag"].is_string());
    }

    let anonymous = &calls[0].body;
    assert_eq!(
        anonymous["filter"],
        json!(
            r#"public = true AND (topics = "iot" OR topics = "e_arkiv") AND (org_id = "12\"80 OR public = false")"#
        )
    );
    assert_eq!(anonymous["q"], json!("nycklar"));
    assert_eq!(anonymous.get("sort"), None);
    assert_eq!(anonymous["limit"], json!(10));
    assert_eq!(anonymous["offset"], json!(30));
    assert_eq!(anonymous["showRankingScore"], json!(true));

    let staff = &calls[1].body;
    assert_eq!(
        staff["filter"],
        json!(r#"(public = true OR org_id = "1280")"#)
    );
    assert_eq!(staff.get("q"), None);
    assert_eq!(staff["sort"], json!(["updated:desc"]));
    assert_eq!(
        staff.get("showRankingScore"),
        None,
        "no relevance when browsing"
    );
    assert_eq!(staff["limit"], json!(20));
    assert_eq!(staff["offset"], json!(0));

    let everything = &calls[2].body;
    assert_eq!(everything.get("filter"), None);
    assert_eq!(everything["q"], json!("arkiv"));
    assert_eq!(calls[3].body["filter"], json!(r#"(kind = "solution")"#));
    assert_eq!(calls[3].body["sort"], json!(["updated:desc"]));
}

#[tokio::test]
async fn search_responses_map_to_hits_snippets_facets_and_totals() {
    let mock = Mock::start().await;
    let index = mock.connect().await;
    let results = index
        .search(&query(Some("nycklar"), Scope::PublicOnly))
        .await
        .unwrap();

    assert_eq!(results.total, 57, "from estimatedTotalHits");
    assert_eq!(results.hits.len(), 2);
    let first = &results.hits[0];
    assert_eq!(first.kind, DocKind::Need);
    assert_eq!(first.id, Uuid::from_u128(1));
    assert_eq!(first.title, "Digitala lås i hemtjänsten");
    assert_eq!(first.org_id, "1280");
    assert!((first.score - 0.9546).abs() < 1e-6, "{}", first.score);
    // The recorded body holds markup and an ampersand: both come out escaped, and only
    // the match markers become <mark>.
    assert_eq!(
        first.snippet,
        "…hanterar många fysiska <mark>nycklar</mark> &amp; &lt;script&gt;alert(1)&lt;/script&gt; i låda."
    );
    let second = &results.hits[1];
    assert_eq!(second.kind, DocKind::Solution);
    assert_eq!(second.id, Uuid::from_u128(3));
    assert_eq!(second.org_id, "1283");
    assert!((second.score - 0.8103).abs() < 1e-6, "{}", second.score);
    assert_eq!(
        second.snippet,
        "Öppen plattform för nyckelskåp och digitala <mark>nycklar</mark>."
    );

    // Facet counts under our dimensions, whatever Meilisearch calls the attribute.
    let facets = &results.facets;
    assert_eq!(facets[&Dimension::Topic]["valfardsteknik"], 35);
    assert_eq!(facets[&Dimension::Topic]["iot"], 22);
    assert_eq!(facets[&Dimension::Org]["1280"], 19);
    assert_eq!(facets[&Dimension::Org]["1283"], 38);
    assert_eq!(facets[&Dimension::Kind]["need"], 41);
    assert_eq!(facets[&Dimension::Licence]["EUPL-1.2"], 16);
    assert_eq!(facets[&Dimension::Subregion]["Malmö-Lundaregionen"], 57);
    assert!(facets[&Dimension::Status].is_empty());
    assert_eq!(
        facets.keys().copied().collect::<Vec<_>>(),
        Dimension::ALL.to_vec(),
        "every dimension is listed"
    );

    // Browsing has no relevance: the score is 0, as the embedded backend gives.
    let browsed = index.search(&query(None, Scope::PublicOnly)).await.unwrap();
    assert_eq!(browsed.hits.len(), 2);
    for hit in &browsed.hits {
        assert_eq!(hit.score, 0.0, "{hit:?}");
    }
}

#[tokio::test]
async fn a_failed_task_is_a_meilisearch_error_and_stops_the_batch() {
    let mock = Mock::start().await;
    let index = mock.connect().await;
    mock.fail_tasks_of_type(
        "documentAdditionOrUpdate",
        json!({
            "message": "Document identifier `\"need 1\"` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.",
            "code": "invalid_document_id",
            "type": "invalid_request",
            "link": "https://docs.meilisearch.com/errors#invalid_document_id",
        }),
    );
    let result = index
        .apply(vec![
            upsert(need(1)),
            Change::Delete(DocKind::Need, Uuid::from_u128(2)),
        ])
        .await;
    match result {
        Err(SearchError::Meilisearch(message)) => {
            assert!(message.contains("invalid_document_id"), "{message}");
        }
        other => panic!("expected a Meilisearch error, got {other:?}"),
    }
    // The delete after the failed upsert was not sent.
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].is(Method::POST, "/indexes/catalog/documents"));

    // Settings Meilisearch rejects make connect fail the same way.
    let mock = Mock::start().await;
    mock.fail_tasks_of_type(
        "settingsUpdate",
        json!({
            "message": "Unsupported locale `sv`.",
            "code": "invalid_settings_localized_attributes",
            "type": "invalid_request",
            "link": "https://docs.meilisearch.com/errors#invalid_settings_localized_attributes",
        }),
    );
    let connected = MeiliIndex::connect(&mock.url, Some(API_KEY), INDEX).await;
    assert!(
        matches!(connected, Err(SearchError::Meilisearch(_))),
        "{:?}",
        connected.err()
    );
}

#[tokio::test]
async fn a_refused_search_is_a_meilisearch_error() {
    let mock = Mock::start().await;
    let index = mock.connect().await;
    mock.refuse_searches(json!({
        "message": "Attribute `secret` is not filterable.",
        "code": "invalid_search_filter",
        "type": "invalid_request",
        "link": "https://docs.meilisearch.com/errors#invalid_search_filter",
    }));
    match index
        .search(&query(Some("nycklar"), Scope::PublicOnly))
        .await
    {
        Err(SearchError::Meilisearch(message)) => {
            assert!(message.contains("invalid_search_filter"), "{message}");
        }
        other => panic!("expected a Meilisearch error, got {other:?}"),
    }
}

#[tokio::test]
async fn count_reads_the_index_stats_and_clear_deletes_every_document() {
    let mock = Mock::start().await;
    let index = mock.connect().await;
    assert_eq!(index.count().await.unwrap(), 7);
    index.clear().await.unwrap();
    assert_eq!(index.backend(), "meilisearch");

    let calls = mock.calls();
    assert!(
        calls[0].is(Method::GET, "/indexes/catalog/stats"),
        "{calls:?}"
    );
    assert!(
        calls[1].is(Method::DELETE, "/indexes/catalog/documents"),
        "{calls:?}"
    );
    assert_eq!(calls.len(), 2);
    assert_each_task_awaited(&mock.requests());
}
