//! A real OpenID Connect provider (the certified `oidc-provider` npm package, see
//! `tests/oidc/`) started once per test process, and a client-credentials token client
//! built on the `oauth2` crate.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse, TokenUrl};

/// The audience the test API expects in tokens.
pub const AUDIENCE: &str = "http://samverkan.test/api";

struct Running {
    issuer: String,
    // Kept open: the provider exits when its stdin closes, i.e. when this process ends.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

static PROVIDER: OnceLock<Running> = OnceLock::new();

fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// The issuer URL of the test provider, starting it (and installing it from the
/// lockfile with `npm ci`) on first use.
pub fn issuer() -> String {
    PROVIDER.get_or_init(start).issuer.clone()
}

fn start() -> Running {
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
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .args(["--port", &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node is needed for the OIDC tests");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read READY line");
    let issuer = line
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("provider said {line:?}"))
        .to_string();
    let stdin = child.stdin.take().expect("stdin");
    Running {
        issuer,
        _stdin: Mutex::new(stdin),
        _child: Mutex::new(child),
    }
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
