//! The local development issuer: HS256 tokens signed with a secret kept in the data
//! directory, so `samverkan token` and a `serve --demo` on the same directory agree.

use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use samverkan_domain::{OrgId, Role};
use serde_json::json;

/// The `iss` of development tokens; no external issuer can have it (not a URL).
pub const DEV_ISSUER: &str = "urn:samverkan:dev-issuer";
/// The `aud` of development tokens.
pub const DEV_AUDIENCE: &str = "urn:samverkan:api";

/// Mints and verifies development tokens.
#[derive(Clone)]
pub struct DevIssuer {
    secret: Vec<u8>,
}

impl std::fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevIssuer { secret: [redacted] }")
    }
}

impl DevIssuer {
    /// Loads the secret from `path`, creating a random one (readable by the owner only)
    /// when the file does not exist yet.
    pub fn load_or_create(path: &Path) -> std::io::Result<Self> {
        if let Ok(hex_secret) = std::fs::read_to_string(path) {
            let secret = hex::decode(hex_secret.trim())
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
            return Ok(Self { secret });
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut secret = vec![0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        write_private(path, &hex::encode(&secret))?;
        Ok(Self { secret })
    }

    /// Uses a given secret (tests).
    pub fn from_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
        }
    }

    /// Mints a token for `subject` acting for `org` with `roles`, valid for `ttl_seconds`.
    pub fn mint(&self, subject: &str, org: &OrgId, roles: &[Role], ttl_seconds: u64) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = json!({
            "iss": DEV_ISSUER,
            "aud": DEV_AUDIENCE,
            "sub": subject,
            "org": org.as_str(),
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
        });
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.secret),
        )
        .expect("HS256 signing with an in-memory key cannot fail")
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
