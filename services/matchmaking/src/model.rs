//! What the engine needs to know about needs, solutions and organisations.

use chrono::NaiveDate;
use uuid::Uuid;

/// A need as the engine sees it. Codes are the domain's wire codes (e.g. `omsorg`).
#[derive(Debug, Clone, PartialEq)]
pub struct NeedInfo {
    /// The need.
    pub id: Uuid,
    /// The organisation that owns it.
    pub org: String,
    /// Title.
    pub title: String,
    /// Description, and any other free text (hypothesis, tags).
    pub text: String,
    /// Activity area code.
    pub activity_area: String,
    /// Topic codes.
    pub topics: Vec<String>,
    /// Earliest wanted date.
    pub needed_from: Option<NaiveDate>,
    /// Latest wanted date.
    pub needed_by: Option<NaiveDate>,
    /// Upper end of the budget in whole kronor.
    pub budget_max_sek: Option<u64>,
    /// Highest collaboration level accepted: 0 samverkan, 1 samordning, 2 samutveckling.
    pub collaboration_level: u8,
    /// Public need; internal ones are matched only for their owner and the coordinator.
    pub public: bool,
}

impl NeedInfo {
    /// Whether `other` is this need with at most its budget and visibility changed:
    /// nothing a match or a group's membership is made of. Groups formed with one are
    /// the groups of the other, with the combined budget summed anew.
    pub fn matches_alike(&self, other: &NeedInfo) -> bool {
        // Spelled out field by field, so that a field added later must be placed here.
        let NeedInfo {
            id,
            org,
            title,
            text,
            activity_area,
            topics,
            needed_from,
            needed_by,
            budget_max_sek: _,
            collaboration_level,
            public: _,
        } = self;
        *id == other.id
            && *org == other.org
            && *title == other.title
            && *text == other.text
            && *activity_area == other.activity_area
            && *topics == other.topics
            && *needed_from == other.needed_from
            && *needed_by == other.needed_by
            && *collaboration_level == other.collaboration_level
    }
}

/// A reusable solution as the engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SolutionInfo {
    /// The solution.
    pub id: Uuid,
    /// The owning organisation.
    pub org: String,
    /// Name.
    pub name: String,
    /// Description.
    pub text: String,
    /// Topic codes.
    pub topics: Vec<String>,
    /// Maturity: 0 idea, 1 pilot, 2 production, 3 in use by several.
    pub maturity: u8,
    /// Organisations that use it (not stopped).
    pub adopters: Vec<String>,
}

impl SolutionInfo {
    /// The organisations that hold this solution: its owner, then its adopters (those
    /// that stopped are left out when the engine is fed).
    pub fn holders(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.org.as_str()).chain(self.adopters.iter().map(String::as_str))
    }

    /// Whether organisation `org` owns this solution or already runs it: either way it
    /// is no new idea to that organisation's needs.
    pub fn is_held_by(&self, org: &str) -> bool {
        self.holders().any(|h| h == org)
    }
}

/// Facts about an organisation that make collaboration likelier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgInfo {
    /// SCB code or slug.
    pub id: String,
    /// Current sub-regional network.
    pub subregion: Option<String>,
    /// Population, for suggesting a lead.
    pub population: Option<u64>,
}
