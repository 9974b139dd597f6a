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

/// GETs `path` until `done` holds for the body (the matchmaking snapshot follows writes
/// within a second or two), or gives up after ten seconds; returns the last body.
async fn poll(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        last = app.get(path, token).await.body;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    last
}

/// Whether a page holds at least `n` items.
fn at_least(n: usize) -> impl Fn(&Value) -> bool {
    move |page| page["items"].as_array().is_some_and(|i| i.len() >= n)
}

/// Whether a page is empty.
fn empty(page: &Value) -> bool {
    page["items"].as_array().is_some_and(|i| i.is_empty())
}

/// The matches of `need` once there are at least `expect_at_least`.
async fn matches_of(
    app: &TestApp,
    need: &str,
    token: Option<&str>,
    expect_at_least: usize,
) -> Value {
    let path = format!("/api/v1/needs/{need}/matches");
    poll(app, &path, token, at_least(expect_at_least)).await
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
    let lunds = app.post("/api/v1/solutions", Some(&lund), &locks).await;
    assert_eq!(lunds.status, 201, "{}", lunds.body);
    let mut own = locks.clone();
    own["name"] = json!("Ystads modell för digitala lås");
    app.post("/api/v1/solutions", Some(&ystad), &own).await;
    let path = format!("/api/v1/needs/{a}/solution-matches");
    let found = poll(&app, &path, None, at_least(1)).await;
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

    // Once Ystad runs Lund's solution, it is no new idea to Ystad's need either.
    let adoptions = format!(
        "/api/v1/solutions/{}/adoptions",
        lunds.body["id"].as_str().unwrap()
    );
    let adopted = app
        .post(&adoptions, Some(&ystad), &fixtures::adoption())
        .await;
    assert_eq!(adopted.status, 201, "{}", adopted.body);
    let found = poll(&app, &path, None, empty).await;
    assert_eq!(found["items"], json!([]), "{found}");
    let with_own = app
        .get(&format!("{path}?include_own=true"), None)
        .await
        .body;
    assert_eq!(with_own["items"].as_array().unwrap().len(), 2, "{with_own}");

    // Once Hörby runs Ystad's own lock model, their needs' match says they share it.
    let ystads = with_own["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["org_id"] == "1286")
        .expect("Ystad's own solution");
    let adoptions = format!(
        "/api/v1/solutions/{}/adoptions",
        ystads["id"].as_str().unwrap()
    );
    let adopted = app
        .post(&adoptions, Some(&horby), &fixtures::adoption())
        .await;
    assert_eq!(adopted.status, 201, "{}", adopted.body);
    let shared = |page: &Value| {
        page["items"][0]["why"]["contributions"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["signal"] == "shared_solutions"))
            .and_then(|c| c["value"].as_f64())
            .unwrap_or(0.0)
    };
    let path = format!("/api/v1/needs/{a}/matches");
    let for_ystad = poll(&app, &path, Some(&ystad), |page| shared(page) > 0.0).await;
    assert_eq!(for_ystad["items"][0]["id"], b, "{for_ystad}");
    assert!(shared(&for_ystad) > 0.0, "{for_ystad}");
    assert_eq!(
        for_ystad["items"][0]["why"]["shared_solutions"],
        json!(["Ystads modell för digitala lås"]),
        "{for_ystad}"
    );
}

on_both_backends!(shared_needs_groups_and_solutions);

/// A need on digital locks in home care, in the words of organisation `n` of five.
fn lock_variant(n: usize) -> Value {
    let texts = [
        "Hemtjänstens personal bär många fysiska nycklar. Vi vill ersätta dem med digitala lås.",
        "Undersköterskor i hemtjänsten ska öppna dörren med digitala lås i stället för nycklar.",
        "Digitala lås hos brukare i hemtjänsten, med loggning av varje besök.",
        "Nycklarna i hemtjänsten ska bort: digitala lås som öppnas med mobilen.",
        "Vi behöver digitala lås i hemtjänsten så att personalen slipper hämta nycklar.",
    ];
    let mut need = lock_need("Digitala lås i hemtjänsten", texts[n], "public");
    need["tags"] = json!([]);
    need
}

/// An e-archive need of the support functions.
fn archive_need(text: &str) -> Value {
    let mut need = lock_need("E-arkiv för digitala allmänna handlingar", text, "public");
    need["activity_area"] = json!("ledning_stod");
    need["topics"] = json!(["e_arkiv"]);
    need["tags"] = json!([]);
    need
}

