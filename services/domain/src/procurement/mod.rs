//! Joint procurements (samordnad upphandling): several organisations buying together,
//! one of them or a central purchasing body leading. The stage state machine, the
//! threshold check, CPV codes and participation rules live here, free of I/O.

pub mod cpv;
pub mod input;
pub mod participant;
pub mod stage;
pub mod threshold;

pub use cpv::CpvCode;
pub use input::{Contract, Lot, ProcurementFields, ProcurementInput};
pub use participant::{ParticipationFields, ParticipationInput};
pub use stage::{TransitionError, check_transition};
pub use threshold::{ThresholdCheck, ThresholdPeriod, ThresholdRule, ThresholdSchedule};
