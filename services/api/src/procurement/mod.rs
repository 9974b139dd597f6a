//! Joint procurements on the wire: response views with the threshold check and the
//! stage plan worked out, the settings they need, and the OCDS and CSV exports.

pub mod csv;
pub mod ocds;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::Object;
use samverkan_domain::Caller;
use samverkan_domain::contact::Contact;
use samverkan_domain::procurement::input::{Deadline, FrameworkTerms};
use samverkan_domain::procurement::{Contract, Lot, ThresholdRule, ThresholdSchedule};
use samverkan_domain::vocab::{
    ParticipationState, ProcurementCategory, ProcurementProcedure, ProcurementStage, Visibility,
};
use samverkan_store::repo::procurements::{Participant, Procurement};
use uuid::Uuid;

/// What the procurement views and exports need from configuration.
#[derive(Debug, Clone)]
pub struct ProcurementSettings {
    /// The dated EU thresholds and direct-award limits.
    pub thresholds: ThresholdSchedule,
    /// The OCDS ocid prefix registered for this publisher, e.g. `ocds-abc123`.
    pub ocid_prefix: String,
    /// The publisher named in OCDS release packages.
    pub publisher_name: String,
    /// The service's public base URL, for the URIs in exports.
    pub public_url: String,
}

impl ProcurementSettings {
    /// Settings for generating the API document, which does not depend on them.
    pub fn for_documentation() -> Self {
        let sek = |ore| samverkan_domain::Sek::from_ore(ore);
        let period = samverkan_domain::procurement::ThresholdPeriod {
            valid_from: NaiveDate::MIN,
            valid_to: NaiveDate::MAX,
            goods_and_services: sek(200),
            works: sek(200),
            social_services: sek(200),
            direct_award: sek(100),
        };
        Self {
            thresholds: ThresholdSchedule::new(vec![period]).expect("a valid period"),
            ocid_prefix: "ocds-example".into(),
            publisher_name: "Samverkan".into(),
            public_url: "http://localhost:8080".into(),
        }
    }
}

/// Who leads the procurement.
#[derive(Debug, Object)]
pub struct LeadView {
    /// The leading tenant; absent when an external body leads.
    pub organisation_id: Option<String>,
    /// The external central purchasing body's name.
    pub external_name: Option<String>,
    /// The external body's organisation number.
    pub external_organisation_number: Option<String>,
}

/// One stage with its planned and actual dates.
#[derive(Debug, Object)]
pub struct StageDatesView {
    /// The stage.
    pub stage: ProcurementStage,
    /// The planned start.
    pub planned_on: Option<NaiveDate>,
    /// The actual start (the latest time it was entered).
    pub entered_on: Option<NaiveDate>,
}

/// The threshold check, with the rule and values applied.
#[derive(Debug, Object)]
pub struct ThresholdView {
    /// The rule that applies.
    pub rule: ThresholdRule,
    /// The EU threshold for the category, SEK.
    pub eu_threshold_sek: String,
    /// The direct-award limit, SEK.
    pub direct_award_limit_sek: String,
    /// The day assessed: when the tender was (or is planned to be) published, else today.
    pub assessed_on: NaiveDate,
    /// The threshold period whose values were used.
    pub period_from: NaiveDate,
    /// End of that period.
    pub period_to: NaiveDate,
    /// True when no configured period covers the day and the latest earlier one was used.
    pub stale: bool,
    /// The check in one sentence.
    pub explanation: String,
}

/// One lot.
#[derive(Debug, Object)]
pub struct LotView {
    /// Title.
    pub title: String,
    /// Details.
    pub description: Option<String>,
    /// Estimated value, SEK.
    pub estimated_value_sek: Option<String>,
}

impl From<Lot> for LotView {
    fn from(l: Lot) -> Self {
        Self {
            title: l.title,
            description: l.description,
            estimated_value_sek: l.estimated_value.map(|v| v.to_string()),
        }
    }
}

/// The contract or framework agreement.
#[derive(Debug, Object)]
pub struct ContractView {
    /// Supplier.
    pub supplier_name: String,
    /// Supplier's organisation number.
    pub supplier_organisation_number: Option<String>,
    /// Contract value, SEK.
    pub value_sek: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day of the initial term.
    pub ends_on: NaiveDate,
    /// Last day with every option used.
    pub ends_on_with_options: Option<NaiveDate>,
    /// Options in words.
    pub options: Option<String>,
}

