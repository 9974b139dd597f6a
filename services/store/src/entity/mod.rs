//! sea-orm entities: private to the store, so every query goes through a repository that
//! applies the caller's tenant scope.

pub(crate) mod adoption;
pub(crate) mod audit_event;
pub(crate) mod need;
pub(crate) mod need_embedding;
pub(crate) mod need_goal;
pub(crate) mod need_topic;
pub(crate) mod organisation;
pub(crate) mod outbox;
pub(crate) mod procurement;
pub(crate) mod procurement_cpv;
pub(crate) mod procurement_deadline;
pub(crate) mod procurement_need;
pub(crate) mod procurement_participant;
pub(crate) mod solution;
pub(crate) mod solution_topic;
pub(crate) mod strategy;
pub(crate) mod strategy_goal;
pub(crate) mod subregion_membership;
