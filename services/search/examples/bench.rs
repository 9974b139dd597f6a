//! Search benchmark (issue 3): builds an embedded index of 100,000 solutions with
//! realistic Swedish text and measures indexing throughput, index size and query latency
//! for a fixed mix of queries, in-process.
//!
//! `cargo run --release -p samverkan-search --example bench -- [DIR] [COUNT]`
//!
//! The index is left in DIR (default: a temporary directory) so `tests/bench/search.sh`
//! can serve it over HTTP.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use samverkan_search::embedded::EmbeddedIndex;
use samverkan_search::{
    Change, Dimension, DocKind, Document, Facets, Filters, Scope, SearchIndex, SearchQuery,
};
use uuid::Uuid;

const SUBJECTS: &[(&str, &str)] = &[
    ("Plattform för e-arkiv", "e_arkiv"),
    ("Digitala lås i hemtjänsten", "valfardsteknik"),
    ("Robot för handläggning av försörjningsstöd", "automation"),
    ("Karttjänst för detaljplaner", "gis"),
    ("E-tjänst för bygglov", "e_tjanster"),
    ("Sensorer för inomhusklimat i skolor", "iot"),
    ("Digitala trygghetslarm", "valfardsteknik"),
    ("Integration mot skolplattformen", "skolplattform"),
    (
        "System för ärendehantering och diarieföring",
        "arendehantering",
    ),
    (
        "Mall för informationssäkerhetsklassning",
        "informationssakerhet",
    ),
    ("Läkemedelsrobot i hemsjukvården", "valfardsteknik"),
    ("Öppna data om lediga lokaler", "oppna_data"),
    ("Chattbot för kontaktcenter", "ai"),
    ("Fakturahantering med automatisk kontering", "ekonomi_hr"),
    ("Vattenmätare med fjärravläsning", "iot"),
];
const PLACES: &[&str] = &[
    "Malmö",
    "Lund",
    "Helsingborg",
    "Kristianstad",
    "Ystad",
    "Hässleholm",
    "Trelleborg",
    "Eslöv",
    "Höör",
    "Osby",
    "Tomelilla",
    "Perstorp",
];
const SENTENCES: &[&str] = &[
    "Lösningen används i {place} sedan flera år och har sparat tid för handläggarna.",
    "Vi har dokumenterat införandet så att andra kommuner kan återanvända arbetet.",
    "Tjänsten bygger på öppen källkod och kan driftas i kommunens egen miljö.",
    "Medarbetarna i {place} var med och tog fram kraven tillsammans med leverantören.",
    "Införandet kräver en integration mot verksamhetssystemet och utbildning av personalen.",
    "Kostnaden delas mellan de deltagande kommunerna efter antal invånare.",
    "Brukarna upplever en tryggare vardag och färre missade besök.",
    "Informationen bevaras enligt arkivlagen och gallras enligt dokumenthanteringsplanen.",
    "En förstudie visade att processen kan automatiseras till stor del.",
    "Kommunerna i Skåne Nordost har visat intresse för en gemensam upphandling.",
];
const KINDS: &[&str] = &[
    "software",
    "e_service",
    "process_automation",
    "framework_agreement",
    "template_policy",
    "other",
];
const MATURITIES: &[&str] = &["idea", "pilot", "production", "in_use_by_several"];
const LICENCES: &[&str] = &[
    "EUPL-1.2",
    "MIT",
    "Apache-2.0",
    "AGPL-3.0-or-later",
    "LicenseRef-Proprietary",
];
const ORGS: &[&str] = &[
    "1280", "1281", "1283", "1290", "1286", "1293", "1287", "1285", "1267", "1273",
];