impl From<Contract> for ContractView {
    fn from(c: Contract) -> Self {
        Self {
            supplier_name: c.supplier_name,
            supplier_organisation_number: c.supplier_organisation_number.map(String::from),
            value_sek: c.value.to_string(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            ends_on_with_options: c.ends_on_with_options,
            options: c.options,
        }
    }
}

/// One organisation's participation.
#[derive(Debug, Object)]
pub struct ParticipantView {
    /// The organisation.
    pub organisation_id: String,
    /// Its state.
    pub state: ParticipationState,
    /// States it may move to next.
    pub allowed_next_states: Vec<ParticipationState>,
    /// Estimated value of its share, SEK.
    pub estimated_value_sek: Option<String>,
    /// Volume in words.
    pub volume_description: Option<String>,
    /// Its contact person; absent for anonymous readers.
    pub contact: Option<Contact>,
    /// Its note.
    pub note: Option<String>,
    /// When the mandate (fullmakt) was signed.
    pub mandate_signed_on: Option<NaiveDate>,
    /// Version; the ETag is `"v{version}"`.
    pub version: i32,
    /// Added at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl ParticipantView {
    /// The view `caller` may see.
    pub fn of(p: Participant, caller: &Caller) -> Self {
        let f = p.fields;
        Self {
            organisation_id: p.org_id.to_string(),
            state: f.state,
            allowed_next_states: f.state.allowed_next().to_vec(),
            estimated_value_sek: f.estimated_value.map(|v| v.to_string()),
            volume_description: f.volume_description,
            contact: f.contact.filter(|_| caller.sees_personal_data()),
            note: f.note,
            mandate_signed_on: p.mandate_signed_on,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A joint procurement.
#[derive(Debug, Object)]
pub struct ProcurementView {
    /// Id.
    pub id: Uuid,
    /// The tenant that manages the record (the lead, or the follower of an external lead).
    pub managing_organisation_id: String,
    /// Who leads the procurement.
    pub lead: LeadView,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Needs it answers.
    pub need_ids: Vec<Uuid>,
    /// The collaboration or match group it came from.
    pub origin_group: Option<String>,
    /// Main CPV code.
    pub main_cpv: String,
    /// Additional CPV codes.
    pub additional_cpv: Vec<String>,
    /// LOU procedure.
    pub procedure: ProcurementProcedure,
    /// Category.
    pub category: ProcurementCategory,
    /// Estimated total value, SEK (decimal string).
    pub estimated_value_sek: String,
    /// Framework agreement terms; absent for a one-off contract.
    pub framework: Option<FrameworkTerms>,
    /// Lots.
    pub lots: Vec<LotView>,
    /// The current stage.
    pub stage: ProcurementStage,
    /// The stages it may move to next.
    pub allowed_next_stages: Vec<ProcurementStage>,
    /// Every stage with its planned and actual dates, in process order.
    pub stages: Vec<StageDatesView>,
    /// Deadlines, soonest first.
    pub deadlines: Vec<Deadline>,
    /// The EU threshold and direct-award check.
    pub threshold: ThresholdView,
    /// The contract, once recorded.
    pub contract: Option<ContractView>,
    /// Participating organisations.
    pub participants: Vec<ParticipantView>,
    /// The catalog solution publishing the framework agreement.
    pub solution_id: Option<Uuid>,
    /// Visibility.
    pub visibility: Visibility,
    /// Contact person; absent for anonymous readers.
    pub contact: Option<Contact>,
    /// Version; the ETag is `"v{version}"`.
    pub version: i32,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// A page of procurements.
#[derive(Debug, Object)]
pub struct ProcurementPage {
    /// The items on this page.
    pub items: Vec<ProcurementView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The day a procurement's value is assessed against the thresholds: LOU assesses the
/// value when the procurement is advertised, so the actual or planned publication day,
/// else today.
pub fn assessment_day(p: &Procurement, today: NaiveDate) -> NaiveDate {
    let published = p
        .stage_history
        .iter()
        .find(|e| e.stage == ProcurementStage::TenderPublished)
        .map(|e| e.entered_on);
    let planned = p
        .fields
        .planned_stages
        .iter()
        .find(|s| s.stage == ProcurementStage::TenderPublished)
        .map(|s| s.planned_on);
    published.or(planned).unwrap_or(today)
}

fn stages(p: &Procurement) -> Vec<StageDatesView> {
    ProcurementStage::ALL
        .iter()
        .map(|&stage| StageDatesView {
            stage,
            planned_on: p
                .fields
                .planned_stages
                .iter()
                .find(|s| s.stage == stage)
                .map(|s| s.planned_on),
            entered_on: p
                .stage_history
                .iter()
                .rev()
                .find(|e| e.stage == stage)
                .map(|e| e.entered_on),
        })
        .filter(|s| s.stage != ProcurementStage::Cancelled || s.entered_on.is_some())
        .collect()
}

fn threshold(p: &Procurement, settings: &ProcurementSettings, today: NaiveDate) -> ThresholdView {
    let check = settings.thresholds.classify(
        p.fields.estimated_value,
        p.fields.category,
        assessment_day(p, today),
    );
    ThresholdView {
        rule: check.rule,
        eu_threshold_sek: check.eu_threshold.to_string(),
        direct_award_limit_sek: check.direct_award_limit.to_string(),
        assessed_on: check.assessed_on,
        period_from: check.period_from,
        period_to: check.period_to,
        stale: check.stale,
        explanation: check.explanation,
    }
}

impl ProcurementView {
    /// The view `caller` may see, with the threshold check for `today`.
    pub fn of(
        p: Procurement,
        caller: &Caller,
        settings: &ProcurementSettings,
        today: NaiveDate,
    ) -> Self {
        let threshold = threshold(&p, settings, today);
        let stages = stages(&p);
        let f = p.fields;
        let (external_name, external_number) = match f.external_lead {
            Some((name, number)) => (Some(name), number.map(String::from)),
            None => (None, None),
        };
        Self {
            id: p.id,
            managing_organisation_id: p.managing_org.to_string(),
            lead: LeadView {
                organisation_id: external_name.is_none().then(|| p.managing_org.to_string()),
                external_name,
                external_organisation_number: external_number,
            },
            title: f.title,
            description: f.description,
            need_ids: f.need_ids,
            origin_group: f.origin_group,
            main_cpv: f.main_cpv.to_string(),
            additional_cpv: f.additional_cpv.iter().map(ToString::to_string).collect(),
            procedure: f.procedure,
            category: f.category,
            estimated_value_sek: f.estimated_value.to_string(),
            framework: f.framework,
            lots: f.lots.into_iter().map(LotView::from).collect(),
            stage: p.stage,
            allowed_next_stages: p.stage.allowed_next().to_vec(),
            stages,
            deadlines: f.deadlines,
            threshold,
            contract: f.contract.map(ContractView::from),
            participants: p
                .participants
                .into_iter()
                .map(|x| ParticipantView::of(x, caller))
                .collect(),
            solution_id: p.solution_id,
            visibility: f.visibility,
            contact: f.contact.filter(|_| caller.sees_personal_data()),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