/// Ystad's and Hörby's needs on digital locks, in their own words: Ystad's need's id,
/// the reply to Hörby's, and a Hörby strategist's token to change it with.
async fn lock_pair(app: &TestApp) -> (String, samverkan_e2e::Reply, String) {
    let ystad = app.token("1286", &[Role::Strategist]);
    let horby = app.token("1266", &[Role::Strategist]);
    let a = app
        .post("/api/v1/needs", Some(&ystad), &lock_variant(0))
        .await;
    let b = app
        .post("/api/v1/needs", Some(&horby), &lock_variant(1))
        .await;
    (a.body["id"].as_str().unwrap().to_string(), b, horby)
}

/// The coordinator's groups for `query`, once the snapshot shows `groups` of them.
async fn groups_of(app: &TestApp, query: &str, token: &str, groups: usize) -> Value {
    let path = format!("/api/v1/match-groups?{query}");
    poll(app, &path, Some(token), at_least(groups)).await
}

/// Every item of a ranked list, walked page by page with `limit`; and how many pages.
async fn walk(app: &TestApp, path: &str, token: Option<&str>, limit: u32) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&url, token).await;
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        pages += 1;
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return (items, pages),
        }
    }
}

async fn pages_filters_and_group_reasons(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    let mut locks = Vec::new();
    for (n, org) in ["1286", "1266", "1270", "1281", "1280"].iter().enumerate() {
        let mut need = lock_variant(n);
        if n == 4 {
            // The others' windows are 2027; this one runs June 2027 to June 2028.
            need["needed_from"] = json!("2027-06-01");
            need["needed_by"] = json!("2028-06-30");
        }
        let token = app.token(org, &[Role::Strategist]);
        let created = app.post("/api/v1/needs", Some(&token), &need).await;
        assert_eq!(created.status, 201, "{}", created.body);
        locks.push(created.body["id"].as_str().unwrap().to_string());
    }
    for (org, text) in [
        (
            "1283",
            "Ett e-arkiv för att bevara allmänna handlingar digitalt på lång sikt.",
        ),
        (
            "1257",
            "Digitala allmänna handlingar ska bevaras i ett e-arkiv på lång sikt.",
        ),
    ] {
        let token = app.token(org, &[Role::Strategist]);
        let created = app
            .post("/api/v1/needs", Some(&token), &archive_need(text))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }

    // Matches page by page: the same list as one page, each match once.
    let a = &locks[0];
    let whole = matches_of(&app, a, None, 4).await;
    let whole: Vec<Value> = whole["items"].as_array().unwrap().clone();
    assert_eq!(whole.len(), 4, "the other four lock needs: {whole:?}");
    let (paged, pages) = walk(&app, &format!("/api/v1/needs/{a}/matches"), None, 3).await;
    assert_eq!(pages, 2);
    assert_eq!(
        paged.iter().map(|m| &m["id"]).collect::<Vec<_>>(),
        whole.iter().map(|m| &m["id"]).collect::<Vec<_>>()
    );
    let first = app
        .get(&format!("/api/v1/needs/{a}/matches?limit=3"), None)
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let elsewhere = app
        .get(
            &format!("/api/v1/needs/{}/matches?cursor={cursor}", locks[1]),
            None,
        )
        .await;
    assert_problem(&elsewhere, 400);
    assert_eq!(elsewhere.error_fields(), ["cursor"]);
    for bad in ["cursor=bm90LWEtY3Vyc29y", "limit=0", "limit=51"] {
        let reply = app
            .get(&format!("/api/v1/needs/{a}/matches?{bad}"), None)
            .await;
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields().len(), 1, "{bad}: {}", reply.body);
    }

    // Two groups; the lock group explains itself.
    let groups = groups_of(&app, "", &coordinator, 2).await;
    let items = groups["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{groups}");
    let lock_group = &items[0];
    assert_eq!(lock_group["members"].as_array().unwrap().len(), 5);
    let why = &lock_group["why"];
    assert!(
        why["shared_terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "lås"),
        "{why}"
    );
    assert_eq!(why["shared_topics"], json!(["valfardsteknik", "iot"]));
    assert_eq!(why["timing_overlap_months"], 6, "June to December 2027");
    let total: f64 = why["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_f64().unwrap())
        .sum();
    let cohesion = lock_group["cohesion"].as_f64().unwrap();
    assert!((total - cohesion).abs() < 1e-3, "{total} vs {cohesion}");
    assert_eq!(items[1]["members"].as_array().unwrap().len(), 2);
    assert_eq!(items[1]["why"]["shared_topics"], json!(["e_arkiv"]));

    // Groups page by page, and each filter keeps the groups it names.
    let (paged, pages) = walk(&app, "/api/v1/match-groups", Some(&coordinator), 1).await;
    assert_eq!(pages, 2);
    assert_eq!(paged, items.to_vec());
    let sizes = |page: Value| -> Vec<usize> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["members"].as_array().unwrap().len())
            .collect()
    };
    let above = format!("min_score={}", cohesion + 0.001);
    for (query, expected) in [
        ("topic=e_arkiv", vec![2]),
        ("activity_area=omsorg", vec![5]),
        ("subregion=Familjen%20Helsingborg", vec![2]),
        ("subregion=Skåne%20Nordost", vec![5]),
        ("min_size=3", vec![5]),
        ("min_size=6", vec![]),
        (&format!("min_score={cohesion}"), vec![5]),
        (&above, vec![]),
    ] {
        let page = app
            .get(&format!("/api/v1/match-groups?{query}"), Some(&coordinator))
            .await;
        assert_eq!(page.status, 200, "{query}: {}", page.body);
        let got = sizes(page.body);
        // A cohesion filter keeps or drops the lock group; the archive group's cohesion
        // is its own.
        if query.starts_with("min_score") {
            assert_eq!(got.contains(&5), !expected.is_empty(), "{query}: {got:?}");
        } else {
            assert_eq!(got, expected, "{query}");
        }
    }
    for (query, field) in [
        ("topic=blockchain", "topic"),
        ("activity_area=space", "activity_area"),
        ("min_size=1", "min_size"),
        ("min_score=1.5", "min_score"),
        ("min_score=-0.1", "min_score"),
        ("limit=0", "limit"),
    ] {
        let reply = app
            .get(&format!("/api/v1/match-groups?{query}"), Some(&coordinator))
            .await;
        assert_problem(&reply, 400);
        assert_eq!(reply.error_fields(), [field], "{query}: {}", reply.body);
    }
}

