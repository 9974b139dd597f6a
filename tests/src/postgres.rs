//! A throwaway PostgreSQL server for the test process, unless `SAMVERKAN_TEST_PG_URL`
//! names an existing server (an admin URL such as `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! The server is started once per test process from the machine's PostgreSQL binaries,
//! as the unprivileged `postgres` user when running as root (PostgreSQL refuses root), and
//! a watchdog stops it and removes its files when the test process exits.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use sea_orm::{ConnectionTrait, Database};

static ADMIN_URL: OnceLock<String> = OnceLock::new();

/// Creates an empty database and returns its URL.
pub async fn fresh_database() -> String {
    let admin = ADMIN_URL
        .get_or_init(|| std::env::var("SAMVERKAN_TEST_PG_URL").unwrap_or_else(|_| start_server()));
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let conn = Database::connect(admin.as_str())
        .await
        .expect("connect to test PostgreSQL");
    conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create database");
    conn.close().await.ok();
    let (base, _) = admin
        .rsplit_once('/')
        .expect("admin URL has a database path");
    format!("{base}/{name}")
}

fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.pop().expect(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: run tests/run \
         (it installs them), or set SAMVERKAN_TEST_PG_URL to an existing server",
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool, as the `postgres` user when we are root.
fn pg_command(bin: &Path, tool: &str) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        cmd
    } else {
        Command::new(bin.join(tool))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start_server() -> String {
    let bin = bin_dir();
    let dir = tempfile::Builder::new()
        .prefix("samverkan-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .map(|s| s.success());
        assert_eq!(
            ok.ok(),
            Some(true),
            "chown of the PostgreSQL data dir failed"
        );
    }
    let data = dir.join("data");
    let initdb = pg_command(&bin, "initdb")
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("run initdb");
    assert!(initdb.success(), "initdb failed");
    let port = free_port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    let started = pg_command(&bin, "pg_ctl")
        .arg("-D")
        .arg(&data)
        .args(["-o", &options, "-l"])
        .arg(dir.join("log"))
        .args(["-w", "start"])
        .stdout(Stdio::null())
        .status()
        .expect("run pg_ctl");
    assert!(
        started.success(),
        "pg_ctl start failed; see {}",
        dir.join("log").display()
    );
    spawn_watchdog(&bin, &dir, &data);
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

/// Stops the server and removes its files once this test process has exited. The
/// watchdog is deliberately left running: it must outlive this process.
#[allow(clippy::zombie_processes)]
fn spawn_watchdog(bin: &Path, dir: &Path, data: &Path) {
    let stop = if is_root() {
        format!(
            "runuser -u postgres -- {} -D {} -m immediate stop",
            bin.join("pg_ctl").display(),
            data.display()
        )
    } else {
        format!(
            "{} -D {} -m immediate stop",
            bin.join("pg_ctl").display(),
            data.display()
        )
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn PostgreSQL watchdog");
}
