//! Scale benchmark (issue 4): synthetic needs at the sizes given (default 1,000 and
//! 10,000), reporting the time to prepare the engine, to match one need against all, to
//! form every group, peak memory, and the recall@10 against brute force of one need's
//! search and of the batch behind the groups (both exact up to 1,024 distinct texts;
//! beyond, approximate with exact re-scoring).
//!
//! `cargo run --release -p samverkan-matchmaking --example scale -- [--realistic|--families] [--meaning] [--repeat=N] [--samples=N] [--changed=N] [--full-recall] [--digest] [--texts=N] [SIZES...]`
//! (`THESAURUS=FILE` before it prepares the engine with that thesaurus; `--meaning`
//! gives every need a synthetic sentence embedding made from the labelled needs' real
//! ones (see `meaning.rs`; with `--realistic` or `--families`); `--texts=N` prints the
//! first N needs instead of measuring; `--repeat=N`
//! forms all groups N times and reports the fastest and the median (and, beside them,
//! the CPU seconds the median run used and the seconds the hypervisor took from the
//! machine meanwhile); `--full-recall`
//! also measures the batch's recall over every need against the batch without shared
//! candidates; `--samples=N` matches N needs alone and against brute force, 50 by
//! default; `--changed=N` times re-forming the groups after N needs changed their dates
//! and level, 10 by default; `--digest` prints a digest of the batch's results, which
//! two builds of one toolchain give alike when a change leaves the search's results as
//! they were, ties and all).
//!
//! The default generator repeats a few texts (about 5,000 distinct texts at 100,000
//! needs), which flatters the engine: needs with the same text are analysed and searched
//! once. `--realistic` builds every need from a need of the labelled set
//! (`tests/matchmaking/eval.json`): its title, two of its sentences, two sentences of
//! other needs and a local detail (place, volume), so nearly every text is distinct and
//! the vocabulary grows with the corpus; but every need then has about N/160
//! near-duplicates. `--families` crosses two labelled needs per family (161 × 160
//! families), so a need has a handful of close matches, as in a real registry.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use samverkan_matchmaking::{Adopted, Engine, NeedInfo, OrgInfo, Thesaurus, Weights};
use uuid::Uuid;

#[path = "../shared/embeddings_file.rs"]
mod embeddings_file;
mod meaning;

const SUBJECTS: &[&str] = &[
    "digitala lås i hemtjänsten",
    "e-arkiv för långtidsbevarande",
    "trygghetslarm med digital teknik",
    "e-tjänst för bygglov",
    "robot för försörjningsstöd",
    "gemensam baskarta",
    "skolplattform och inloggning",
    "sensorer för inomhusklimat",
    "vattenmätare med fjärravläsning",
    "informationssäkerhetsklassning",
    "läkemedelsrobotar i hemsjukvården",
    "chattbot för kontaktcenter",
    "öppna data om lokaler",
    "fakturahantering med automatisk kontering",
    "bredband på landsbygden",
    "digital signering av avtal",
];
const DETAILS: &[&str] = &[
    "Vi vill samverka med andra kommuner.",
    "Personalen behöver utbildning.",
    "Lösningen ska integreras med verksamhetssystemet.",
    "Kostnaden ska delas efter invånarantal.",
    "Brukarna ska få en tryggare vardag.",
    "Handläggningstiden ska kortas.",
    "Informationen ska bevaras enligt arkivlagen.",
    "Vi behöver hjälp med upphandlingen.",
];