on_both_backends!(pages_filters_and_group_reasons);

async fn withdrawn_needs_leave_matches_and_groups(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    let (a, b, horby) = lock_pair(&app).await;
    let b_id = b.body["id"].as_str().unwrap().to_string();
    let found = matches_of(&app, &a, None, 1).await;
    assert_eq!(ids(&found), std::slice::from_ref(&b_id));
    let grouped = groups_of(&app, "", &coordinator, 1).await;
    assert_eq!(grouped["items"].as_array().unwrap().len(), 1);
    let grouped_at = as_of(&grouped);

    let mut withdrawn = lock_variant(1);
    let withdrawn_at = chrono::Utc::now();
    withdrawn["status"] = json!("withdrawn");
    let put = app
        .put(
            &format!("/api/v1/needs/{b_id}"),
            Some(&horby),
            &b.etag(),
            &withdrawn,
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let left = poll(&app, &format!("/api/v1/needs/{a}/matches"), None, empty).await;
    assert_eq!(left["items"], json!([]), "a withdrawn need is no partner");
    assert!(
        as_of(&left) >= withdrawn_at,
        "the matches say they were read after the change: {left}"
    );
    // Groups follow once formed for the new snapshot (they may lag the matches).
    // Groups formed before the change leave the need out at once; the groups formed
    // anew follow (they may lag the matches).
    let groups = poll(&app, "/api/v1/match-groups", Some(&coordinator), empty).await;
    assert_eq!(groups["items"], json!([]), "nor part of a group");
    assert!(grouped_at < withdrawn_at);
    assert!(
        as_of(&groups) >= withdrawn_at || groups["newer_forming"] == json!(true),
        "groups formed before the change say that newer ones are forming: {groups}"
    );
}

/// The timing overlap, in months, of `partner` in a page of matches, if it is there.
fn overlap_with(page: &Value, partner: &str) -> Option<i64> {
    let items = page["items"].as_array()?;
    let found = items.iter().find(|m| m["id"] == json!(partner))?;
    found["why"]["timing_overlap_months"].as_i64()
}

/// A write that changes no text (here the dates a need is wanted) reaches the matches:
/// the service then reuses its analysis of the texts and works out the rest anew.
async fn a_change_of_dates_reaches_the_matches(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, b, horby) = lock_pair(&app).await;
    let b_id = b.body["id"].as_str().unwrap().to_string();
    let found = matches_of(&app, &a, None, 1).await;
    let months = overlap_with(&found, &b_id);
    assert!(
        months.is_some_and(|m| m > 0),
        "wanted the same year: {found}"
    );

    let mut later = lock_variant(1);
    later["needed_from"] = json!("2031-01-01");
    later["needed_by"] = json!("2031-12-31");
    let put = app
        .put(
            &format!("/api/v1/needs/{b_id}"),
            Some(&horby),
            &b.etag(),
            &later,
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let path = format!("/api/v1/needs/{a}/matches");
    let moved = poll(&app, &path, None, |page| {
        overlap_with(page, &b_id).is_some_and(|months| months < 0)
    })
    .await;
    let months = overlap_with(&moved, &b_id);
    assert!(
        months.is_some_and(|m| m < 0),
        "three years apart now: {moved}"
    );
}

on_both_backends!(a_change_of_dates_reaches_the_matches);

/// The whole kronor of a group's combined budget ("1300000.00").
fn combined_budget(group: &Value) -> u64 {
    let sek = group["combined_budget_sek"].as_str().unwrap();
    sek.split('.').next().unwrap().parse().unwrap()
}

/// The coordinator's first group before and after Hörby's lock need (of the pair Ystad
/// shares with it) is changed by `change`, once the group's `field` differs.
async fn group_before_and_after(
    app: &TestApp,
    change: impl FnOnce(&mut Value),
    field: &str,
) -> (Value, Value) {
    let coordinator = app.token("region-skane", &[Role::Coordinator]);
    let (_, b, horby) = lock_pair(app).await;
    let before = groups_of(app, "", &coordinator, 1).await["items"][0].clone();
    let mut changed = lock_variant(1);
    change(&mut changed);
    let b_id = b.body["id"].as_str().unwrap();
    let path = format!("/api/v1/needs/{b_id}");
    let put = app.put(&path, Some(&horby), &b.etag(), &changed).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let after = poll(app, "/api/v1/match-groups", Some(&coordinator), |page| {
        page["items"][0][field] != before[field]
    })
    .await;
    (before, after["items"][0].clone())
}

/// A new budget reaches the coordinator's group: the same members, their budgets summed
/// anew (the service keeps the groups it formed and sums the budgets again).
async fn a_change_of_budget_reaches_the_groups(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cheaper = |need: &mut Value| need["budget_max_sek"] = json!("250000");
    let (before, after) = group_before_and_after(&app, cheaper, "combined_budget_sek").await;
    // Both needs asked for the fixture's budget: each was half the sum.
    let each = combined_budget(&before) / 2;
    assert!(each > 0, "{before}");
    assert_eq!(combined_budget(&after), each + 250_000, "{after}");
    assert_eq!(after["members"], before["members"]);
    assert_eq!(after["label"], before["label"]);
}

on_both_backends!(a_change_of_budget_reaches_the_groups);

/// New dates reach the coordinator's group: the service re-forms the groups from those
/// it formed, for the need that changed, and the group's earliest date moves with it.
async fn a_change_of_dates_reaches_the_groups(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sooner = |need: &mut Value| {
        need["needed_from"] = json!("2026-06-01");
        need["needed_by"] = json!("2026-12-31");
    };
    let (before, after) = group_before_and_after(&app, sooner, "earliest_needed_by").await;
    assert_eq!(before["earliest_needed_by"], "2027-12-31", "{before}");
    assert_eq!(after["earliest_needed_by"], "2026-12-31", "{after}");
    assert_eq!(after["members"], before["members"]);
}

on_both_backends!(a_change_of_dates_reaches_the_groups);

/// Between rebuilds, the service checks its snapshot against the open needs and their
/// visibility, read in one query: withdrawn, deleted and other organisations' internal
/// needs are told apart correctly on both databases.
async fn the_open_needs_are_read_with_their_visibility(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ystad = app.token("1286", &[Role::Strategist]);
    let horby = app.token("1266", &[Role::Strategist]);
    let post = |token: String, need: Value| {
        let app = &app;
        async move {
            let reply = app.post("/api/v1/needs", Some(&token), &need).await;
            assert_eq!(reply.status, 201, "{}", reply.body);
            reply
        }
    };
    let public = post(ystad.clone(), lock_variant(0)).await;
    let mut internal = lock_variant(1);
    internal["visibility"] = json!("internal");
    let internal = post(horby.clone(), internal).await;
    let withdrawn = post(horby.clone(), lock_variant(2)).await;
    let deleted = post(ystad.clone(), lock_variant(3)).await;
    let id = |r: &samverkan_e2e::Reply| {
        r.body["id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .unwrap()
    };
    let mut gone = lock_variant(2);
    gone["status"] = json!("withdrawn");
    let path = |r: &samverkan_e2e::Reply| format!("/api/v1/needs/{}", id(r));
    let put = app
        .put(&path(&withdrawn), Some(&horby), &withdrawn.etag(), &gone)
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let del = app.delete(&path(&deleted), Some(&ystad)).await;
    assert_eq!(del.status, 204, "{}", del.body);

    let open = app
        .store
        .open_needs_visibility(&samverkan_domain::Caller::system("test"))
        .await
        .expect("read");
    assert_eq!(
        open,
        std::collections::HashMap::from([(id(&public), true), (id(&internal), false)])
    );
}

on_both_backends!(the_open_needs_are_read_with_their_visibility);

/// When the registry was read for a page of matches or groups.
fn as_of(page: &Value) -> chrono::DateTime<chrono::Utc> {
    page["as_of"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .unwrap_or_else(|| panic!("as_of is a timestamp: {page}"))
        .to_utc()
}

on_both_backends!(withdrawn_needs_leave_matches_and_groups);

async fn operators_weights_shape_the_scores(backend: Backend) {
    // An operator who weighs shared topics higher (0.22 instead of 0.12, the text
    // correspondingly lower) sees it in every explanation.
    let app = TestApp::spawn_configured(backend, |config| {
        config.matching.text = 0.50;
        config.matching.topics = 0.22;
    })
    .await;
    let ystad = app.token("1286", &[Role::Strategist]);
    let horby = app.token("1266", &[Role::Strategist]);
    let a = app
        .post("/api/v1/needs", Some(&ystad), &lock_variant(0))
        .await;
    // The same text: full text support, so each signal contributes its whole weight.
    let mut same = lock_variant(0);
    same["title"] = json!("Digitala lås i hemtjänsten i Hörby");
    app.post("/api/v1/needs", Some(&horby), &same).await;
    let a = a.body["id"].as_str().unwrap();
    let found = matches_of(&app, a, None, 1).await;
    let contributions = found["items"][0]["why"]["contributions"]
        .as_array()
        .unwrap();
    let value = |signal: &str| {
        contributions
            .iter()
            .find(|c| c["signal"] == signal)
            .and_then(|c| c["value"].as_f64())
            .unwrap()
    };
    assert!((value("topics") - 0.22).abs() < 1e-4, "{contributions:?}");
    assert!((value("text") - 0.50).abs() < 1e-4, "{contributions:?}");
}

on_both_backends!(operators_weights_shape_the_scores);

/// Two needs for the same thing in the words of two traditions: the law's
/// "ekonomiskt bistånd" and the everyday "försörjningsstöd".
async fn benefit_needs(app: &TestApp) -> String {
    benefit_pair(
        app,
        "Ekonomiskt bistånd",
        "Ansökningar om ekonomiskt bistånd görs på papper idag.",
    )
    .await
}

/// A need for automating "försörjningsstöd" from Lund, and one `title`d and `text`ed
/// by Hörby for the same benefit in other words; returns the first's id.
async fn benefit_pair(app: &TestApp, title: &str, text: &str) -> String {
    let lund = app.token("1281", &[Role::Strategist]);
    let horby = app.token("1266", &[Role::Strategist]);
    let mut a = lock_need(
        "Försörjningsstöd",
        "Vi vill automatisera utbetalningen av försörjningsstöd.",
        "public",
    );
    a["activity_area"] = json!("socialtjanst");
    a["topics"] = json!(["automation"]);
    a["tags"] = json!([]);
    let mut b = a.clone();
    b["title"] = json!(title);
    b["description"] = json!(text);
    let a = app.post("/api/v1/needs", Some(&lund), &a).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let b = app.post("/api/v1/needs", Some(&horby), &b).await;
    assert_eq!(b.status, 201, "{}", b.body);
    a.body["id"].as_str().unwrap().to_string()
}

async fn an_operators_thesaurus_joins_needs_in_other_words(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("thesaurus.toml");
    std::fs::write(
        &file,
        "[[synonyms]]\nterms = [\"försörjningsstöd\", \"ekonomiskt bistånd\", \"socialbidrag\"]\n",
    )
    .unwrap();
    let plain = TestApp::spawn(backend).await;
    let need = benefit_needs(&plain).await;
    // A third need in the same words, so we know when the snapshot has all three.
    let mut same_words = lock_need(
        "Försörjningsstöd",
        "Utbetalningen av försörjningsstöd ska automatiseras.",
        "public",
    );
    same_words["tags"] = json!([]);
    let helsingborg = plain.token("1283", &[Role::Strategist]);
    plain
        .post("/api/v1/needs", Some(&helsingborg), &same_words)
        .await;
    let without = matches_of(&plain, &need, None, 1).await;
    let titles: Vec<&Value> = without["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["title"])
        .collect();
    assert_eq!(
        titles,
        [&json!("Försörjningsstöd")],
        "no shared words, no match"
    );

    let taught = TestApp::spawn_configured(backend, |config| {
        config.thesaurus.file = Some(file.clone());
    })
    .await;
    let need = benefit_needs(&taught).await;
    let with = matches_of(&taught, &need, None, 1).await;
    let first = &with["items"][0];
    assert_eq!(first["title"], "Ekonomiskt bistånd", "{with}");
    assert!(
        first["why"]["shared_terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "försörjningsstöd"),
        "the shared concept explains the match: {with}"
    );
}

on_both_backends!(an_operators_thesaurus_joins_needs_in_other_words);

/// Two needs for one benefit in other words ("försörjningsstöd", "socialbidrag"), from
/// Lund and Hörby; returns the first's id.
async fn benefit_needs_in_other_words(app: &TestApp) -> String {
    benefit_pair(
        app,
        "Socialbidrag",
        "Utbetalning av socialbidrag ska ske automatiskt.",
    )
    .await
}

/// The first match of `need`'s page once it says how close in meaning (embedding takes a
/// moment after the need is written, then a rebuild), or the last page after a minute.
async fn first_match_with_meaning(app: &TestApp, need: &str) -> Value {
    let path = format!("/api/v1/needs/{need}/matches");
    let mut page = Value::Null;
    for _ in 0..6 {
        page = poll(app, &path, None, |p| {
            p["items"][0]["why"]["meaning"].is_number()
        })
        .await;
        if page["items"][0]["why"]["meaning"].is_number() {
            break;
        }
    }
    page
}

/// The embeddings the service has kept, of the test server's model.
async fn kept_embeddings(app: &TestApp) -> Vec<samverkan_store::repo::embeddings::NeedEmbedding> {
    app.store
        .need_embeddings(
            &samverkan_domain::Caller::system("test"),
            "multilingual-e5-small",
        )
        .await
        .expect("read")
}

/// With an embedding server (a real one: multilingual-e5-small), the service embeds
/// each need once, keeps the embedding, and matches needs by meaning too: the pair in
/// other words scores higher than by its words alone, and the match says how close in
/// meaning the two are.
async fn an_embedding_model_matches_needs_by_meaning(backend: Backend) {
    let plain = TestApp::spawn(backend).await;
    let need = benefit_needs_in_other_words(&plain).await;
    let words_alone = poll(
        &plain,
        &format!("/api/v1/needs/{need}/matches"),
        None,
        at_least(1),
    )
    .await;
    let before = words_alone["items"][0]["score"].as_f64().unwrap_or(0.0);
    assert!(
        words_alone["items"][0]["why"]["meaning"].is_null(),
        "{words_alone}"
    );

    let url = samverkan_e2e::embeddings::url();
    let app = TestApp::spawn_configured(backend, |config| {
        config.embeddings.url = Some(url.clone());
    })
    .await;
    let need = benefit_needs_in_other_words(&app).await;
    let page = first_match_with_meaning(&app, &need).await;
    let first = &page["items"][0];
    assert_eq!(first["title"], "Socialbidrag", "{page}");
    let meaning = first["why"]["meaning"]
        .as_f64()
        .expect("how close in meaning");
    assert!(meaning > 0.5, "close in meaning: {page}");
    let score = first["score"].as_f64().unwrap();
    assert!(
        score > before,
        "{score} with meaning, {before} by words alone"
    );

    let kept = kept_embeddings(&app).await;
    assert_eq!(kept.len(), 2, "each need embedded once and kept");
    assert!(
        kept.iter()
            .all(|k| k.vector.len() == 384 && k.input_digest.len() == 64)
    );

    // A changed text is embedded anew; the old embedding is replaced, not added to.
    let id: uuid::Uuid = need.parse().unwrap();
    let digest_of = |kept: &[samverkan_store::repo::embeddings::NeedEmbedding]| {
        kept.iter()
            .find(|k| k.need_id == id)
            .map(|k| k.input_digest.clone())
    };
    let before = digest_of(&kept);
    let path = format!("/api/v1/needs/{need}");
    let lund = app.token("1281", &[Role::Strategist]);
    let current = app.get(&path, Some(&lund)).await;
    let mut changed = current.body.clone();
    changed["description"] = json!("Utbetalningen av försörjningsstöd ska ske utan manuella steg.");
    let put = app.put(&path, Some(&lund), &current.etag(), &changed).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let mut after = kept;
    for _ in 0..300 {
        after = kept_embeddings(&app).await;
        if digest_of(&after) != before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(digest_of(&after), before, "the new text is embedded");
    assert_eq!(after.len(), 2, "replaced, not added");
}

on_both_backends!(an_embedding_model_matches_needs_by_meaning);

/// An embedding server that does not answer stops nothing: needs are matched by their
/// words, and matches say nothing of meaning.
async fn matching_goes_on_when_the_embedding_server_is_down(backend: Backend) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let app = TestApp::spawn_configured(backend, |config| {
        config.embeddings.url = Some(format!("http://127.0.0.1:{closed}/v1"));
    })
    .await;
    let need = benefit_needs_in_other_words(&app).await;
    let page = matches_of(&app, &need, None, 1).await;
    assert_eq!(page["items"][0]["title"], "Socialbidrag", "{page}");
    assert!(page["items"][0]["why"]["meaning"].is_null(), "{page}");
}

on_both_backends!(matching_goes_on_when_the_embedding_server_is_down);

/// Kept embeddings are derived data: read within the caller's scope (another
/// organisation's internal need stays hidden), written only by the service itself.
async fn kept_embeddings_follow_the_needs_scope(backend: Backend) {
    use samverkan_domain::{Caller, OrgId};
    use samverkan_store::repo::embeddings::NeedEmbedding;
    let app = TestApp::spawn(backend).await;
    let ystad = app.token("1286", &[Role::Strategist]);
    let mut internal = lock_variant(0);
    internal["visibility"] = json!("internal");
    let reply = app.post("/api/v1/needs", Some(&ystad), &internal).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id: uuid::Uuid = reply.body["id"].as_str().unwrap().parse().unwrap();
    let row = NeedEmbedding {
        need_id: id,
        model: "m".into(),
        input_digest: "d".repeat(64),
        vector: vec![0.25, -1.0, 3.5],
    };
    let system = Caller::system("test");
    let staff = |org: &str| Caller::staff("s", OrgId::parse(org).unwrap(), [Role::Strategist]);
    let refused = app
        .store
        .save_need_embeddings(&staff("1286"), std::slice::from_ref(&row))
        .await;
    assert!(refused.is_err(), "staff may not write derived data");
    app.store
        .save_need_embeddings(&system, std::slice::from_ref(&row))
        .await
        .expect("the service keeps it");
    let read = |caller: Caller| {
        let store = app.store.clone();
        async move { store.need_embeddings(&caller, "m").await.expect("read") }
    };
    assert_eq!(read(system.clone()).await, vec![row.clone()]);
    assert_eq!(read(staff("1286")).await, vec![row]);
    assert!(
        read(staff("1266")).await.is_empty(),
        "another tenant's internal need"
    );
    assert!(
        app.store
            .need_embeddings(&system, "other")
            .await
            .unwrap()
            .is_empty(),
        "only the model asked for"
    );
}

on_both_backends!(kept_embeddings_follow_the_needs_scope);
