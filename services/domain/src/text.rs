//! Free-text fields: trimmed, non-empty where required, and bounded in length.

use crate::error::ValidationErrors;

/// Trims `raw` and checks it has between `min` and `max` characters.
pub fn bounded(raw: &str, min: usize, max: usize) -> Result<String, ValidationErrors> {
    let value = raw.trim();
    let len = value.chars().count();
    if len < min {
        let message = if min == 1 {
            "must not be empty".to_string()
        } else {
            format!("must be at least {min} characters")
        };
        return Err(ValidationErrors::single("", message));
    }
    if len > max {
        return Err(ValidationErrors::single(
            "",
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    Ok(value.to_string())
}

/// Like [`bounded`], but an absent or blank value is `None`.
pub fn optional(raw: Option<&str>, max: usize) -> Result<Option<String>, ValidationErrors> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => bounded(value, 1, max).map(Some),
    }
}

/// Parses an absolute `http` or `https` URL, the only kind a public catalog should link to.
pub fn web_url(raw: &str) -> Result<String, ValidationErrors> {
    let value = raw.trim();
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= 2000
        && value.split("://").nth(1).is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !value.chars().any(char::is_whitespace)
        });
    if ok {
        Ok(value.to_string())
    } else {
        Err(ValidationErrors::single(
            "",
            "must be an absolute http(s) URL such as https://example.se/page",
        ))
    }
}

/// Free tags: trimmed, lower-cased, de-duplicated, each 1-40 characters, at most 20.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut out: Vec<String> = Vec::new();
    if raw.len() > 20 {
        errors.add("", "at most 20 tags");
    }
    for (i, tag) in raw.iter().enumerate() {
        match bounded(tag, 1, 40) {
            Ok(tag) => {
                let tag = tag.to_lowercase();
                if !out.contains(&tag) {
                    out.push(tag);
                }
            }
            Err(e) => {
                errors.take(&format!("[{i}]"), Err::<(), _>(e));
            }
        }
    }
    errors.finish(|| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_trims_and_rejects_blank_and_long() {
        assert_eq!(bounded("  e-arkiv ", 1, 10).unwrap(), "e-arkiv");
        assert!(bounded("   ", 1, 10).is_err());
        assert!(bounded("ååååååååååå", 1, 10).is_err());
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(web_url("https://malmo.se/e-tjanster").is_ok());
        assert!(web_url("ftp://x.se").is_err());
        assert!(web_url("https://").is_err());
        assert!(web_url("https://a b.se").is_err());
    }

    #[test]
    fn tags_are_normalised_and_deduplicated() {
        let got = tags(&["IoT".into(), " iot ".into(), "Sensorer".into()]).unwrap();
        assert_eq!(got, vec!["iot", "sensorer"]);
        let err = tags(&["".into()]).unwrap_err();
        assert_eq!(err.0[0].field, "[0]");
        let mut outer = crate::ValidationErrors::new();
        outer.take("tags", Err::<(), _>(err));
        assert_eq!(outer.0[0].field, "tags[0]");
    }
}
