//! Demo content for `serve --demo`: realistic Swedish needs, strategies and solutions,
//! kept as data of their own (`demo/demo.json`), apart from the reference data. It is
//! loaded through the same validation, store and audit log as any client's writes.

use std::collections::HashMap;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use samverkan_domain::need::NeedInput;
use samverkan_domain::procurement::input::ContractInput;
use samverkan_domain::procurement::{ParticipationFields, ProcurementInput};
use samverkan_domain::solution::{AdoptionInput, SolutionInput};
use samverkan_domain::strategy::StrategyInput;
use samverkan_domain::vocab::{ParticipationState, ProcurementStage};
use samverkan_domain::{Caller, OrgId, Role};
use samverkan_store::repo::needs::NeedFilter;
use samverkan_store::repo::procurements::Transition;
use samverkan_store::{PageRequest, Store};
use serde::Deserialize;
use uuid::Uuid;

const DEMO_JSON: &str = include_str!("../demo/demo.json");

#[derive(Deserialize)]
struct Demo {
    strategies: Vec<Owned<StrategyInput>>,
    needs: Vec<DemoNeed>,
    solutions: Vec<DemoSolution>,
    procurements: Vec<DemoProcurement>,
}

/// A procurement with the history that brought it to its current stage.
#[derive(Deserialize)]
struct DemoProcurement {
    org: String,
    started_on: NaiveDate,
    /// Titles of demo needs it answers.
    #[serde(default)]
    need_titles: Vec<String>,
    #[serde(default)]
    stages: Vec<DemoTransition>,
    /// Recorded when the award stage is reached.
    #[serde(default)]
    contract: Option<ContractInput>,
    #[serde(default)]
    participants: Vec<DemoParticipant>,
    /// Published to the catalog once the contract is signed.
    #[serde(default)]
    publish: Option<SolutionInput>,
    input: ProcurementInput,
}

#[derive(Deserialize)]
struct DemoTransition {
    to: ProcurementStage,
    on: NaiveDate,
}

#[derive(Deserialize)]
struct DemoParticipant {
    org: String,
    state: ParticipationState,
    #[serde(default)]
    estimated_value_sek: Option<String>,
    #[serde(default)]
    volume_description: Option<String>,
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
    /// Joint procurements created.
    pub procurements: usize,
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
    let mut need_ids: HashMap<String, Uuid> = HashMap::new();
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
        let created = store.create_need(&strategist(&n.org)?, fields).await?;
        need_ids.insert(created.fields.title.clone(), created.id);
        seeded.needs += 1;
    }
    let today = samverkan_store::today();
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
    for p in demo.procurements {
        seed_procurement(store, p, &need_ids).await?;
        seeded.procurements += 1;
    }
    Ok(Some(seeded))
}

/// Creates one procurement as its lead would have: registered, moved through its
/// stages on their dates, with its contract, participants and catalog publication.
async fn seed_procurement(
    store: &Store,
    p: DemoProcurement,
    need_ids: &HashMap<String, Uuid>,
) -> anyhow::Result<()> {
    let lead = officer(&p.org)?;
    let mut input = p.input;
    for title in &p.need_titles {
        let id = need_ids
            .get(title)
            .with_context(|| format!("demo procurement links unknown need {title:?}"))?;
        input.need_ids.push(*id);
    }
    let title = input.title.clone();
    let invalid = |e| anyhow::anyhow!("demo procurement {title:?}: {e:?}");
    let fields = input.validate().map_err(invalid)?;
    let mut current = store
        .create_procurement(&lead, fields, p.started_on)
        .await?;
    let today = samverkan_store::today();
    for step in p.stages {
        if step.to == ProcurementStage::ContractSigned
            && let Some(contract) = &p.contract
        {
            input.contract = Some(contract.clone());
            let fields = input.validate().map_err(invalid)?;
            current = store
                .replace_procurement(&lead, current.id, current.version, fields)
                .await?;
        }
        let transition = Transition {
            to: step.to,
            on: step.on,
        };
        current = store
            .transition_procurement(&lead, current.id, None, transition, today)
            .await?;
    }
    for x in p.participants {
        seed_participant(store, &lead, current.id, x, today).await?;
    }
    if let Some(solution) = p.publish {
        let fields = solution.validate().map_err(invalid)?;
        store
            .publish_framework_agreement(&lead, current.id, fields)
            .await?;
    }
    Ok(())
}

/// Adds a participant the way it happens: the lead invites, the organisation answers.
async fn seed_participant(
    store: &Store,
    lead: &Caller,
    procurement: Uuid,
    x: DemoParticipant,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let org = OrgId::parse(&x.org).map_err(|e| anyhow::anyhow!("{}: {e:?}", x.org))?;
    let invitation = ParticipationFields {
        state: ParticipationState::Invited,
        estimated_value: None,
        volume_description: None,
        contact: None,
        note: None,
    };
    let estimated_value = x
        .estimated_value_sek
        .as_deref()
        .map(samverkan_domain::Sek::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("demo participant {}: {e:?}", x.org))?;
    let fields = ParticipationFields {
        state: x.state,
        estimated_value,
        volume_description: x.volume_description.clone(),
        ..invitation.clone()
    };
    let invited = store
        .add_participant(lead, procurement, org.clone(), invitation, today)
        .await?;
    if x.state != ParticipationState::Invited {
        store
            .replace_participant(
                &officer(&x.org)?,
                procurement,
                &org,
                invited.version,
                fields,
                today,
            )
            .await?;
    }
    Ok(())
}

fn officer(org: &str) -> anyhow::Result<Caller> {
    Ok(Caller::staff(
        "demo-seed",
        OrgId::parse(org).map_err(|e| anyhow::anyhow!("{org}: {e:?}"))?,
        [Role::ProcurementOfficer],
    ))
}

fn strategist(org: &str) -> anyhow::Result<Caller> {
    Ok(Caller::staff(
        "demo-seed",
        OrgId::parse(org).map_err(|e| anyhow::anyhow!("{org}: {e:?}"))?,
        [Role::Strategist],
    ))
}
