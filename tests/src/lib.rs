//! Test harness for the end-to-end suite: spawns the real application on a loopback port
//! over a fresh SQLite file or PostgreSQL database, mints tokens, and starts the external
//! programs the tests need (PostgreSQL, an OpenID Connect provider, an embedding server)
//! when no URL is given.

pub mod embeddings;
pub mod oidc;
pub mod postgres;
mod ready;

use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use reqwest::{Method, StatusCode};
use samverkan::Config;
use samverkan_auth::{DevIssuer, IssuerConfig};
use samverkan_domain::{OrgId, Role};
use serde_json::Value;
use tempfile::TempDir;

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body parsed as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Reply {
    /// The ETag header.
    pub fn etag(&self) -> String {
        self.headers
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    /// The fields named in a problem's `errors` list.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["field"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A running application with its own database and search index.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A plain HTTP client.
    pub http: reqwest::Client,
    /// The application's store, for checks the API does not offer (e.g. the outbox).
    pub store: samverkan_store::Store,
    dev: DevIssuer,
    config: Config,
    dir: std::sync::Arc<TempDir>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    indexer: Option<tokio::task::JoinHandle<()>>,
    matcher: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    /// Starts the application on `backend`, trusting the development issuer.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, vec![]).await
    }

    /// Starts the application trusting the development issuer and `issuers`.
    pub async fn spawn_with(backend: Backend, issuers: Vec<IssuerConfig>) -> Self {
        Self::spawn_configured(backend, |config| config.auth.issuers = issuers).await
    }

    /// Starts the application trusting the development issuer, with the test defaults
    /// changed by `configure` (as an operator's configuration file would).
    pub async fn spawn_configured(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        config.auth.dev_issuer = true;
        config.auth.leeway_seconds = 0;
        configure(&mut config);
        if backend == Backend::Postgres {
            config.database.url = postgres::fresh_database().await;
        }
        Self::start(config, dir, true).await
    }

    /// Starts the application on `config`; without `indexing`, writes stay in the search
    /// outbox (as if the process died between commit and indexing).
    async fn start(config: Config, dir: std::sync::Arc<TempDir>, indexing: bool) -> Self {
        let store = samverkan::open_store(&config).await.expect("store opens");
        let search = samverkan::open_search(&config)
            .await
            .expect("search index opens");
        let indexer = if indexing {
            Some(
                samverkan::start_indexing(&store, &search)
                    .await
                    .expect("indexing starts"),
            )
        } else {
            None
        };
        let settings = samverkan::matching_settings(&config).expect("valid matching settings");
        let (matches, matcher) = samverkan::matching::start(store.clone(), settings)
            .await
            .expect("matchmaking starts");
        let app = samverkan::build_app(&config, store.clone(), search.index, matches)
            .await
            .expect("app builds");
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let addr = acceptor.local_addr().remove(0);
        let base = format!("http://{}", addr.as_socket_addr().expect("tcp"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            let _ = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(app, stop, Some(std::time::Duration::from_secs(1)))
                .await;
        });
        let dev = samverkan::dev_issuer(&config).expect("dev issuer");
        Self {
            base,
            http: reqwest::Client::new(),
            store,
            dev,
            config,
            dir,
            shutdown: Some(tx),
            server: Some(server),
            indexer,
            matcher: Some(matcher),
        }
    }

    /// A second instance on the same database (PostgreSQL), with its own data directory,
    /// as in a deployment with several replicas.
    pub async fn another_instance(&self) -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..self.config.clone()
        };
        std::fs::copy(self.config.dev_secret_path(), config.dev_secret_path())
            .expect("share the dev issuer");
        Self::start(config, dir, false).await
    }

    /// Stops the application and starts it again on the same database and data
    /// directory, with or without the search indexer.
    pub async fn restart(mut self, indexing: bool) -> Self {
        self.stop().await;
        Self::start(self.config.clone(), self.dir.clone(), indexing).await
    }

    async fn stop(&mut self) {
        if let Some(indexer) = self.indexer.take() {
            indexer.abort();
            let _ = indexer.await;
        }
        if let Some(matcher) = self.matcher.take() {
            matcher.abort();
            let _ = matcher.await;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.http = reqwest::Client::new();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Waits until every committed write has reached the search index.
    pub async fn search_settled(&self) {
        for _ in 0..200 {
            if self.store.outbox_len().await.expect("outbox") == 0 {
                // The worker acknowledges after the index has committed the batch.
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the search outbox did not drain within 5 s");
    }

    /// A development token for `org` with `roles`.
    pub fn token(&self, org: &str, roles: &[Role]) -> String {
        self.dev.mint(
            &format!("user-{org}"),
            &OrgId::parse(org).expect("org id"),
            roles,
            600,
        )
    }

    /// Sends a request with an optional bearer token, JSON body and extra headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// GET with an optional token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None, &[]).await
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.call(Method::POST, path, token, Some(body), &[]).await
    }

    /// PUT a JSON body with `If-Match`.
    pub async fn put(&self, path: &str, token: Option<&str>, etag: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, token, Some(body), &[("If-Match", etag)])
            .await
    }

    /// DELETE with an optional token.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, token, None, &[]).await
    }
}

/// Asserts a reply is problem+json with `status`, printing the body when it is not.
pub fn assert_problem(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "body: {}", reply.body);
    let ct = reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content-type {ct}, body {}",
        reply.body
    );
    assert_eq!(reply.body["status"].as_u64(), Some(u64::from(status)));
}

/// Runs an async scenario once per backend, as two named tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )+
    };
}
