//! Realistic request bodies.

use serde_json::{Value, json};

/// A need as a Malmö strategist would register it.
pub fn need(title: &str, visibility: &str) -> Value {
    json!({
        "title": title,
        "description": "Hemtjänstpersonalen hanterar hundratals fysiska nycklar. Vi vill ersätta dem med digitala lås som öppnas med mobilen och loggar varje besök.",
        "activity_area": "omsorg",
        "topics": ["valfardsteknik", "iot"],
        "tags": ["digitala lås"],
        "needed_from": "2027-01-01",
        "needed_by": "2027-12-31",
        "budget_min_sek": "200000",
        "budget_max_sek": "650000.50",
        "collaboration_level": "samordning",
        "visibility": visibility,
        "hypothesis": "Som hemtjänstpersonal vill jag öppna brukarens dörr med mobilen för att slippa hämta nycklar.",
        "contact": {"name": "Anna Lindqvist", "email": "anna.lindqvist@malmo.se", "phone": "040-34 10 00"},
        "evaluation": {
            "cost_time_saving": 4, "quality_user_experience": 3, "legal_obligation": 2, "governing_alignment": 4,
            "available_competence": 3, "management_support": 4, "low_complexity": 2, "funding": 3,
            "object_management": 3, "technical_support": 3, "compliance": 4
        }
    })
}

/// A digital strategy with two goals.
pub fn strategy() -> Value {
    json!({
        "title": "Digitaliseringsstrategi 2025–2030",
        "status": "adopted_municipality_wide",
        "adopted_on": "2025-02-20",
        "document_url": "https://malmo.se/digitaliseringsstrategi",
        "summary": "Kommunövergripande strategi.",
        "goals": [
            {"title": "Fler e-tjänster för invånarna"},
            {"title": "Automatisera regelstyrd handläggning", "description": "RPA där det passar."}
        ]
    })
}

/// A reusable solution.
pub fn solution(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Öppen plattform för e-arkiv enligt FGS, driftas gemensamt.",
        "kind": "software",
        "maturity": "production",
        "licence": "EUPL-1.2",
        "source_url": "https://example.se/e-arkiv",
        "adoption_cost_sek": "75000",
        "topics": ["e_arkiv"],
        "contact": {"name": "Per Olsson", "email": "per.olsson@malmo.se"}
    })
}

/// An adoption declaration.
pub fn adoption() -> Value {
    json!({"state": "piloting", "since": "2026-03-01", "note": "Pilot på kommunarkivet."})
}

/// A joint procurement as Malmö's procurement officer would register it: IT services for
/// digital locks, open procedure, estimated above the EU threshold for services.
pub fn procurement(title: &str, visibility: &str) -> Value {
    json!({
        "title": title,
        "description": "Samordnad upphandling av digitala lås och nyckelhantering för hemtjänsten i fyra kommuner.",
        "main_cpv": "48000000-8",
        "additional_cpv": ["72000000-5"],
        "procedure": "open",
        "category": "services",
        "estimated_value_sek": "2400000.00",
        "visibility": visibility,
        "contact": {"name": "Karin Berg", "email": "karin.berg@malmo.se", "phone": "040-34 20 00"}
    })
}

/// A signed contract with its supplier, running from `starts_on` to `ends_on`.
pub fn contract(starts_on: &str, ends_on: &str) -> Value {
    json!({
        "supplier_name": "Låsteknik i Syd AB",
        "supplier_organisation_number": "556036-0793",
        "value_sek": "2150000.50",
        "starts_on": starts_on,
        "ends_on": ends_on,
        "options": "2 x 12 månader"
    })
}

/// A participation answer with volume and a contact person.
pub fn participation(state: &str) -> Value {
    json!({
        "state": state,
        "estimated_value_sek": "450000.00",
        "volume_description": "120 dörrar i hemtjänsten",
        "contact": {"name": "Lars Nilsson", "email": "lars.nilsson@lund.se"}
    })
}
