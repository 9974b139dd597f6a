//! Configuration: defaults, then an optional TOML file, then `SAMVERKAN_*` environment
//! variables (nested keys joined with `__`, e.g. `SAMVERKAN_DATABASE__URL`).

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use samverkan_auth::AuthConfig;
use serde::{Deserialize, Serialize};

/// Everything the service reads at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Where local state lives: the SQLite file and the development issuer's secret.
    pub data_dir: PathBuf,
    /// HTTP server settings.
    pub server: ServerConfig,
    /// Database settings.
    pub database: DatabaseConfig,
    /// Token validation.
    pub auth: AuthConfig,
    /// Log filter in `tracing` syntax, e.g. `info` or `samverkan=debug,info`.
    pub log: String,
    /// Meilisearch server URL (`SAMVERKAN_MEILI_URL`); unset means the embedded index in
    /// the data directory.
    pub meili_url: Option<String>,
    /// Meilisearch API key (`SAMVERKAN_MEILI_KEY`), one allowed to manage the index.
    pub meili_key: Option<Secret>,
    /// The Meilisearch index name.
    pub meili_index: String,
    /// Joint procurements: dated thresholds and export settings.
    pub procurement: ProcurementConfig,
    /// The matchmaking weights (`[matching]`); unset fields keep their defaults, documented
    /// in `docs/matching.md`. Checked at start.
    pub matching: samverkan_matchmaking::Weights,
    /// The matchmaking thesaurus (`[thesaurus]`).
    pub thesaurus: ThesaurusConfig,
    /// Sentence embeddings for matching needs by meaning (`[embeddings]`).
    pub embeddings: EmbeddingsConfig,
}

/// Where the matchmaking engine gets sentence embeddings of the needs' texts, to match
/// needs that say the same in other words (docs/matching.md, *Meaning*).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddingsConfig {
    /// Base URL of an OpenAI-compatible embeddings API, without `/embeddings`, e.g.
    /// `http://127.0.0.1:8088/v1`; unset or empty: needs are matched by their words alone.
    pub url: Option<String>,
    /// The model to ask for. The defaults of `[matching]` (`meaning_floor`,
    /// `meaning_full`) are measured for multilingual-e5-small with its "query: " prefix.
    pub model: String,
    /// Bearer token for the API, if it wants one; a **secret**, never printed.
    pub api_key: Option<Secret>,
    /// Texts per request.
    pub batch_size: usize,
    /// How long one request may take, in seconds.
    pub timeout_seconds: u64,
}

impl Default for EmbeddingsConfig {
    fn default() -> Self {
        Self {
            url: None,
            model: "multilingual-e5-small".into(),
            api_key: None,
            batch_size: 16,
            timeout_seconds: 120,
        }
    }
}

/// Which thesaurus the matchmaking engine uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThesaurusConfig {
    /// A TOML file of `[[synonyms]] terms = [...]`, the region's own vocabulary; unset:
    /// no thesaurus (docs/matching.md says why none is shipped).
    pub file: Option<PathBuf>,
}

/// The synonym sets of the configured thesaurus file (none when unset), checked.
pub fn thesaurus_sets(config: &ThesaurusConfig) -> anyhow::Result<Vec<Vec<String>>> {
    let Some(path) = &config.file else {
        return Ok(vec![]);
    };
    let name = path.display();
    let raw =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("thesaurus.file {name}: {e}"))?;
    samverkan_matchmaking::thesaurus::parse_sets(&raw)
        .map_err(|e| anyhow::anyhow!("invalid thesaurus {name}: {e}"))
}

/// The procurement defaults shipped with the service (`config/procurement.toml`).
const PROCUREMENT_DEFAULTS: &str = include_str!("../config/procurement.toml");