fn needs(count: usize) -> Vec<NeedInfo> {
    (0..count)
        .map(|i| {
            let subject = SUBJECTS[(i * 7 + i / 13) % SUBJECTS.len()];
            NeedInfo {
                id: Uuid::from_u128(i as u128 + 1),
                org: format!("{}", 1214 + (i % 79)),
                title: format!("{} etapp {}", subject, i % 5),
                text: format!(
                    "{} {} {}",
                    subject,
                    DETAILS[i % DETAILS.len()],
                    DETAILS[(i / 3) % DETAILS.len()]
                ),
                activity_area: ["omsorg", "skola", "teknik", "ledning_stod"][i % 4].into(),
                topics: vec![
                    ["iot", "e_arkiv", "automation", "gis", "valfardsteknik"][i % 5].into(),
                ],
                needed_from: None,
                needed_by: NaiveDate::from_ymd_opt(2026 + (i % 4) as i32, 1 + (i % 12) as u32, 1),
                budget_max_sek: Some(100_000 + (i as u64 % 50) * 10_000),
                collaboration_level: (i % 3) as u8,
                public: true,
            }
        })
        .collect()
}

/// Places in Skåne, for the local detail of realistic needs.
const PLACES: &[&str] = &[
    "Ystad",
    "Tomelilla",
    "Simrishamn",
    "Sjöbo",
    "Skurup",
    "Trelleborg",
    "Vellinge",
    "Svedala",
    "Staffanstorp",
    "Burlöv",
    "Lomma",
    "Kävlinge",
    "Eslöv",
    "Höör",
    "Hörby",
    "Landskrona",
    "Svalöv",
    "Bjuv",
    "Åstorp",
    "Klippan",
    "Perstorp",
    "Örkelljunga",
    "Ängelholm",
    "Båstad",
    "Höganäs",
    "Helsingborg",
    "Hässleholm",
    "Osby",
    "Östra Göinge",
    "Bromölla",
    "Kristianstad",
    "Lund",
    "Malmö",
    "Dalby",
    "Veberöd",
    "Södra Sandby",
    "Genarp",
    "Löddeköpinge",
    "Bjärred",
    "Anderslöv",
    "Rydsgård",
    "Tollarp",
    "Åhus",
];
const UNITS: &[&str] = &[
    "brukare",
    "elever",
    "medarbetare",
    "fastigheter",
    "ärenden",
    "hushåll",
];

/// A tiny deterministic generator (SplitMix64), so runs are comparable.
struct Mix(u64);

