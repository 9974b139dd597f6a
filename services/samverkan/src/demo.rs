//! Demo content for `serve --demo`: realistic Swedish needs, strategies and solutions,
//! kept as data of their own (`demo/demo.json`), apart from the reference data. It is
//! loaded through the same validation, store and audit log as any client's writes.

use std::collections::HashMap;

use anyhow::{Context, bail};
use samverkan_domain::need::NeedInput;
use samverkan_domain::solution::{AdoptionInput, SolutionInput};
use samverkan_domain::strategy::StrategyInput;
use samverkan_domain::{Caller, OrgId, Role};
use samverkan_store::repo::needs::NeedFilter;
use samverkan_store::{PageRequest, Store};
use serde::Deserialize;
use uuid::Uuid;

const DEMO_JSON: &str = include_str!("../demo/demo.json");

#[derive(Deserialize)]
struct Demo {
    strategies: Vec<Owned<StrategyInput>>,
    needs: Vec<DemoNeed>,
    solutions: Vec<DemoSolution>,
}

#[derive(Deserialize)]
struct Owned<T> {
    org: String,
    #[serde(flatten)]
    input: T,
}

#[derive(Deserialize)]
struct DemoNeed {
    org: String,
    /// Indexes into the goals of the organisation's first strategy in the file.
    #[serde(default)]
    strategy_goals: Vec<usize>,
    #[serde(flatten)]
    input: NeedInput,
}

#[derive(Deserialize)]
struct DemoSolution {
    org: String,
    #[serde(default)]
    adoptions: Vec<Owned<AdoptionInput>>,
    #[serde(flatten)]
    input: SolutionInput,
}

/// What [`seed`] loaded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Strategies created.
    pub strategies: usize,
    /// Needs created.
    pub needs: usize,
    /// Solutions created.
    pub solutions: usize,
    /// Adoptions created.
    pub adoptions: usize,
}

/// Loads the demo content unless the registry already holds needs (so restarting
/// `serve --demo` on the same directory neither duplicates nor overwrites anything).
pub async fn seed(store: &Store) -> anyhow::Result<Option<Seeded>> {
    let coordinator = Caller::staff(
        "demo-seed",
        OrgId::parse("region-skane")?,
        [Role::Coordinator],
    );
    let probe = PageRequest {
        limit: Some(1),
        cursor: None,
    };
    if !store
        .list_needs(&coordinator, &NeedFilter::default(), &probe)
        .await?
        .items
        .is_empty()
    {
        return Ok(None);
    }
    let demo: Demo = serde_json::from_str(DEMO_JSON).context("demo/demo.json does not parse")?;
    let mut seeded = Seeded::default();
    let mut goals: HashMap<String, Vec<Uuid>> = HashMap::new();
    for s in demo.strategies {
        let fields = s
            .input
            .validate()
            .map_err(|e| anyhow::anyhow!("demo strategy of {}: {e:?}", s.org))?;
        let created = store.create_strategy(&strategist(&s.org)?, fields).await?;
        goals
            .entry(s.org)
            .or_insert_with(|| created.fields.goals.iter().filter_map(|g| g.id).collect());
        seeded.strategies += 1;
    }
    for n in demo.needs {
        let mut input = n.input;
        for index in n.strategy_goals {
            let Some(goal) = goals.get(&n.org).and_then(|g| g.get(index)) else {
                bail!(
                    "demo need {:?} points at goal {index} that {} does not have",
                    input.title,
                    n.org
                );
            };
            input.strategy_goal_ids.push(*goal);
        }
        let fields = input
            .validate()
            .map_err(|e| anyhow::anyhow!("demo need {:?}: {e:?}", input.title))?;
        store.create_need(&strategist(&n.org)?, fields).await?;
        seeded.needs += 1;
    }
    let today = samverkan_store::repo::solutions::today();
    for s in demo.solutions {
        let fields = s
            .input
            .validate()
            .map_err(|e| anyhow::anyhow!("demo solution {:?}: {e:?}", s.input.name))?;
        let created = store.create_solution(&strategist(&s.org)?, fields).await?;
        seeded.solutions += 1;
        for a in s.adoptions {
            let fields = a
                .input
                .validate(today)
                .map_err(|e| anyhow::anyhow!("demo adoption by {}: {e:?}", a.org))?;
            store
                .create_adoption(&strategist(&a.org)?, created.id, fields)
                .await?;
            seeded.adoptions += 1;
        }
    }
    Ok(Some(seeded))
}

fn strategist(org: &str) -> anyhow::Result<Caller> {
    Ok(Caller::staff(
        "demo-seed",
        OrgId::parse(org).map_err(|e| anyhow::anyhow!("{org}: {e:?}"))?,
        [Role::Strategist],
    ))
}
