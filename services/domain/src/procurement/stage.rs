//! The stages of a joint procurement and the transitions the lead may make between them:
//! the state machine that keeps every procurement's history plausible.

use crate::vocab::ProcurementStage;

impl ProcurementStage {
    /// The stages the procurement may move to next from this one. `Cancelled` and
    /// `FollowUp` are final; an award may go back to evaluation when a review
    /// (överprövning) orders a re-evaluation (rättelse).
    pub fn allowed_next(self) -> &'static [ProcurementStage] {
        use ProcurementStage::*;
        match self {
            NeedAnalysis => &[MarketDialogue, Specification, Cancelled],
            MarketDialogue => &[Specification, Cancelled],
            Specification => &[MarketDialogue, TenderPublished, Cancelled],
            TenderPublished => &[Evaluation, Cancelled],
            Evaluation => &[Award, Cancelled],
            Award => &[ContractSigned, Evaluation, Cancelled],
            ContractSigned => &[FollowUp],
            FollowUp | Cancelled => &[],
        }
    }

    /// Whether the state machine allows moving from this stage to `next`.
    pub fn can_move_to(self, next: ProcurementStage) -> bool {
        self.allowed_next().contains(&next)
    }

    /// True once a supplier has been chosen: contracts may be recorded from here on.
    /// Leaving these stages (back to evaluation on review, or cancelled) annuls the
    /// award, so an unsigned contract recorded in the award stage is dropped.
    pub fn is_awarded(self) -> bool {
        matches!(
            self,
            ProcurementStage::Award | ProcurementStage::ContractSigned | ProcurementStage::FollowUp
        )
    }

    /// True once the contract is signed: it must stay recorded from here on.
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            ProcurementStage::ContractSigned | ProcurementStage::FollowUp
        )
    }

    /// True when no further transition is possible.
    pub fn is_final(self) -> bool {
        self.allowed_next().is_empty()
    }
}

/// Why a requested stage change was refused; the API turns it into a 409 naming
/// [`TransitionError::allowed`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct TransitionError {
    /// The stage the procurement is in.
    pub from: ProcurementStage,
    /// The stage that was asked for.
    pub to: ProcurementStage,
    /// The stages that are allowed next (empty for a final stage).
    pub allowed: Vec<ProcurementStage>,
    /// A sentence a procurement officer can act on.
    pub reason: String,
}

/// Checks a stage change against the state machine and the facts it needs: a contract
/// can only be signed once it has been recorded.
pub fn check_transition(
    from: ProcurementStage,
    to: ProcurementStage,
    has_contract: bool,
) -> Result<(), TransitionError> {
    let allowed = from.allowed_next().to_vec();
    let names = |stages: &[ProcurementStage]| {
        stages
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let reason = if !from.can_move_to(to) {
        if allowed.is_empty() {
            format!("a procurement in stage {from} is final and cannot move to {to}")
        } else {
            format!(
                "a procurement in stage {from} cannot move to {to}; allowed next: {}",
                names(&allowed)
            )
        }
    } else if to == ProcurementStage::ContractSigned && !has_contract {
        format!(
            "record the contract (supplier, value, dates) before moving to {to}; allowed next: {}",
            names(&allowed)
        )
    } else {
        return Ok(());
    };
    Err(TransitionError {
        from,
        to,
        allowed,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProcurementStage::*;

    /// Every (from, to) pair that is legal; all others must be refused.
    const LEGAL: &[(ProcurementStage, ProcurementStage)] = &[
        (NeedAnalysis, MarketDialogue),
        (NeedAnalysis, Specification),
        (NeedAnalysis, Cancelled),
        (MarketDialogue, Specification),
        (MarketDialogue, Cancelled),
        (Specification, MarketDialogue),
        (Specification, TenderPublished),
        (Specification, Cancelled),
        (TenderPublished, Evaluation),
        (TenderPublished, Cancelled),
        (Evaluation, Award),
        (Evaluation, Cancelled),
        (Award, ContractSigned),
        (Award, Evaluation),
        (Award, Cancelled),
        (ContractSigned, FollowUp),
    ];

    #[test]
    fn every_pair_is_legal_exactly_when_listed() {
        for &from in ProcurementStage::ALL {
            for &to in ProcurementStage::ALL {
                let legal = LEGAL.contains(&(from, to));
                let result = check_transition(from, to, true);
                assert_eq!(result.is_ok(), legal, "{from} -> {to}");
                if let Err(e) = result {
                    assert_eq!(e.allowed, from.allowed_next());
                    for next in from.allowed_next() {
                        assert!(e.reason.contains(next.as_str()), "{}", e.reason);
                    }
                }
            }
        }
    }

    #[test]
    fn signing_needs_a_recorded_contract() {
        let err = check_transition(Award, ContractSigned, false).unwrap_err();
        assert!(err.reason.contains("record the contract"));
        assert!(check_transition(Award, ContractSigned, true).is_ok());
    }

    #[test]
    fn a_contract_is_signed_in_the_last_two_stages() {
        assert!(ContractSigned.is_signed() && FollowUp.is_signed());
        for stage in [Award, Evaluation, Cancelled] {
            assert!(!stage.is_signed(), "{stage}");
        }
    }

    #[test]
    fn final_stages_say_so() {
        let err = check_transition(Cancelled, NeedAnalysis, true).unwrap_err();
        assert!(err.allowed.is_empty());
        assert!(err.reason.contains("final"));
        assert!(FollowUp.is_final() && Cancelled.is_final());
    }
}
