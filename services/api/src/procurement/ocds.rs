//! The OCDS 1.1 export: a procurement as a release package in the Open Contracting Data
//! Standard, so it can be published beside other buyers' data and read by its tools.
//!
//! OCDS amounts are JSON numbers. Amounts are converted from exact öre through `f64`,
//! whose shortest representation gives back the same two-decimal figure for every
//! amount below 10^13 SEK (at most 15 significant digits), the largest the domain allows.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use samverkan_domain::money::Sek;
use samverkan_domain::vocab::{
    DeadlineKind, ParticipationState, ProcurementCategory, ProcurementProcedure, ProcurementStage,
};
use samverkan_store::repo::organisations::Organisation;
use samverkan_store::repo::procurements::Procurement;
use serde_json::{Value, json};

use super::ProcurementSettings;

/// A party in the release: its id, name, identifier and roles.
struct Party {
    name: String,
    org_number: Option<String>,
    roles: Vec<&'static str>,
}

/// Builds the release package for one procurement, published now.
pub fn release_package(
    p: &Procurement,
    organisations: &[Organisation],
    settings: &ProcurementSettings,
    package_uri: &str,
    now: DateTime<Utc>,
) -> Value {
    json!({
        "uri": package_uri,
        "version": "1.1",
        "publishedDate": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "publisher": { "name": settings.publisher_name },
        "releases": [release(p, organisations, settings)],
    })
}

fn release(
    p: &Procurement,
    organisations: &[Organisation],
    settings: &ProcurementSettings,
) -> Value {
    let ocid = format!("{}-{}", settings.ocid_prefix, p.id);
    let parties = parties(p, organisations);
    let buyer_id = lead_party_id(p);
    let mut release = json!({
        "ocid": ocid,
        "id": format!("{ocid}-v{}", p.version),
        "date": p.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "tag": [tag(p.stage)],
        "initiationType": "tender",
        "language": "sv",
        "parties": parties.iter().map(|(id, party)| party_json(id, party)).collect::<Vec<_>>(),
        "buyer": reference(&buyer_id, &parties),
        "planning": {
            "budget": {
                "description": "Uppskattat totalt värde för alla deltagare",
                "amount": amount(p.fields.estimated_value),
            },
        },
        "tender": tender(p, &buyer_id, &parties),
    });
    if let Some(contract) = &p.fields.contract {
        let supplier = reference(SUPPLIER_ID, &parties);
        let award_id = format!("{ocid}-award-1");
        release["awards"] = json!([{
            "id": award_id,
            "status": if p.stage == ProcurementStage::Award { "pending" } else { "active" },
            "date": entered(p, ProcurementStage::Award).map(day_start),
            "value": amount(contract.value),
            "suppliers": [supplier],
        }]);
        let mut period = json!({
            "startDate": day_start(contract.starts_on),
            "endDate": day_end(contract.ends_on),
        });
        if let Some(max) = contract.ends_on_with_options {
            period["maxExtentDate"] = json!(day_end(max));
        }
        release["contracts"] = json!([{
            "id": format!("{ocid}-contract-1"),
            "awardID": award_id,
            "title": p.fields.title,
            "status": if p.stage == ProcurementStage::Award { "pending" } else { "active" },
            "value": amount(contract.value),
            "period": period,
            "dateSigned": entered(p, ProcurementStage::ContractSigned).map(day_start),
        }]);
    }
    strip_nulls(&mut release);
    release
}

const SUPPLIER_ID: &str = "supplier-1";

fn tender(p: &Procurement, buyer_id: &str, parties: &BTreeMap<String, Party>) -> Value {
    let f = &p.fields;
    let additional: Vec<Value> = f
        .additional_cpv
        .iter()
        .map(|c| json!({ "scheme": "CPV", "id": c.digits() }))
        .collect();
    let mut item = json!({
        "id": "1",
        "description": f.title,
        "classification": { "scheme": "CPV", "id": f.main_cpv.digits() },
    });
    if !additional.is_empty() {
        item["additionalClassifications"] = json!(additional);
    }
    let (method, details) = method(f.procedure);
    let mut tender = json!({
        "id": format!("{}-tender", p.id),
        "title": f.title,
        "description": f.description,
        "status": tender_status(p.stage),
        "procuringEntity": reference(buyer_id, parties),
        "items": [item],
        "value": amount(f.estimated_value),
        "procurementMethod": method,
        "procurementMethodDetails": details,
        "mainProcurementCategory": category(f.category),
    });
    let closing = f
        .deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::TenderClosing);
    if let Some(closing) = closing {
        let mut period = json!({ "endDate": day_end(closing.due_on) });
        if let Some(start) = entered(p, ProcurementStage::TenderPublished) {
            period["startDate"] = json!(day_start(start));
        }
        tender["tenderPeriod"] = period;
    }
    tender
}

/// The lead's party id: the external body when one leads, else the managing tenant.
fn lead_party_id(p: &Procurement) -> String {
    match &p.fields.external_lead {
        Some(_) => "external-lead".to_string(),
        None => p.managing_org.to_string(),
    }
}

