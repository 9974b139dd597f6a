//! Exact money in Swedish kronor: decimals with öre precision, never floating point.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ValidationErrors;

/// An amount in SEK, non-negative, with at most two decimals (öre). Stored as whole öre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sek(Decimal);

/// The largest amount accepted: 10^13 SEK is far beyond any municipal budget, and keeps
/// öre within `i64` with room to add many amounts.
const MAX_SEK: i64 = 10_000_000_000_000;

impl Sek {
    /// Zero kronor.
    pub const ZERO: Sek = Sek(Decimal::ZERO);

    /// Parses a decimal string such as `"125000.50"`; rejects negatives, more than two
    /// decimals and absurd magnitudes.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let value: Decimal = raw.trim().parse().map_err(|_| {
            ValidationErrors::single("", "must be an amount in SEK such as \"125000.50\"")
        })?;
        Self::from_decimal(value)
    }

    /// Checks a decimal already parsed elsewhere against the same rules as [`Sek::parse`].
    pub fn from_decimal(value: Decimal) -> Result<Self, ValidationErrors> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(ValidationErrors::single("", "must not be negative"));
        }
        if value.normalize().scale() > 2 {
            return Err(ValidationErrors::single(
                "",
                "must have at most two decimals (öre)",
            ));
        }
        if value > Decimal::from(MAX_SEK) {
            return Err(ValidationErrors::single("", "is unreasonably large"));
        }
        Ok(Self(value.round_dp(2)))
    }

    /// The amount in whole öre, as the database stores it.
    pub fn to_ore(self) -> i64 {
        let ore = self.0 * Decimal::ONE_HUNDRED;
        i64::try_from(ore).unwrap_or(i64::MAX)
    }

    /// Rebuilds an amount from whole öre read from the database.
    pub fn from_ore(ore: i64) -> Self {
        Self(Decimal::new(ore, 2))
    }

    /// The exact decimal value.
    pub fn amount(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Sek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

/// A budget window in SEK; either end may be open, and min never exceeds max.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BudgetRange {
    /// The least the owner expects to spend.
    pub min: Option<Sek>,
    /// The most the owner can spend.
    pub max: Option<Sek>,
}

impl BudgetRange {
    /// Parses both ends and checks their order.
    pub fn parse(min: Option<&str>, max: Option<&str>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let min = min.and_then(|m| errors.take("min", Sek::parse(m)));
        let max = max.and_then(|m| errors.take("max", Sek::parse(m)));
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            errors.add("max", "must not be less than min");
        }
        errors.finish(|| Self { min, max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ore_precision_exactly() {
        let sek = Sek::parse("125000.50").unwrap();
        assert_eq!(sek.to_ore(), 12_500_050);
        assert_eq!(Sek::from_ore(12_500_050), sek);
        assert_eq!(sek.to_string(), "125000.50");
        assert_eq!(Sek::parse("0.1").unwrap().to_ore(), 10);
    }

    #[test]
    fn rejects_bad_amounts() {
        assert!(Sek::parse("-1").is_err());
        assert!(Sek::parse("1.005").is_err());
        assert!(Sek::parse("ten").is_err());
        assert!(Sek::parse("1e20").is_err());
        assert!(Sek::parse("99999999999999999").is_err());
    }

    #[test]
    fn budget_range_checks_order() {
        let err = BudgetRange::parse(Some("200"), Some("100")).unwrap_err();
        assert_eq!(err.0[0].field, "max");
        let ok = BudgetRange::parse(Some("100"), None).unwrap();
        assert_eq!(ok.min, Some(Sek::from_ore(10_000)));
    }
}
