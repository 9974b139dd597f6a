//! A real OpenID Connect provider (the certified `oidc-provider` npm package, see
//! `tests/oidc/`) started once per test process, and a client-credentials token client
//! built on the `oauth2` crate.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse, TokenUrl};

use crate::ready::{self, Ready};

/// The audience the test API expects in tokens.
pub const AUDIENCE: &str = "http://samverkan.test/api";

static PROVIDER: OnceLock<Ready> = OnceLock::new();

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// The issuer URL of the test provider, starting it (and installing it from the
/// lockfile with `npm ci`) on first use.
pub fn issuer() -> String {
    PROVIDER.get_or_init(start).address.clone()
}

fn start() -> Ready {
    let dir = oidc_dir();
    if !dir.join("node_modules/oidc-provider").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .stdout(Stdio::null())
            .status()
            .expect("npm is needed for the OIDC tests (tests/run installs Node.js)");
        assert!(ok.success(), "npm ci in tests/oidc failed");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut node = Command::new("node");
    node.arg(dir.join("server.mjs"))
        .args(["--port", &port.to_string()]);
    ready::start(node, "the OIDC provider (node is needed)")
}

/// Obtains an access token for the test client `client_id` (secret `secret-<id>`) with
/// the client-credentials grant, for `resource` (the token's audience).
pub async fn token(client_id: &str, resource: &str) -> String {
    let client = BasicClient::new(ClientId::new(client_id.to_string()))
        .set_client_secret(ClientSecret::new(format!("secret-{client_id}")))
        .set_token_uri(TokenUrl::new(format!("{}/token", issuer())).expect("token URL"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let response = client
        .exchange_client_credentials()
        .add_extra_param("resource", resource)
        .request_async(&http)
        .await
        .unwrap_or_else(|e| panic!("token request for {client_id} failed: {e:?}"));
    response.access_token().secret().clone()
}
