//! `samverkan`: Skåne's collaboration registry and reuse catalog.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use samverkan::{Config, build_app, demo, dev_issuer, open_search, open_store, start_indexing};
use samverkan_domain::{OrgId, Role};

#[derive(Parser)]
#[command(
    name = "samverkan",
    version,
    about = "Skåne's collaboration registry and reuse catalog"
)]
struct Cli {
    /// TOML configuration file (default: ./samverkan.toml if it exists).
    #[arg(long, global = true, env = "SAMVERKAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve {
        /// Address to listen on (overrides configuration).
        #[arg(long)]
        listen: Option<String>,
        /// Seed demo content and trust the local development issuer.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Print the proposed groups of needs for the current database, for operators.
    Match {
        /// Also print each member and the reasons.
        #[arg(long)]
        explain: bool,
    },
    /// Rebuild the search index from the database (stop the service first when it uses
    /// the embedded index).
    Reindex,
    /// Mint a development bearer token (printed as the last line).
    Token {
        /// Organisation id: SCB code (e.g. 1280) or slug (e.g. region-skane).
        #[arg(long)]
        org: String,
        /// Role: coordinator, strategist, procurement_officer or viewer (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Subject (who the token is for).
        #[arg(long, default_value = "dev-user")]
        subject: String,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 8)]
        hours: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref()).context("reading configuration")?;
    init_logging(&config.log);
    match cli.command {
        Command::Serve { listen, demo } => {
            if let Some(listen) = listen {
                config.server.listen = listen;
            }
            config.auth.dev_issuer |= demo;
            serve(config, demo).await
        }
        Command::Migrate => {
            open_store(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Reindex => reindex(&config).await,
        Command::Match { explain } => print_groups(&config, explain).await,
        Command::Openapi => {
            println!("{}", samverkan_api::openapi_json().await);
            Ok(())
        }
        Command::Token {
            org,
            roles,
            subject,
            hours,
        } => token(&config, &org, &roles, &subject, hours).await,
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colours)
        .init();
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    // Configuration mistakes stop the service before it touches any data.
    let matching = samverkan::matching_settings(&config)?;
    samverkan::procurement_settings(&config)?;
    let store = open_store(&config).await?;
    if demo {
        match demo::seed(&store).await? {
            Some(seeded) => tracing::info!(?seeded, "demo content loaded"),
            None => tracing::info!("registry already has content; demo content not loaded again"),
        }
    }
    if config.auth.issuers.is_empty() && !config.auth.dev_issuer {
        tracing::warn!("no token issuer configured: only public reads are possible");
    }
    let search = open_search(&config).await?;
    let _indexer = start_indexing(&store, &search).await?;
    let (matches, _matcher) = samverkan::matching::start(store.clone(), matching).await?;
    let app = build_app(&config, store, search.index, matches).await?;
    let acceptor = TcpListener::bind(config.server.listen.clone())
        .into_acceptor()
        .await
        .with_context(|| format!("listening on {}", config.server.listen))?;
    let addr = acceptor.local_addr().remove(0);
    let base = format!("http://{}", addr.as_socket_addr().context("TCP address")?);
    print_banner(&config, &base, demo)?;
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown_signal(), None)
        .await?;
    Ok(())
}

