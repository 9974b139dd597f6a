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

/// How a need differs from what it was in an earlier snapshot (see
/// [`NeedInfo::change_from`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedChange {
    /// Every field the same.
    Unchanged,
    /// Only its budget or visibility: nothing a match or a group's membership is made
    /// of. Groups formed with one are the groups of the other, with the combined budget
    /// summed anew.
    BudgetOrVisibility,
    /// Something a signal reads (text, dates, level, topics, area, organisation).
    Signals,
}

impl NeedInfo {
    /// How this need differs from `before`, each field compared once.
    pub fn change_from(&self, before: &NeedInfo) -> NeedChange {
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
            budget_max_sek,
            collaboration_level,
            public,
        } = self;
        let signals_alike = *id == before.id
            && *org == before.org
            && *title == before.title
            && *text == before.text
            && *activity_area == before.activity_area
            && *topics == before.topics
            && *needed_from == before.needed_from
            && *needed_by == before.needed_by
            && *collaboration_level == before.collaboration_level;
        if !signals_alike {
            NeedChange::Signals
        } else if *budget_max_sek != before.budget_max_sek || *public != before.public {
            NeedChange::BudgetOrVisibility
        } else {
            NeedChange::Unchanged
        }
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
