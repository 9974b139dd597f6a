//! A joint procurement as submitted by its lead, and the rules its fields must meet.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cpv::CpvCode;
use crate::contact::Contact;
use crate::error::ValidationErrors;
use crate::ids::OrgNumber;
use crate::money::Sek;
use crate::text;
use crate::vocab::{
    DeadlineKind, ProcurementCategory, ProcurementProcedure, ProcurementStage, Visibility,
};

/// A central purchasing body outside the registry (e.g. Adda Inköpscentral) that leads
/// the procurement on the participants' behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ExternalLead {
    /// Its name, e.g. "Adda Inköpscentral AB".
    pub name: String,
    /// Its Swedish organisation number (NNNNNN-NNNN), when known.
    #[serde(default)]
    pub organisation_number: Option<String>,
}

/// Framework agreement terms (ramavtal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct FrameworkTerms {
    /// The initial term in months, 1-96 (LOU allows at most four years without special
    /// reasons, options included).
    pub duration_months: u32,
    /// How many one-year extension options it has, 0-10.
    #[serde(default)]
    pub option_years: u32,
}

/// One lot (delområde) of the procurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct LotInput {
    /// What the lot covers, 3-200 characters.
    pub title: String,
    /// Details.
    #[serde(default)]
    pub description: Option<String>,
    /// The lot's estimated value in SEK.
    #[serde(default)]
    pub estimated_value_sek: Option<String>,
}

/// A planned date for entering a stage; the actual date is recorded by the transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct PlannedStage {
    /// The stage.
    pub stage: ProcurementStage,
    /// The day it is planned to start.
    pub planned_on: NaiveDate,
}

/// A dated commitment such as tender closing or the mandate deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Deadline {
    /// What falls due.
    pub kind: DeadlineKind,
    /// The last day.
    pub due_on: NaiveDate,
    /// What must be done by then.
    #[serde(default)]
    pub description: Option<String>,
}

/// The signed contract or framework agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
#[cfg_attr(feature = "openapi", oai(rename = "ContractInput"))]
pub struct ContractInput {
    /// The supplier's name.
    pub supplier_name: String,
    /// The supplier's Swedish organisation number, when it has one.
    #[serde(default)]
    pub supplier_organisation_number: Option<String>,
    /// The contract value in SEK.
    pub value_sek: String,
    /// First day of the contract.
    pub starts_on: NaiveDate,
    /// Last day of the initial term: re-procurement must be ready by then unless an
    /// option is used.
    pub ends_on: NaiveDate,
    /// The last day if every option is used.
    #[serde(default)]
    pub ends_on_with_options: Option<NaiveDate>,
    /// The options in words, e.g. "2 x 12 månader".
    #[serde(default)]
    pub options: Option<String>,
}

/// A validated contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// Supplier name.
    pub supplier_name: String,
    /// Supplier organisation number.
    pub supplier_organisation_number: Option<OrgNumber>,
    /// Contract value.
    pub value: Sek,
    /// Start.
    pub starts_on: NaiveDate,
    /// End of the initial term.
    pub ends_on: NaiveDate,
    /// End with every option used.
    pub ends_on_with_options: Option<NaiveDate>,
    /// Options in words.
    pub options: Option<String>,
}

/// A validated lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// Title.
    pub title: String,
    /// Details.
    pub description: Option<String>,
    /// Estimated value.
    pub estimated_value: Option<Sek>,
}