/// Joint-procurement settings. Not `serde(default)`: the defaults are themselves read
/// from the shipped file, and the layers below always supply every field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcurementConfig {
    /// EU thresholds and the direct-award limit, one entry per period they apply.
    pub thresholds: Vec<samverkan_domain::procurement::ThresholdPeriod>,
    /// The OCDS ocid prefix registered with the Open Contracting Partnership.
    pub ocid_prefix: String,
    /// The publisher named in OCDS exports.
    pub publisher_name: String,
    /// The service's public base URL, used in export URIs.
    pub public_url: String,
}

/// A secret setting: kept out of `Debug` output and logs.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// HTTP server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// How long a cached read may be served, in milliseconds; 0 turns the read cache
    /// off. Writes in this process invalidate it at once; with several instances on one
    /// PostgreSQL database, another instance's write shows after at most this long.
    pub read_cache_ttl_ms: u64,
}

/// Database settings. The URL may hold a password, so `Debug` redacts it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `sqlite://path?mode=rwc` or `postgres://user:password@host/db`; empty means the
    /// embedded default, a SQLite file in the data directory.
    pub url: String,
    /// Connection pool size.
    pub max_connections: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            auth: AuthConfig::default(),
            log: "info".into(),
            meili_url: None,
            meili_key: None,
            meili_index: "samverkan".into(),
            procurement: ProcurementConfig::default(),
            matching: samverkan_matchmaking::Weights::default(),
            thesaurus: ThesaurusConfig::default(),
            embeddings: EmbeddingsConfig::default(),
        }
    }
}

impl Default for ProcurementConfig {
    /// The shipped defaults; a configuration file's `[[procurement.thresholds]]` list
    /// replaces their list as a whole.
    fn default() -> Self {
        Figment::from(Toml::string(PROCUREMENT_DEFAULTS))
            .extract_inner("procurement")
            .expect("the shipped config/procurement.toml is valid")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            read_cache_ttl_ms: 1000,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 8,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_password(&self.url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// Replaces the password in `scheme://user:password@host` with `***`.
pub fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// Loads the layers; `file` is read when given, else `samverkan.toml` if present.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            // Only the working directory's file: figment's `Toml::file` would also search
            // every parent directory.
            None if Path::new("samverkan.toml").exists() => {
                figment = figment.merge(Toml::file_exact("samverkan.toml"))
            }
            None => {}
        }
        figment
            .merge(Env::prefixed("SAMVERKAN_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL to use: the configured one, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("samverkan.sqlite").display()
            )
        } else {
            self.database.url.clone()
        }
    }

    /// Where the embedded search index lives.
    pub fn search_index_dir(&self) -> PathBuf {
        self.data_dir.join("search-index")
    }

