//! Scale benchmark (issue 4): synthetic needs at the sizes given (default 1,000 and
//! 10,000), reporting the time to prepare the engine, to match one need against all, to
//! form every group, peak memory, and the recall@10 of the search against brute force
//! (the search is exact, so anything below 1.0 is a bug).
//!
//! `cargo run --release -p samverkan-matchmaking --example scale -- [SIZES...]`

use std::time::Instant;

use chrono::NaiveDate;
use samverkan_matchmaking::{Engine, NeedInfo, OrgInfo, Weights};
use uuid::Uuid;

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

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    println!(
        "| needs | prepare s | match one need ms (p50 / max of 50) | all groups s | groups | recall@10 vs brute force | peak RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let started = Instant::now();
        let engine = Engine::new(Weights::default(), needs(n), vec![], orgs());
        let prepare = started.elapsed().as_secs_f64();
        let mut times = Vec::new();
        let mut recall_hits = 0;
        let mut recall_total = 0;
        for k in 0..50 {
            let i = (k * 7919) % n;
            let id = engine.needs()[i].id;
            let t = Instant::now();
            let fast = engine.matches(id, 10);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            // Brute force: score every need of another organisation.
            let mut exact: Vec<(usize, f32)> = (0..n)
                .filter(|&j| j != i && engine.needs()[j].org != engine.needs()[i].org)
                .filter_map(|j| engine.score_pair(i, j).map(|m| (j, m.score)))
                .collect();
            exact.sort_by(|a, b| b.1.total_cmp(&a.1));
            // Synthetic texts repeat, so many needs tie: a fast result counts as found when
            // it scores at least the exact tenth best.
            let tenth = exact
                .get(9.min(exact.len().saturating_sub(1)))
                .map(|(_, s)| *s)
                .unwrap_or(0.0);
            recall_total += exact.len().min(10);
            recall_hits += fast
                .iter()
                .filter(|m| m.score >= tenth - 1e-6)
                .count()
                .min(exact.len().min(10));
        }
        times.sort_by(f64::total_cmp);
        let t = Instant::now();
        let groups = engine.groups();
        let grouping = t.elapsed().as_secs_f64();
        println!(
            "| {n} | {prepare:.2} | {:.2} / {:.2} | {grouping:.1} | {} | {:.3} | {:.0} |",
            times[times.len() / 2],
            times[times.len() - 1],
            groups.len(),
            recall_hits as f64 / recall_total.max(1) as f64,
            peak_rss_mb()
        );
    }
}