fn parties(p: &Procurement, organisations: &[Organisation]) -> BTreeMap<String, Party> {
    let mut parties: BTreeMap<String, Party> = BTreeMap::new();
    let tenant = |id: &str| {
        let org = organisations.iter().find(|o| o.id.as_str() == id);
        Party {
            name: org
                .map(|o| o.name.clone())
                .unwrap_or_else(|| id.to_string()),
            org_number: org.and_then(|o| o.org_number.clone()),
            roles: vec![],
        }
    };
    let mut add = |id: String, party: Party, role: &'static str| {
        let entry = parties.entry(id).or_insert(party);
        if !entry.roles.contains(&role) {
            entry.roles.push(role);
        }
    };
    let managing = p.managing_org.to_string();
    if let Some((name, number)) = &p.fields.external_lead {
        let party = Party {
            name: name.clone(),
            org_number: number.as_ref().map(|n| n.as_str().to_string()),
            roles: vec![],
        };
        add("external-lead".into(), party, "procuringEntity");
        add(managing.clone(), tenant(&managing), "buyer");
    } else {
        add(managing.clone(), tenant(&managing), "buyer");
        add(managing.clone(), tenant(&managing), "procuringEntity");
    }
    for x in &p.participants {
        let role = match x.fields.state {
            ParticipationState::MandateSigned => "buyer",
            ParticipationState::Invited | ParticipationState::Interested => "interestedParty",
            ParticipationState::Withdrawn => continue,
        };
        let id = x.org_id.to_string();
        add(id.clone(), tenant(&id), role);
    }
    if let Some(c) = &p.fields.contract {
        let supplier = Party {
            name: c.supplier_name.clone(),
            org_number: c
                .supplier_organisation_number
                .as_ref()
                .map(|n| n.as_str().to_string()),
            roles: vec![],
        };
        add(SUPPLIER_ID.into(), supplier, "supplier");
    }
    parties
}

fn party_json(id: &str, party: &Party) -> Value {
    let mut value = json!({ "id": id, "name": party.name, "roles": party.roles });
    if let Some(number) = &party.org_number {
        // org-id.guide's scheme for Swedish organisation numbers (Bolagsverket).
        value["identifier"] = json!({
            "scheme": "SE-BLV",
            "id": number.replace('-', ""),
            "legalName": party.name,
        });
    }
    value
}

fn reference(id: &str, parties: &BTreeMap<String, Party>) -> Value {
    let name = parties.get(id).map(|p| p.name.as_str()).unwrap_or(id);
    json!({ "id": id, "name": name })
}

fn amount(value: Sek) -> Value {
    json!({ "amount": value.amount().to_f64().unwrap_or_default(), "currency": "SEK" })
}

fn entered(p: &Procurement, stage: ProcurementStage) -> Option<NaiveDate> {
    p.stage_history
        .iter()
        .rev()
        .find(|e| e.stage == stage)
        .map(|e| e.entered_on)
}

fn day_start(day: NaiveDate) -> String {
    format!("{day}T00:00:00Z")
}

fn day_end(day: NaiveDate) -> String {
    format!("{day}T23:59:59Z")
}

/// The release tag for a stage (OCDS releaseTag codelist).
fn tag(stage: ProcurementStage) -> &'static str {
    use ProcurementStage::*;
    match stage {
        NeedAnalysis | MarketDialogue | Specification => "planning",
        TenderPublished | Evaluation => "tender",
        Award => "award",
        ContractSigned | FollowUp => "contract",
        Cancelled => "tenderCancellation",
    }
}

/// The tender status (OCDS tenderStatus codelist).
fn tender_status(stage: ProcurementStage) -> &'static str {
    use ProcurementStage::*;
    match stage {
        NeedAnalysis | MarketDialogue | Specification => "planning",
        TenderPublished | Evaluation => "active",
        Award | ContractSigned | FollowUp => "complete",
        Cancelled => "cancelled",
    }
}

/// The OCDS method (method codelist) and the LOU procedure's Swedish name.
fn method(procedure: ProcurementProcedure) -> (&'static str, &'static str) {
    use ProcurementProcedure::*;
    match procedure {
        Open => ("open", "Öppet förfarande"),
        Restricted => ("selective", "Selektivt förfarande"),
        NegotiatedWithNotice => (
            "selective",
            "Förhandlat förfarande med föregående annonsering",
        ),
        NegotiatedWithoutNotice => (
            "limited",
            "Förhandlat förfarande utan föregående annonsering",
        ),
        CompetitiveDialogue => ("selective", "Konkurrenspräglad dialog"),
        InnovationPartnership => ("selective", "Innovationspartnerskap"),
        Simplified => ("open", "Förenklat förfarande"),
        Selection => ("selective", "Urvalsförfarande"),
        DirectAward => ("direct", "Direktupphandling"),
        FrameworkCallOff => ("limited", "Avrop från ramavtal"),
    }
}

/// The OCDS main procurement category (procurementCategory codelist).
fn category(category: ProcurementCategory) -> &'static str {
    match category {
        ProcurementCategory::Goods => "goods",
        ProcurementCategory::Works => "works",
        ProcurementCategory::Services | ProcurementCategory::SocialServices => "services",
    }
}

/// Removes null members (OCDS fields are left out rather than null when unknown).
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_their_exact_decimals() {
        for raw in [
            "2389585.01",
            "0.10",
            "9999999999999.99",
            "700000.00",
            "123.45",
        ] {
            let sek = Sek::parse(raw).unwrap();
            let text = amount(sek)["amount"].to_string();
            let back = Sek::parse(&text).unwrap();
            assert_eq!(back, sek, "{raw} became {text}");
        }
    }
}
