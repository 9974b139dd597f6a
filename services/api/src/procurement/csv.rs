//! The spreadsheet export: one row per procurement, UTF-8 with a byte-order mark so
//! Excel shows å, ä and ö correctly, written by the `csv` crate (RFC 4180 quoting).

use chrono::NaiveDate;
use samverkan_domain::vocab::ParticipationState;
use samverkan_store::repo::procurements::Procurement;

use super::ProcurementSettings;

/// The byte-order mark that tells spreadsheet programs the file is UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The column names, in order.
pub const HEADER: &[&str] = &[
    "id",
    "title",
    "stage",
    "managing_organisation_id",
    "lead",
    "main_cpv",
    "additional_cpv",
    "procedure",
    "category",
    "estimated_value_sek",
    "framework_agreement",
    "threshold_rule",
    "participants",
    "mandates_signed",
    "next_deadline",
    "next_deadline_kind",
    "contract_supplier",
    "contract_value_sek",
    "contract_ends_on",
    "visibility",
    "updated_at",
];

/// Writes the header and one row per procurement, separated by `delimiter`.
pub fn write(
    procurements: &[Procurement],
    settings: &ProcurementSettings,
    today: NaiveDate,
    delimiter: u8,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(UTF8_BOM.to_vec());
    out.write_record(HEADER)?;
    for p in procurements {
        out.write_record(row(p, settings, today))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

fn row(p: &Procurement, settings: &ProcurementSettings, today: NaiveDate) -> Vec<String> {
    let f = &p.fields;
    let rule = settings
        .thresholds
        .classify(
            f.estimated_value,
            f.category,
            super::assessment_day(p, today),
        )
        .rule;
    let next = f.deadlines.iter().find(|d| d.due_on >= today);
    let signed = p
        .participants
        .iter()
        .filter(|x| x.fields.state == ParticipationState::MandateSigned)
        .count();
    let contract = f.contract.as_ref();
    let lead = match &f.external_lead {
        Some((name, _)) => name.clone(),
        None => p.managing_org.to_string(),
    };
    vec![
        p.id.to_string(),
        f.title.clone(),
        p.stage.to_string(),
        p.managing_org.to_string(),
        lead,
        f.main_cpv.to_string(),
        f.additional_cpv
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        f.procedure.to_string(),
        f.category.to_string(),
        f.estimated_value.to_string(),
        if f.framework.is_some() { "yes" } else { "no" }.to_string(),
        rule.to_string(),
        p.participants.len().to_string(),
        signed.to_string(),
        next.map(|d| d.due_on.to_string()).unwrap_or_default(),
        next.map(|d| d.kind.to_string()).unwrap_or_default(),
        contract
            .map(|c| c.supplier_name.clone())
            .unwrap_or_default(),
        contract.map(|c| c.value.to_string()).unwrap_or_default(),
        contract.map(|c| c.ends_on.to_string()).unwrap_or_default(),
        f.visibility.to_string(),
        p.updated_at.to_rfc3339(),
    ]
}
