//! Licences as SPDX expressions, the form publiccode.yml and software catalogs use.

use crate::error::ValidationErrors;

/// Parses an SPDX licence expression such as `EUPL-1.2` or `MIT OR Apache-2.0`, and
/// returns it as given (trimmed). `LicenseRef-` identifiers are allowed for proprietary
/// terms.
pub fn spdx_expression(raw: &str) -> Result<String, ValidationErrors> {
    let value = raw.trim();
    match spdx::Expression::parse(value) {
        Ok(_) => Ok(value.to_string()),
        Err(err) => Err(ValidationErrors::single(
            "",
            format!(
                "must be an SPDX licence expression such as EUPL-1.2 or \"MIT OR Apache-2.0\" ({})",
                err.reason
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_public_sector_licences() {
        for ok in [
            "EUPL-1.2",
            "MIT OR Apache-2.0",
            "AGPL-3.0-or-later",
            "LicenseRef-Proprietary",
        ] {
            assert!(spdx_expression(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_free_text() {
        assert!(spdx_expression("open source").is_err());
        assert!(spdx_expression("").is_err());
    }
}
