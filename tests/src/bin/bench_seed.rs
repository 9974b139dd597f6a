//! Fills a data directory with synthetic needs for the HTTP read benchmark
//! (`tests/bench/http-read.sh`): `bench-seed DATA_DIR COUNT`.

use samverkan::Config;
use samverkan_domain::need::NeedInput;
use samverkan_domain::vocab::{ActivityArea, CollaborationLevel, Topic, Visibility};
use samverkan_domain::{Caller, OrgId, Role};

const SUBJECTS: &[&str] = &[
    "digitala lås i hemtjänsten",
    "e-arkiv för kommunens verksamhetssystem",
    "gemensam baskarta och GIS-plattform",
    "automatiserad handläggning av försörjningsstöd",
    "trygghetslarm med digital teknik",
    "e-tjänsteplattform för bygglov",
    "sensorer för inomhusklimat i skolor",
    "informationssäkerhetsklassning av system",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(count)) = (
        args.get(1),
        args.get(2).and_then(|c| c.parse::<usize>().ok()),
    ) else {
        anyhow::bail!("usage: bench-seed DATA_DIR COUNT");
    };
    let config = Config {
        data_dir: dir.into(),
        ..Config::default()
    };
    let store = samverkan::open_store(&config).await?;
    let orgs: Vec<OrgId> = store
        .list_organisations()
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    for i in 0..count {
        let org = orgs[i % orgs.len()].clone();
        let caller = Caller::staff("bench-seed", org, [Role::Strategist]);
        let subject = SUBJECTS[i % SUBJECTS.len()];
        let input = NeedInput {
            title: format!("Behov {i}: {subject}"),
            description: format!(
                "Kommunen behöver {subject}. Vi söker andra kommuner att samverka med kring upphandling, införande och förvaltning."
            ),
            activity_area: ActivityArea::ALL[i % ActivityArea::ALL.len()],
            topics: vec![
                Topic::ALL[i % Topic::ALL.len()],
                Topic::ALL[(i / 3) % Topic::ALL.len()],
            ],
            tags: vec![format!("tagg{}", i % 50)],
            needed_from: None,
            needed_by: chrono::NaiveDate::from_ymd_opt(
                2027 + (i % 4) as i32,
                1 + (i % 12) as u32,
                1,
            ),
            budget_min_sek: Some(format!("{}", 50_000 + i * 10)),
            budget_max_sek: Some(format!("{}.50", 500_000 + i * 10)),
            collaboration_level: CollaborationLevel::ALL[i % 3],
            status: None,
            visibility: Some(if i % 10 == 0 {
                Visibility::Internal
            } else {
                Visibility::Public
            }),
            hypothesis: None,
            contact: None,
            evaluation: None,
            strategy_goal_ids: vec![],
        };
        let fields = input.validate().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        store.create_need(&caller, fields).await?;
    }
    // The server rebuilds its (fresh) search index from the database at first start, so
    // the outbox entries these writes left need not be applied one by one as well.
    loop {
        let batch = store.outbox_batch(1_000).await?;
        if batch.is_empty() {
            break;
        }
        store
            .outbox_ack(&batch.iter().map(|e| e.id).collect::<Vec<_>>())
            .await?;
    }
    println!("seeded {count} needs in {dir}");
    Ok(())
}
