//! Reads the caller's organisation and roles out of validated claims.

use samverkan_domain::{Caller, OrgId, Role};
use serde_json::Value;

use crate::config::ClaimMapping;
use crate::verifier::AuthError;

/// Builds the caller from a validated token's claims.
pub(crate) fn caller_from(claims: &Value, mapping: &ClaimMapping) -> Result<Caller, AuthError> {
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| AuthError::Claims("the token has no subject (sub)".into()))?;
    let org = lookup(claims, &mapping.org_claim)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            AuthError::Claims(format!(
                "the token has no organisation claim `{}`",
                mapping.org_claim
            ))
        })?;
    let org = OrgId::parse(org).map_err(|_| {
        AuthError::Claims(format!(
            "`{org}` in `{}` is not an organisation id",
            mapping.org_claim
        ))
    })?;
    let roles = roles(lookup(claims, &mapping.roles_claim));
    Ok(Caller::staff(subject, org, roles))
}

/// Follows a dotted path such as `realm_access.roles`.
fn lookup<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(claims, |value, key| value.get(key))
}

/// Known roles from an array or a space-separated string; unknown names are ignored,
/// since identity providers carry roles meant for other applications.
fn roles(value: Option<&Value>) -> Vec<Role> {
    let names: Vec<&str> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => s.split_whitespace().collect(),
        _ => vec![],
    };
    names.into_iter().filter_map(Role::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_nested_claims_and_ignores_unknown_roles() {
        let mapping = ClaimMapping {
            org_claim: "org".into(),
            roles_claim: "realm_access.roles".into(),
        };
        let claims = json!({"sub": "u1", "org": "1280", "realm_access": {"roles": ["strategist", "offline_access"]}});
        let caller = caller_from(&claims, &mapping).unwrap();
        assert_eq!(caller.org.unwrap().as_str(), "1280");
        assert_eq!(
            caller.roles.into_iter().collect::<Vec<_>>(),
            vec![Role::Strategist]
        );
    }

    #[test]
    fn space_separated_roles_are_accepted() {
        let claims = json!({"sub": "u1", "org": "region-skane", "roles": "coordinator viewer"});
        let caller = caller_from(&claims, &ClaimMapping::default()).unwrap();
        assert!(caller.has(Role::Coordinator) && caller.has(Role::Viewer));
    }

    #[test]
    fn missing_or_bad_org_is_rejected() {
        assert!(caller_from(&json!({"sub": "u"}), &ClaimMapping::default()).is_err());
        assert!(
            caller_from(
                &json!({"sub": "u", "org": "Malmö"}),
                &ClaimMapping::default()
            )
            .is_err()
        );
    }
}