/// A joint procurement as submitted by the managing organisation's procurement officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct ProcurementInput {
    /// Short title, 3-200 characters.
    pub title: String,
    /// What is bought and why, up to 20,000 characters.
    pub description: String,
    /// Leave out when your organisation leads; name the central purchasing body when
    /// one leads on the participants' behalf (your organisation then manages the record).
    #[serde(default)]
    pub external_lead: Option<ExternalLead>,
    /// The registered needs this procurement answers.
    #[serde(default)]
    pub need_ids: Vec<Uuid>,
    /// The collaboration or match group it came from, e.g. the group's label.
    #[serde(default)]
    pub origin_group: Option<String>,
    /// The main CPV code, `NNNNNNNN-D`.
    pub main_cpv: String,
    /// Additional CPV codes, at most 20.
    #[serde(default)]
    pub additional_cpv: Vec<String>,
    /// The LOU procedure.
    pub procedure: ProcurementProcedure,
    /// Goods, services, works or social services: decides the EU threshold.
    pub category: ProcurementCategory,
    /// Estimated total value for all participants in SEK, e.g. "2400000.00".
    pub estimated_value_sek: String,
    /// Framework agreement terms; leave out for a one-off contract.
    #[serde(default)]
    pub framework: Option<FrameworkTerms>,
    /// Lots, at most 50; their values may not add up to more than the total.
    #[serde(default)]
    pub lots: Vec<LotInput>,
    /// Planned start of each stage, each stage at most once.
    #[serde(default)]
    pub planned_stages: Vec<PlannedStage>,
    /// Deadlines, at most 30.
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    /// The contract, once awarded.
    #[serde(default)]
    pub contract: Option<ContractInput>,
    /// `internal` (default: the managing organisation, the participants and the
    /// coordinator) or `public`.
    #[serde(default)]
    pub visibility: Option<Visibility>,
    /// Contact person at the managing organisation (personal data: staff only).
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// A validated procurement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcurementFields {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// External lead, if any, with its organisation number checked.
    pub external_lead: Option<(String, Option<OrgNumber>)>,
    /// Needs answered, de-duplicated.
    pub need_ids: Vec<Uuid>,
    /// Originating group.
    pub origin_group: Option<String>,
    /// Main CPV code.
    pub main_cpv: CpvCode,
    /// Additional CPV codes.
    pub additional_cpv: Vec<CpvCode>,
    /// Procedure.
    pub procedure: ProcurementProcedure,
    /// Category.
    pub category: ProcurementCategory,
    /// Estimated total value.
    pub estimated_value: Sek,
    /// Framework terms.
    pub framework: Option<FrameworkTerms>,
    /// Lots.
    pub lots: Vec<Lot>,
    /// Planned stage dates.
    pub planned_stages: Vec<PlannedStage>,
    /// Deadlines, ordered by date.
    pub deadlines: Vec<Deadline>,
    /// Contract.
    pub contract: Option<Contract>,
    /// Visibility.
    pub visibility: Visibility,
    /// Contact.
    pub contact: Option<Contact>,
}

impl ProcurementInput {
    /// Validates every field, reporting all problems at once with their paths.
    pub fn validate(&self) -> Result<ProcurementFields, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = errors.take("title", text::bounded(&self.title, 3, 200));
        let description = errors.take("description", text::bounded(&self.description, 1, 20_000));
        let external_lead = self
            .external_lead
            .as_ref()
            .and_then(|lead| errors.take("external_lead", external_lead(lead)));
        let origin_group = errors
            .take(
                "origin_group",
                text::optional(self.origin_group.as_deref(), 200),
            )
            .flatten();
        let main_cpv = errors.take("main_cpv", CpvCode::parse(&self.main_cpv));
        let additional_cpv = errors
            .take(
                "additional_cpv",
                additional_cpv(&self.additional_cpv, main_cpv.as_ref()),
            )
            .unwrap_or_default();
        let estimated_value =
            errors.take("estimated_value_sek", Sek::parse(&self.estimated_value_sek));
        if let Some(terms) = &self.framework {
            errors.take("framework", framework(terms));
        }
        let lots = errors
            .take("lots", lots(&self.lots, estimated_value))
            .unwrap_or_default();
        let planned_stages = errors
            .take("planned_stages", planned(&self.planned_stages))
            .unwrap_or_default();
        let deadlines = errors
            .take("deadlines", deadlines(&self.deadlines))
            .unwrap_or_default();
        let contract = self
            .contract
            .as_ref()
            .and_then(|c| errors.take("contract", contract(c)));
        let contact = self
            .contact
            .as_ref()
            .and_then(|c| errors.take("contact", c.validate()));
        errors.finish(|| ProcurementFields {
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            external_lead,
            need_ids: dedup(&self.need_ids),
            origin_group,
            main_cpv: main_cpv.expect("checked"),
            additional_cpv,
            procedure: self.procedure,
            category: self.category,
            estimated_value: estimated_value.unwrap_or(Sek::ZERO),
            framework: self.framework,
            lots,
            planned_stages,
            deadlines,
            contract,
            visibility: self.visibility.unwrap_or(Visibility::Internal),
            contact,
        })
    }
}

/// A contract may only be recorded once a supplier has been chosen, and stays recorded
/// once it is signed (the signed stages and the expiry alerts depend on it).
pub fn check_contract_allowed(
    stage: ProcurementStage,
    has_contract: bool,
) -> Result<(), ValidationErrors> {
    if has_contract && !stage.is_awarded() {
        return Err(ValidationErrors::single(
            "contract",
            format!("can be recorded from the award stage on; the procurement is in {stage}"),
        ));
    }
    if !has_contract && stage.is_signed() {
        return Err(ValidationErrors::single(
            "contract",
            format!("is required: the procurement is in {stage}, its contract is signed"),
        ));
    }
    Ok(())
}

fn dedup(ids: &[Uuid]) -> Vec<Uuid> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

fn external_lead(lead: &ExternalLead) -> Result<(String, Option<OrgNumber>), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = errors.take("name", text::bounded(&lead.name, 2, 200));
    let number = match lead.organisation_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => errors.take("organisation_number", OrgNumber::parse(raw)),
    };
    errors.finish(|| (name.unwrap_or_default(), number))
}