fn corpus(count: usize) -> Vec<Document> {
    let mut rng = StdRng::seed_from_u64(2026);
    (0..count)
        .map(|i| {
            let (subject, topic) = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
            let place = PLACES[rng.random_range(0..PLACES.len())];
            let body: Vec<String> = (0..rng.random_range(3..7))
                .map(|_| SENTENCES[rng.random_range(0..SENTENCES.len())].replace("{place}", place))
                .collect();
            Document {
                id: Uuid::from_u128(i as u128 + 1),
                kind: DocKind::Solution,
                title: format!("{subject} – {place}"),
                body: body.join(" "),
                org_id: ORGS[i % ORGS.len()].into(),
                subregion: Some(
                    if i % 3 == 0 {
                        "Skåne Nordost"
                    } else {
                        "Malmö-Lundaregionen"
                    }
                    .into(),
                ),
                public: i % 10 != 0,
                facets: Facets {
                    topics: vec![topic.into()],
                    solution_kind: Some(KINDS[i % KINDS.len()].into()),
                    maturity: Some(MATURITIES[i % MATURITIES.len()].into()),
                    licence: Some(LICENCES[i % LICENCES.len()].into()),
                    ..Facets::default()
                },
                updated_at: Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap(),
            }
        })
        .collect()
}

/// The fixed query mix: single words, phrases, typos, compound parts, facet filters.
fn query_mix() -> Vec<SearchQuery> {
    let text = |t: &str, scope: Scope| SearchQuery {
        text: Some(t.into()),
        filters: Filters::new(),
        scope,
        limit: 20,
        offset: 0,
    };
    let mut mix = vec![
        text("hemtjänsten", Scope::PublicOnly),
        text("arkiv", Scope::PublicOnly),
        text("bygglov", Scope::OwnAndPublic("1280".into())),
        text("\"digitala lås\"", Scope::PublicOnly),
        text("\"öppen källkod\"", Scope::Everything),
        text("ärendehantring", Scope::PublicOnly),
        text("trygghetslarn", Scope::PublicOnly),
        text("sjukvård", Scope::PublicOnly),
        text("sensorer skolor", Scope::PublicOnly),
        text("gemensam upphandling Skåne", Scope::PublicOnly),
    ];
    let mut filtered = text("kommun", Scope::PublicOnly);
    filtered
        .filters
        .insert(Dimension::Topic, vec!["e_arkiv".into()]);
    mix.push(filtered);
    let mut browse = SearchQuery {
        text: None,
        filters: Filters::new(),
        scope: Scope::PublicOnly,
        limit: 20,
        offset: 0,
    };
    browse
        .filters
        .insert(Dimension::Maturity, vec!["production".into()]);
    browse
        .filters
        .insert(Dimension::Subregion, vec!["Skåne Nordost".into()]);
    mix.push(browse);
    mix
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tmp = tempfile::tempdir().unwrap();
    let dir = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("search-index"));
    let count: usize = args.get(2).and_then(|c| c.parse().ok()).unwrap_or(100_000);
    let docs = corpus(count);
    let index = EmbeddedIndex::open(&dir).unwrap();
    index.clear().await.unwrap();

    let started = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    for doc in docs {
        batch.push(Change::Upsert(Box::new(doc)));
        if batch.len() == 10_000 {
            index.apply(std::mem::take(&mut batch)).await.unwrap();
        }
    }
    index.apply(batch).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "indexed {count} documents in {seconds:.1} s: {:.0} docs/s",
        count as f64 / seconds
    );
    println!(
        "index size: {:.1} MiB in {}",
        dir_size(&dir) as f64 / 1_048_576.0,
        dir.display()
    );

    let mix = query_mix();
    for q in &mix {
        index.search(q).await.unwrap(); // warm up
    }
    let mut all = Vec::new();
    println!("\n| query | hits | p50 ms | p99 ms |\n|---|---|---|---|");
    for q in &mix {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..200 {
            let t = Instant::now();
            total = index.search(q).await.unwrap().total;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let label = match (&q.text, q.filters.is_empty()) {
            (Some(t), true) => t.clone(),
            (Some(t), false) => format!("{t} + filter"),
            (None, _) => "browse by facets".into(),
        };
        println!(
            "| {label} | {total} | {:.2} | {:.2} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "| **whole mix** ({} queries) | | {:.2} | {:.2} |",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
}