fn print_banner(config: &Config, base: &str, demo: bool) -> anyhow::Result<()> {
    println!("Samverkan is running.");
    println!("  API documentation: {base}/docs");
    println!("  OpenAPI document:  {base}/openapi.json");
    println!("  Try (public):      curl -s '{base}/api/v1/needs?limit=5'");
    if demo {
        let token = dev_issuer(config)?.mint(
            "demo-strategist",
            &OrgId::parse("1280")?,
            &[Role::Strategist],
            8 * 3600,
        );
        println!("  Try (as a Malmö strategist, token valid 8 hours):");
        println!(
            "    curl -s -H 'Authorization: Bearer {token}' '{base}/api/v1/needs?org=1280&limit=5'"
        );
        println!("  Mint other tokens: cargo run -- token --org region-skane --role coordinator");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler installs");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}

async fn print_groups(config: &Config, explain: bool) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let engine = samverkan::matching::load(&store, &samverkan::matching_settings(config)?).await?;
    let groups = engine.groups();
    println!(
        "{} open needs, {} groups",
        engine.needs().len(),
        groups.len()
    );
    for (n, group) in groups.iter().enumerate() {
        println!(
            "\n{}. {} ({} needs, cohesion {:.2}, level {}, lead {}, budget {} SEK, earliest {})",
            n + 1,
            group.label.join(", "),
            group.members.len(),
            group.cohesion,
            ["samverkan", "samordning", "samutveckling"][usize::from(group.level.min(2))],
            group.suggested_lead,
            group.combined_budget_sek,
            group
                .earliest_needed_by
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
        );
        if !explain {
            continue;
        }
        let why = &group.why;
        let parts: Vec<String> = why
            .contributions
            .iter()
            .map(|(signal, value)| format!("{signal} {value:.2}"))
            .collect();
        println!(
            "   why: words {}; topics {}; all windows overlap {} months; mean contributions {}{}{}",
            why.shared_terms.join(", "),
            why.shared_topics.join(", "),
            why.timing_overlap_months,
            parts.join(", "),
            meaning(why.meaning),
            run_together(&why.shared_solutions)
        );
        for id in &group.members {
            let Some(i) = engine.index_of(*id) else {
                continue;
            };
            let need = &engine.needs()[i];
            println!("   - {} [{}] {}", need.org, need.id, need.title);
            for m in engine
                .matches(*id, 10)
                .into_iter()
                .filter(|m| group.members.contains(&m.id))
            {
                println!(
                    "       ~ {} {:.2}: words {}; topics {}; timing overlap {} months{}{}",
                    m.org,
                    m.score,
                    m.why.shared_terms.join(", "),
                    m.why.shared_topics.join(", "),
                    m.why.timing_overlap_months,
                    meaning(m.why.meaning),
                    run_together(&m.why.shared_solutions)
                );
            }
        }
    }
    Ok(())
}

async fn reindex(config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let search = open_search(config).await?;
    let indexer = samverkan::indexing::Indexer::new(store.clone(), search.index.clone()).await?;
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} records {elapsed_precise}")
            .expect("valid progress template"),
    );
    let started = std::time::Instant::now();
    let indexed = indexer
        .rebuild(|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish();
    // What was enqueued before the rebuild is now in the index.
    indexer.catch_up().await?;
    println!(
        "indexed {indexed} records into the {} index in {:.1} s",
        search.index.backend(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn token(
    config: &Config,
    org: &str,
    roles: &[String],
    subject: &str,
    hours: u64,
) -> anyhow::Result<()> {
    let org = OrgId::parse(org).map_err(|e| anyhow::anyhow!("--org: {}", e.0[0].message))?;
    let store = open_store(config).await?;
    store
        .get_organisation(&org)
        .await
        .with_context(|| format!("--org: {org} is not an organisation in the registry"))?;
    let roles = roles
        .iter()
        .map(|r| Role::parse(r).with_context(|| format!("--role: unknown role {r:?} (coordinator, strategist, procurement_officer, viewer)")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let token = dev_issuer(config)?.mint(subject, &org, &roles, hours * 3600);
    eprintln!(
        "Development token for {subject} at {org}; trusted by `serve --demo` on the same data directory."
    );
    println!("{token}");
    Ok(())
}

/// How close in meaning, for `samverkan match --explain`; nothing without embeddings.
fn meaning(closeness: Option<f32>) -> String {
    closeness.map_or_else(String::new, |m| format!("; meaning {m:.2}"))
}

/// The solutions the organisations already run together, as `match --explain` prints
/// them after the other reasons (nothing when there are none).
fn run_together(solutions: &[String]) -> String {
    if solutions.is_empty() {
        String::new()
    } else {
        format!("; already run together: {}", solutions.join(", "))
    }
}