    /// Where the development issuer keeps its signing secret.
    pub fn dev_secret_path(&self) -> PathBuf {
        self.data_dir.join("dev-issuer.secret")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_in_debug() {
        let db = DatabaseConfig {
            url: "postgres://app:s3cret@db:5432/samverkan".into(),
            max_connections: 4,
        };
        let shown = format!("{db:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://app:***@db:5432/samverkan"));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns figment::Error
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "samverkan.toml",
                r#"
                    log = "debug"
                    [server]
                    listen = "0.0.0.0:9000"
                    [database]
                    max_connections = 3
                    [[auth.issuers]]
                    issuer = "https://login.example.se/realms/skane"
                    audience = "samverkan"
                    [auth.issuers.claims]
                    roles_claim = "realm_access.roles"
                "#,
            )?;
            jail.set_env("SAMVERKAN_SERVER__LISTEN", "127.0.0.1:7000");
            jail.set_env("SAMVERKAN_DATABASE__URL", "postgres://app:pw@db/samverkan");
            let config = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                config.server.listen, "127.0.0.1:7000",
                "environment wins over the file"
            );
            assert_eq!(
                config.database.max_connections, 3,
                "file wins over defaults"
            );
            assert_eq!(config.database_url(), "postgres://app:pw@db/samverkan");
            assert_eq!(config.log, "debug");
            assert_eq!(
                config.auth.issuers[0].claims.roles_claim,
                "realm_access.roles"
            );
            assert_eq!(
                config.auth.issuers[0].claims.org_claim, "org",
                "unset claims keep defaults"
            );
            assert_eq!(
                config.auth.issuers[0].algorithms,
                ["RS256", "PS256", "ES256", "EdDSA"]
            );
            assert!(
                !config.auth.dev_issuer,
                "the development issuer is off unless asked for"
            );
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns figment::Error
    fn matching_weights_come_from_the_file_and_unknown_ones_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "samverkan.toml",
                "[matching]\ntext = 0.5\ntopics = 0.22\nmin_text = 0.2\nsolution_text = 0.6\n",
            )?;
            let config = Config::load(None).map_err(|e| *e)?;
            assert_eq!(config.matching.text, 0.5);
            assert_eq!(config.matching.solution_text, 0.6);
            assert_eq!(config.matching.min_text, 0.2);
            assert_eq!(
                config.matching.area,
                samverkan_matchmaking::Weights::default().area,
                "unset weights keep their defaults"
            );
            jail.create_file("samverkan.toml", "[matching]\ntxet = 0.5\n")?;
            let refused = Config::load(None).expect_err("a misspelt weight is refused");
            assert!(refused.to_string().contains("txet"), "{refused}");
            Ok(())
        });
    }

    #[test]
    fn a_thesaurus_file_is_read_and_checked() {
        assert!(
            thesaurus_sets(&ThesaurusConfig::default())
                .unwrap()
                .is_empty(),
            "no thesaurus unless configured"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("thesaurus.toml");
        std::fs::write(
            &file,
            "[[synonyms]]\nterms = [\"försörjningsstöd\", \"ekonomiskt bistånd\"]\n",
        )
        .unwrap();
        let config = ThesaurusConfig {
            file: Some(file.clone()),
        };
        assert_eq!(thesaurus_sets(&config).unwrap().len(), 1);
        std::fs::write(
            &file,
            "[[synonyms]]\nterms = [\"rpa\", \"mjukvarurobot\"]\n[[synonyms]]\nterms = [\"RPA\"]\n",
        )
        .unwrap();
        let error = thesaurus_sets(&config).unwrap_err().to_string();
        assert!(
            error.contains("entry 2: needs two or more terms"),
            "{error}"
        );
        assert!(
            error.contains("entry 2: \"RPA\" is also in entry 1"),
            "{error}"
        );
        let missing = ThesaurusConfig {
            file: Some(dir.path().join("missing.toml")),
        };
        let error = thesaurus_sets(&missing).unwrap_err().to_string();
        assert!(error.starts_with("thesaurus.file"), "{error}");
    }

    #[test]
    fn a_named_file_must_exist() {
        assert!(Config::load(Some(Path::new("/nonexistent/samverkan.toml"))).is_err());
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let config = Config::default();
        assert_eq!(
            config.database_url(),
            "sqlite://data/samverkan.sqlite?mode=rwc"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns figment::Error
    fn shipped_thresholds_apply_until_a_file_replaces_them() {
        let shipped = Config::default().procurement.thresholds;
        assert_eq!(shipped.len(), 1);
        assert_eq!(shipped[0].direct_award.to_string(), "700000.00");
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "samverkan.toml",
                r#"
                    [[procurement.thresholds]]
                    valid_from = "2026-01-01"
                    valid_to = "2027-12-31"
                    goods_and_services = "2000000"
                    works = "50000000"
                    social_services = "7000000"
                    direct_award = "600000"
                "#,
            )?;
            let config = Config::load(None).map_err(|e| *e)?;
            let periods = &config.procurement.thresholds;
            assert_eq!(periods.len(), 1, "a file's list replaces the shipped one");
            assert_eq!(periods[0].direct_award.to_string(), "600000.00");
            assert_eq!(config.procurement.publisher_name, "Samverkan Skåne");
            Ok(())
        });
    }
}
