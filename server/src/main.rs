//! `attest-server`: run the sync server. SQLite by default:
//!
//! ```text
//! attest-server --data attest.db --admin-secret "a long secret" --dist dist
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use attest_server::smtp::Security;
use attest_server::{start, Clock, Config, SmtpConfig, Storage};
use clap::{value_parser, Arg, ArgMatches, Command};

/// The command line. Numbers are checked by clap; what clap cannot check (an address, a
/// readable file) is checked in `config`.
fn command() -> Command {
    let opt = |name: &'static str, value: &'static str, help: &'static str| {
        Arg::new(name).long(name).value_name(value).help(help)
    };
    let number = |name: &'static str, help: &'static str, default: &'static str| {
        opt(name, "N", help)
            .value_parser(value_parser!(u64).range(1..))
            .default_value(default)
    };
    Command::new("attest-server")
        .about("attest-server: the optional sync server for Attest")
        .arg(opt("data", "FILE", "SQLite database file").default_value("attest.db"))
        .arg(opt(
            "database-url",
            "URL",
            "use PostgreSQL instead: postgres://user:password@host:port/db",
        ))
        .arg(
            opt(
                "admin-secret",
                "SECRET",
                "administrators' sign-in secret, 12 characters or more",
            )
            .env("ATTEST_ADMIN_SECRET")
            .hide_env_values(true)
            .required(true),
        )
        .arg(opt("listen", "ADDR", "address to listen on").default_value("127.0.0.1:8080"))
        .arg(opt(
            "dist",
            "DIR",
            "the built app to serve (default: dist, when it exists)",
        ))
        .arg(opt(
            "public-url",
            "URL",
            "where people reach the app, for links in notifications",
        ))
        .arg(number(
            "session-hours",
            "how long an administrator stays signed in",
            "12",
        ))
        .arg(number("max-body-mb", "largest request body accepted", "16"))
        .arg(number(
            "max-connections",
            "open connections at most; keep it under the process's file limit",
            "1024",
        ))
        .arg(opt(
            "smtp-relay",
            "HOST:PORT",
            "send notifications through this SMTP relay",
        ))
        .arg(
            opt(
                "smtp-security",
                "MODE",
                "starttls (port 587), tls (port 465) or none (only for a relay on this machine or a private network)",
            )
            .value_parser(["starttls", "tls", "none"])
            .default_value("none"),
        )
        .arg(opt(
            "smtp-user",
            "NAME",
            "sign in to the relay (AUTH) as NAME; the password is read from ATTEST_SMTP_PASSWORD",
        ))
        .arg(opt(
            "smtp-ca",
            "FILE",
            "also trust this CA certificate (PEM) for the relay",
        ))
        .arg(
            opt("mail-from", "ADDRESS", "sender address of notifications")
                .default_value("attest@localhost"),
        )
        .arg(
            opt(
                "webhook",
                "KIND=URL",
                "also post every notification to this Teams or Slack incoming webhook (teams=https://... or slack=https://...); repeat for several; ATTEST_WEBHOOKS holds them space-separated, out of the process list",
            )
            .action(clap::ArgAction::Append)
            .env("ATTEST_WEBHOOKS")
            .hide_env_values(true)
            .value_delimiter(' '),
        )
        .arg(opt(
            "evidence-key",
            "FILE",
            "the organisation's evidence signing key (made there on first start when the file does not exist; keep it owner-only)",
        ))
}

fn config(args: &ArgMatches) -> Result<Config, String> {
    let text = |name: &str| args.get_one::<String>(name).cloned();
    let number = |name: &str| *args.get_one::<u64>(name).expect("has a default");
    let storage = match text("database-url") {
        Some(url) => Storage::Postgres(url),
        None => Storage::Sqlite(PathBuf::from(text("data").expect("has a default"))),
    };
    let mut config = Config::new(storage, text("admin-secret").expect("required"));
    let listen = text("listen").expect("has a default");
    config.listen = listen
        .parse()
        .map_err(|_| format!("--listen: \"{listen}\" is not an address such as 127.0.0.1:8080"))?;
    config.dist = text("dist").map(PathBuf::from).or_else(|| {
        let d = PathBuf::from("dist");
        d.join("index.html").is_file().then_some(d)
    });
    config.public_url = text("public-url");
    let evidence_key = text("evidence-key").map(PathBuf::from);
    if let Some(path) = &evidence_key {
        attest_server::evidence::load_or_create(path)
            .map_err(|e| format!("--evidence-key: {e}"))?;
    }
    config.evidence_key = evidence_key;
    config.session_ttl = chrono::Duration::hours(number("session-hours").min(24 * 365) as i64);
    config.max_body_bytes = (number("max-body-mb").min(4096) as usize) * 1024 * 1024;
    config.max_connections = number("max-connections") as usize;
    let security = match text("smtp-security").as_deref() {
        Some("starttls") => Security::StartTls,
        Some("tls") => Security::Tls,
        _ => Security::None,
    };
    let credentials = match text("smtp-user") {
        Some(user) => Some((
            user,
            std::env::var("ATTEST_SMTP_PASSWORD")
                .map_err(|_| "--smtp-user needs the password in ATTEST_SMTP_PASSWORD")?,
        )),
        None => None,
    };
    let ca_pem = match text("smtp-ca") {
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .map_err(|e| format!("--smtp-ca: cannot read {path}: {e}"))?,
        ),
        None => None,
    };
    config.smtp = text("smtp-relay").map(|relay| SmtpConfig {
        relay,
        from: text("mail-from").expect("has a default"),
        security,
        credentials,
        ca_pem,
    });
    config.webhooks = args
        .get_many::<String>("webhook")
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .map(|s| attest_server::webhook::WebhookRoute::parse(s))
        .collect::<Result<_, _>>()?;
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match config(&command().get_matches()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("attest-server: {e}");
            return ExitCode::from(2);
        }
    };
    let storage = match &config.storage {
        Storage::Sqlite(p) => format!("SQLite file {}", p.display()),
        Storage::Postgres(_) => "PostgreSQL".to_string(),
    };
    let app = match &config.dist {
        Some(d) => format!("serving the app from {}", d.display()),
        None => "no app to serve (build it with `make dist` or pass --dist)".to_string(),
    };
    let server = match start(config, Clock::default()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("attest-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "attest-server: listening on http://{} ({storage}; {app})",
        server.addr
    );
    let _ = tokio::signal::ctrl_c().await;
    println!("attest-server: stopping");
    ExitCode::SUCCESS
}