impl Mix {
    /// The next number (splitmix64: deterministic, and no two states alike).
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A need of the labelled set, which generated needs are made of.
struct Seed {
    /// Its name in the set ("n001"), which its embedding is filed under.
    name: String,
    title: String,
    sentences: Vec<String>,
    area: String,
    topics: Vec<String>,
}

/// The labelled set's needs.
fn seeds() -> Vec<Seed> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/matchmaking/eval.json"
    );
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read eval set")).expect("JSON");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    raw["needs"]
        .as_array()
        .expect("needs")
        .iter()
        .map(|n| {
            let sentences = text(&n["description"])
                .split_inclusive(['.', '!', '?'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let topics = n["topics"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect();
            Seed {
                name: text(&n["id"]),
                title: text(&n["title"]),
                sentences,
                area: text(&n["activity_area"]),
                topics,
            }
        })
        .collect()
}

/// Need `i` of a generated registry: `sentences` and a local detail (place, volume) as
/// its text, an organisation drawn from `rng`, dates, budget and level cycling with `i`.
fn synthetic_need(
    i: usize,
    rng: &mut Mix,
    title: String,
    sentences: &[&str],
    area: &str,
    topics: &[String],
) -> NeedInfo {
    let detail = format!(
        "Gäller {} med cirka {} {}.",
        PLACES[rng.below(PLACES.len())],
        10 + rng.below(5000),
        UNITS[rng.below(UNITS.len())]
    );
    NeedInfo {
        id: Uuid::from_u128(i as u128 + 1),
        org: format!("{}", 1214 + rng.below(79)),
        title,
        text: format!("{} {detail}", sentences.join(" ")),
        activity_area: area.to_string(),
        topics: topics.to_vec(),
        needed_from: None,
        needed_by: NaiveDate::from_ymd_opt(2026 + (i % 4) as i32, 1 + (i % 12) as u32, 1),
        budget_max_sek: Some(100_000 + (i as u64 % 50) * 10_000),
        collaboration_level: (i % 3) as u8,
        public: true,
    }
}

/// Generated needs, with what each one's text is made of (for `--meaning`).
struct Generated {
    needs: Vec<NeedInfo>,
    /// Each need's labelled needs, with their shares of its meaning; empty for the
    /// repetitive generator, whose texts are not made of labelled needs.
    sources: Vec<meaning::Sources>,
    /// The length of each need's own direction in meaning (see `meaning::embeddings`).
    own: f32,
    /// The labelled set's need names, in its order.
    names: Vec<String>,
}

/// The repetitive generator's needs (no meaning of their own).
fn repetitive(count: usize) -> Generated {
    Generated {
        needs: needs(count),
        sources: vec![],
        own: 0.0,
        names: vec![],
    }
}

/// Realistic needs: nearly every text distinct, vocabulary growing with the corpus.
fn realistic_needs(count: usize) -> Generated {
    let seeds = seeds();
    let pool: Vec<(usize, &String)> = seeds
        .iter()
        .enumerate()
        .flat_map(|(k, s)| s.sentences.iter().map(move |t| (k, t)))
        .collect();
    let mut rng = Mix(42);
    let (needs, sources) = (0..count)
        .map(|i| {
            let a = rng.below(seeds.len());
            let seed = &seeds[a];
            let own = &seed.sentences;
            let mut sentences: Vec<&str> = (0..2)
                .filter(|_| !own.is_empty())
                .map(|_| own[rng.below(own.len())].as_str())
                .collect();
            let mut sources = vec![(a, 1.0)];
            for (k, sentence) in (0..2).map(|_| pool[rng.below(pool.len())]) {
                sentences.push(sentence);
                sources.push((k, meaning::BORROWED));
            }
            let need = synthetic_need(
                i,
                &mut rng,
                seed.title.clone(),
                &sentences,
                &seed.area,
                &seed.topics,
            );
            (need, sources)
        })
        .unzip();
    Generated {
        needs,
        sources,
        own: meaning::OWN_REALISTIC,
        names: seeds.into_iter().map(|s| s.name).collect(),
    }
}

/// Needs in small families: each family crosses two needs of the labelled set (its
/// title joins both titles, its sentences come from both), so there are 161 × 160
/// families and, at 100,000 needs, about four needs a family, as in a registry where a
/// need has a handful of close matches rather than hundreds.
fn family_needs(count: usize) -> Generated {
    let seeds = seeds();
    let mut rng = Mix(7);
    let (needs, sources) = (0..count)
        .map(|i| {
            let a = rng.below(seeds.len());
            let b = (a + 1 + rng.below(seeds.len() - 1)) % seeds.len();
            let (first, second) = (&seeds[a], &seeds[b]);
            let mut sentences: Vec<&str> = Vec::new();
            for own in [&first.sentences, &first.sentences, &second.sentences] {
                if !own.is_empty() {
                    sentences.push(own[rng.below(own.len())].as_str());
                }
            }
            let title = format!("{}: {}", first.title, second.title.to_lowercase());
            let need = synthetic_need(i, &mut rng, title, &sentences, &first.area, &first.topics);
            (need, vec![(a, 1.0), (b, meaning::SECOND_NEED)])
        })
        .unzip();
    Generated {
        needs,
        sources,
        own: meaning::OWN_FAMILIES,
        names: seeds.into_iter().map(|s| s.name).collect(),
    }
}

fn orgs() -> Vec<OrgInfo> {
    (0..79)
        .map(|k| OrgInfo {
            id: format!("{}", 1214 + k),
            subregion: Some(format!("region{}", k % 4)),
            population: Some(10_000 + k * 1000),
        })
        .collect()
}

/// Peak resident memory of this process so far, from /proc (Linux), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Seconds to prepare `engine`'s needs again after a write that changed no text (the
/// service's rebuild then reuses the analysis of the texts, see `Engine::updated`).
fn prepare_again(
    engine: &Engine,
    thesaurus: &Thesaurus,
    meaning: Option<&HashMap<Uuid, std::sync::Arc<[f32]>>>,
) -> f64 {
    let needs = engine.needs().to_vec();
    let started = Instant::now();
    let mut again = Engine::updated(engine, Weights::default(), thesaurus, needs, vec![], orgs());
    if let Some(embeddings) = meaning {
        again = again.with_embeddings_since(Some(engine), embeddings);
        assert!(again.shares_meaning_with(engine));
    }
    assert!(again.shares_texts_with(engine));
    started.elapsed().as_secs_f64()
}

/// Seconds to re-form `engine`'s groups (formed already) in a rebuild where `changed`
/// needs, spread over the registry, changed their dates and level: what the service does
/// after such a write ([`Engine::adopt_groups_of`]). With `full_recall`, also prints how
/// many of a new batch's results the re-formed best matches hold.
fn regroup_after_changes(
    engine: &Engine,
    changed: usize,
    full_recall: bool,
    thesaurus: &Thesaurus,
    meaning: Option<&HashMap<Uuid, std::sync::Arc<[f32]>>>,
) -> f64 {
    let mut needs = engine.needs().to_vec();
    let step = needs.len() / changed;
    for n in needs.iter_mut().step_by(step).take(changed) {
        n.needed_by = n
            .needed_by
            .and_then(|d| d.checked_add_months(chrono::Months::new(18)));
        n.collaboration_level = (n.collaboration_level + 1) % 3;
    }
    let mut again = Engine::updated(engine, Weights::default(), thesaurus, needs, vec![], orgs());
    if let Some(embeddings) = meaning {
        again = again.with_embeddings_since(Some(engine), embeddings);
    }
    let started = Instant::now();
    let adopted = again.adopt_groups_of(engine);
    assert_eq!(adopted, Some(Adopted::Regrouped(changed)));
    let took = started.elapsed().as_secs_f64();
    if full_recall {
        let regrouped = again.grouped_matches().expect("re-formed");
        let anew = again.best_matches_of_all();
        let (hits, total) = samverkan_matchmaking::groups::results_found(&regrouped, &anew);
        eprintln!(
            "{} needs, {changed} changed: the re-formed best matches hold {:.5} of a new batch's results ({} of {total} missed)",
            regrouped.len(),
            hits as f64 / total.max(1) as f64,
            total - hits,
        );
    }
    took
}

/// Seconds of CPU this process has used (user and system), and seconds the hypervisor
/// has taken from this machine's CPUs (`steal`), from /proc (Linux): wall times on a
/// shared 2-core machine vary by a quarter between runs of one build, and these say how
/// much of that is the work and how much the neighbours. The kernel counts both in
/// USER_HZ, 100 a second on Linux.
fn cpu_and_stolen() -> (f64, f64) {
    let ticks = |text: &str, first: usize, count: usize| -> f64 {
        text.split_whitespace()
            .skip(first)
            .take(count)
            .filter_map(|t| t.parse::<f64>().ok())
            .sum::<f64>()
            / 100.0
    };
    let own = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name (in parentheses): state is the first field, utime and
    // stime the 12th and 13th.
    let after_name = own.rsplit_once(')').map_or("", |(_, rest)| rest);
    let all = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu = all.lines().next().unwrap_or_default();
    // "cpu user nice system idle iowait irq softirq steal ...".
    (ticks(after_name, 11, 2), ticks(cpu, 8, 1))
}

/// Forms every group `repeats` times: how many groups, and the time taken (the fastest
/// and the median when repeated), and the CPU seconds and stolen seconds of the median
/// run. The first run's groups are kept with the engine, as the service keeps them.
fn time_groups(engine: &Engine, repeats: usize) -> (usize, String, String) {
    let mut runs = Vec::new();
    let mut groups = 0;
    for run in 0..repeats {
        let (cpu, stolen) = cpu_and_stolen();
        let t = Instant::now();
        groups = if run == 0 {
            engine.cached_groups().len()
        } else {
            engine.groups().len()
        };
        let wall = t.elapsed().as_secs_f64();
        let (cpu_after, stolen_after) = cpu_and_stolen();
        runs.push((wall, cpu_after - cpu, stolen_after - stolen));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (fastest, median) = (runs[0], runs[runs.len() / 2]);
    let time = if repeats > 1 {
        format!("{:.1} / {:.1}", fastest.0, median.0)
    } else {
        format!("{:.1}", fastest.0)
    };
    let cpu = format!("{:.1} / {:.1}", median.1, median.2);
    (groups, time, cpu)
}

/// The batch's recall@10 over every need, against the batch in which every class finds
/// its own candidates (whose recall against brute force is the single search's): what
/// sharing a leader's candidates costs, at a resolution the sampled needs cannot
/// give. Printed on standard error, beside the table.
fn full_batch_recall(engine: &Engine, batch: &[Vec<(usize, f32)>]) {
    let started = Instant::now();
    let reference = engine.best_matches_of_all_unshared();
    let took = started.elapsed().as_secs_f64();
    let (hits, total) = samverkan_matchmaking::groups::results_found(batch, &reference);
    eprintln!(
        "{} needs: batch recall@10 over every need against the unshared batch {:.4} ({} of {total} missed); the unshared batch took {took:.1} s",
        batch.len(),
        hits as f64 / total.max(1) as f64,
        total - hits,
    );
}

/// `--texts=N`: the first `count` needs of `generated` as JSON lines (title, text, the
/// labelled needs the text is made of, by name, with their shares of its meaning, and
/// the length of its own direction), for comparing the synthetic
/// meaning with a real model's (`tests/matchmaking/synthetic_meaning.py`).
fn print_texts(generated: &Generated, count: usize) {
    for (need, sources) in generated.needs.iter().zip(&generated.sources).take(count) {
        let sources: Vec<(&str, f32)> = sources
            .iter()
            .map(|&(seed, share)| (generated.names[seed].as_str(), share))
            .collect();
        let line = serde_json::json!({
            "title": need.title,
            "text": need.text,
            "sources": sources,
            "own": generated.own,
        });
        println!("{line}");
    }
}

/// A digest of every need's best matches (need and score bits, in order): a change meant
/// only to make the search faster must leave it as it was. The standard library's hasher
/// is the same across builds of one toolchain, not across toolchains.
fn digest(batch: &[Vec<(usize, f32)>]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for top in batch {
        top.len().hash(&mut hasher);
        for &(j, score) in top {
            (j, score.to_bits()).hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// The number given as `PREFIXN` on the command line (at least 1), or `default`.
fn number_flag(prefix: &str, default: usize) -> usize {
    std::env::args()
        .find_map(|a| a.strip_prefix(prefix).and_then(|n| n.parse().ok()))
        .unwrap_or(default)
        .max(1)
}

fn main() {
    let flag = |name: &str| std::env::args().any(|a| a == name);
    // `--full-recall`: also measure the batch over every need (see `full_batch_recall`).
    let full_recall = flag("--full-recall");
    // `--digest`: print a digest of the batch's results (see `digest`).
    let print_digest = flag("--digest");
    let meaning = flag("--meaning");
    // `--texts=N`: print the first N generated needs instead of measuring (see
    // `print_texts`).
    let texts = std::env::args().find_map(|a| a.strip_prefix("--texts=")?.parse().ok());
    let generate: fn(usize) -> Generated = if flag("--realistic") {
        realistic_needs
    } else if flag("--families") {
        family_needs
    } else {
        repetitive
    };
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    if let Some(count) = texts {
        for &n in &sizes {
            print_texts(&generate(n), count);
        }
        return;
    }
    if meaning && !flag("--realistic") && !flag("--families") {
        eprintln!(
            "--meaning needs --realistic or --families, whose texts are made of labelled needs"
        );
        std::process::exit(2);
    }
    // `THESAURUS=FILE`: prepare with a thesaurus, to measure what expanding texts costs.
    let thesaurus = std::env::var("THESAURUS").map_or_else(
        |_| Thesaurus::default(),
        |path| {
            let raw = std::fs::read_to_string(path).expect("THESAURUS is readable");
            Thesaurus::new(&samverkan_matchmaking::thesaurus::parse_sets(&raw).expect("valid"))
        },
    );
    // `--repeat=N`: form all groups N times and report the fastest and the median, as
    // times on a shared machine vary between runs.
    let repeats = number_flag("--repeat=", 1);
    // `--samples=N`: how many needs are matched alone and checked against brute force
    // (50 by default; each costs a scoring of every need).
    let samples = number_flag("--samples=", 50);
    // `--changed=N`: how many needs change their dates and level before the groups are
    // re-formed from those formed (10 by default; see `regroup_after_changes`).
    let changed = number_flag("--changed=", 10);
    let grouping_header = if repeats > 1 {
        format!("all groups s (min / median of {repeats})")
    } else {
        "all groups s".to_string()
    };
    println!(
        "| needs | prepare s | again, no text changed s | match one need ms (p50 / max of {samples}) | {grouping_header} | its CPU / stolen s | again, {changed} needs changed s | groups | recall@10 vs brute force | batch recall@10 | peak RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let generated = generate(n);
        let meaning = meaning.then(|| {
            let labelled = meaning::labelled(&generated.names);
            meaning::embeddings(
                &generated.needs,
                &generated.sources,
                generated.own,
                &labelled,
            )
        });
        let needs = generated.needs;
        let started = Instant::now();
        let mut engine =
            Engine::with_thesaurus(Weights::default(), &thesaurus, needs, vec![], orgs());
        if let Some(embeddings) = &meaning {
            engine = engine.with_embeddings(embeddings);
        }
        let prepare = started.elapsed().as_secs_f64();
        let again = prepare_again(&engine, &thesaurus, meaning.as_ref());
        let mut times = Vec::new();
        let mut recall_hits = 0;
        // (need, exact tenth best, how many exact matches) of the sampled needs.
        let mut sampled = Vec::new();
        let mut recall_total = 0;
        for k in 0..samples {
            let i = (k * 7919) % n;
            let id = engine.needs()[i].id;
            let t = Instant::now();
            let fast = engine.matches(id, 10);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            // Brute force: score every need of another organisation.
            let exact = engine.matches_by_scoring_all(id, 10);
            // Synthetic texts repeat, so many needs tie: a fast result counts as found when
            // it scores at least the exact tenth best.
            let tenth = exact.last().map_or(0.0, |m| m.score);
            recall_total += exact.len();
            sampled.push((i, tenth, exact.len()));
            recall_hits += fast
                .iter()
                .filter(|m| m.score >= tenth - 1e-6)
                .count()
                .min(exact.len());
        }
        times.sort_by(f64::total_cmp);
        let (groups, grouping, cpu) = time_groups(&engine, repeats);
        let regroup =
            regroup_after_changes(&engine, changed, full_recall, &thesaurus, meaning.as_ref());
        // The batch behind the groups (kept with them by `time_groups`), against the
        // same brute force.
        let batch = engine
            .grouped_matches()
            .expect("groups formed by time_groups");
        let (mut batch_hits, mut batch_total) = (0, 0);
        for (i, tenth, want) in sampled {
            batch_total += want;
            batch_hits += batch[i]
                .iter()
                .filter(|(_, s)| *s >= tenth - 1e-6)
                .count()
                .min(want);
        }
        if full_recall {
            full_batch_recall(&engine, &batch);
        }
        if print_digest {
            eprintln!("{n} needs: batch digest {:016x}", digest(&batch));
        }
        println!(
            "| {n} | {prepare:.2} | {again:.2} | {:.2} / {:.2} | {grouping} | {cpu} | {regroup:.2} | {} | {:.3} | {:.3} | {:.0} |",
            times[times.len() / 2],
            times[times.len() - 1],
            groups,
            recall_hits as f64 / recall_total.max(1) as f64,
            batch_hits as f64 / batch_total.max(1) as f64,
            peak_rss_mb()
        );
    }
}