fn additional_cpv(
    raw: &[String],
    main: Option<&CpvCode>,
) -> Result<Vec<CpvCode>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if raw.len() > 20 {
        errors.add("", "at most 20 additional CPV codes");
    }
    let mut codes: Vec<CpvCode> = Vec::new();
    for (i, code) in raw.iter().enumerate() {
        let Some(code) = errors.take(&format!("[{i}]"), CpvCode::parse(code)) else {
            continue;
        };
        if Some(&code) == main || codes.contains(&code) {
            errors.add(format!("[{i}]"), "repeats a code already given");
        } else {
            codes.push(code);
        }
    }
    errors.finish(|| codes)
}

fn framework(terms: &FrameworkTerms) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if !(1..=96).contains(&terms.duration_months) {
        errors.add("duration_months", "must be 1 to 96 months");
    }
    if terms.option_years > 10 {
        errors.add("option_years", "must be 0 to 10");
    }
    errors.finish(|| ())
}

fn lots(raw: &[LotInput], total: Option<Sek>) -> Result<Vec<Lot>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if raw.len() > 50 {
        errors.add("", "at most 50 lots");
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, lot) in raw.iter().enumerate() {
        let at = |f: &str| format!("[{i}].{f}");
        let title = errors.take(&at("title"), text::bounded(&lot.title, 3, 200));
        let description = errors
            .take(
                &at("description"),
                text::optional(lot.description.as_deref(), 5_000),
            )
            .flatten();
        let value = lot
            .estimated_value_sek
            .as_deref()
            .and_then(|v| errors.take(&at("estimated_value_sek"), Sek::parse(v)));
        out.push(Lot {
            title: title.unwrap_or_default(),
            description,
            estimated_value: value,
        });
    }
    let sum: rust_decimal::Decimal = out
        .iter()
        .filter_map(|l| l.estimated_value)
        .map(Sek::amount)
        .sum();
    if let Some(total) = total
        && sum > total.amount()
    {
        errors.add(
            "",
            format!(
                "the lots' values add up to SEK {sum:.2}, more than the estimated total SEK {total}"
            ),
        );
    }
    errors.finish(|| out)
}

fn planned(raw: &[PlannedStage]) -> Result<Vec<PlannedStage>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut seen = BTreeSet::new();
    for (i, p) in raw.iter().enumerate() {
        if !seen.insert(p.stage) {
            errors.add(format!("[{i}].stage"), "is planned twice");
        }
    }
    errors.finish(|| raw.to_vec())
}

fn deadlines(raw: &[Deadline]) -> Result<Vec<Deadline>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if raw.len() > 30 {
        errors.add("", "at most 30 deadlines");
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, d) in raw.iter().enumerate() {
        let description = errors
            .take(
                &format!("[{i}].description"),
                text::optional(d.description.as_deref(), 500),
            )
            .flatten();
        out.push(Deadline {
            description,
            ..d.clone()
        });
    }
    out.sort_by_key(|d| d.due_on);
    errors.finish(|| out)
}

fn contract(raw: &ContractInput) -> Result<Contract, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let supplier_name = errors.take("supplier_name", text::bounded(&raw.supplier_name, 2, 200));
    let supplier_organisation_number =
        match raw.supplier_organisation_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => errors.take("supplier_organisation_number", OrgNumber::parse(n)),
        };
    let value = errors.take("value_sek", Sek::parse(&raw.value_sek));
    if raw.ends_on < raw.starts_on {
        errors.add("ends_on", "must not be before starts_on");
    }
    if raw
        .ends_on_with_options
        .is_some_and(|end| end < raw.ends_on)
    {
        errors.add("ends_on_with_options", "must not be before ends_on");
    }
    let options = errors
        .take("options", text::optional(raw.options.as_deref(), 500))
        .flatten();
    errors.finish(|| Contract {
        supplier_name: supplier_name.unwrap_or_default(),
        supplier_organisation_number,
        value: value.unwrap_or(Sek::ZERO),
        starts_on: raw.starts_on,
        ends_on: raw.ends_on,
        ends_on_with_options: raw.ends_on_with_options,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProcurementStage::*;

    #[test]
    fn a_contract_is_recorded_from_the_award_and_kept_once_signed() {
        for stage in [NeedAnalysis, Specification, Evaluation] {
            let err = check_contract_allowed(stage, true).unwrap_err();
            assert_eq!(err.0[0].field, "contract", "{stage}");
            assert!(check_contract_allowed(stage, false).is_ok(), "{stage}");
        }
        assert!(check_contract_allowed(Award, true).is_ok());
        assert!(check_contract_allowed(Award, false).is_ok());
        for stage in [ContractSigned, FollowUp] {
            assert!(check_contract_allowed(stage, true).is_ok(), "{stage}");
            let err = check_contract_allowed(stage, false).unwrap_err();
            assert_eq!(err.0[0].field, "contract", "{stage}");
            assert!(err.0[0].message.contains("signed"), "{stage}");
        }
        assert!(check_contract_allowed(Cancelled, true).is_err());
    }
}
