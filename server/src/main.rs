//! `attest-server`: run the sync server. SQLite by default:
//!
//! ```text
//! attest-server --data attest.db --admin-secret "a long secret" --dist dist
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use attest_server::{start, Clock, Config, SmtpConfig, Storage};

const USAGE: &str = "\
attest-server: the optional sync server for Attest

Usage: attest-server [options]

  --data FILE            SQLite database file (default: attest.db)
  --database-url URL     use PostgreSQL instead: postgres://user:password@host:port/db
  --admin-secret SECRET  administrators' sign-in secret, 12 characters or more
                         (or set ATTEST_ADMIN_SECRET)
  --listen ADDR          address to listen on (default: 127.0.0.1:8080)
  --dist DIR             the built app to serve (default: dist, when it exists)
  --public-url URL       where people reach the app, for links in notifications
  --session-hours N      how long an administrator stays signed in (default: 12)
  --max-body-mb N        largest request body accepted (default: 16)
  --max-connections N    open connections at most; keep it under the process's file
                         limit (default: 1024)
  --smtp-relay HOST:PORT send notifications through this SMTP relay
  --smtp-security MODE   starttls (port 587), tls (port 465) or none (default: none;
                         only for a relay on this machine or a private network)
  --smtp-user NAME       sign in to the relay (AUTH) as NAME; the password is read from
                         ATTEST_SMTP_PASSWORD
  --smtp-ca FILE         also trust this CA certificate (PEM) for the relay
  --mail-from ADDRESS    sender address of notifications (default: attest@localhost)
  --evidence-key FILE    the organisation's evidence signing key (made there on first
                         start when the file does not exist; keep it owner-only)
  --help                 show this
";

fn parse(args: Vec<String>) -> Result<Config, String> {
    let mut data = PathBuf::from("attest.db");
    let mut url = None;
    let mut secret = std::env::var("ATTEST_ADMIN_SECRET").ok();
    let mut listen = "127.0.0.1:8080".to_string();
    let mut dist = None;
    let mut public_url = None;
    let mut session_hours = 12i64;
    let mut max_body_mb = 16usize;
    let mut max_connections = 1024usize;
    let mut relay = None;
    let mut from = "attest@localhost".to_string();
    let mut security = attest_server::smtp::Security::None;
    let mut smtp_user = None;
    let mut smtp_ca = None;
    let mut evidence_key = None;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => data = PathBuf::from(value()?),
            "--database-url" => url = Some(value()?),
            "--admin-secret" => secret = Some(value()?),
            "--listen" => listen = value()?,
            "--dist" => dist = Some(PathBuf::from(value()?)),
            "--public-url" => public_url = Some(value()?),
            "--session-hours" => {
                session_hours = value()?
                    .parse()
                    .map_err(|_| "--session-hours takes a whole number")?
            }
            "--max-body-mb" => {
                max_body_mb = value()?
                    .parse()
                    .map_err(|_| "--max-body-mb takes a whole number")?
            }
            "--max-connections" => {
                max_connections = value()?
                    .parse()
                    .map_err(|_| "--max-connections takes a whole number")?
            }
            "--smtp-relay" => relay = Some(value()?),
            "--mail-from" => from = value()?,
            "--smtp-security" => {
                use attest_server::smtp::Security;
                security = match value()?.as_str() {
                    "starttls" => Security::StartTls,
                    "tls" => Security::Tls,
                    "none" => Security::None,
                    other => {
                        return Err(format!(
                            "--smtp-security: \"{other}\" is not starttls, tls or none"
                        ))
                    }
                }
            }
            "--smtp-user" => smtp_user = Some(value()?),
            "--smtp-ca" => smtp_ca = Some(PathBuf::from(value()?)),
            "--evidence-key" => evidence_key = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown option {other}")),
        }
    }
    let secret = secret
        .ok_or("give the administrators' secret with --admin-secret or ATTEST_ADMIN_SECRET")?;
    let storage = match url {
        Some(url) => Storage::Postgres(url),
        None => Storage::Sqlite(data),
    };
    let mut config = Config::new(storage, secret);
    config.listen = listen
        .parse()
        .map_err(|_| format!("--listen: \"{listen}\" is not an address such as 127.0.0.1:8080"))?;
    config.dist = dist.or_else(|| {
        let d = PathBuf::from("dist");
        d.join("index.html").is_file().then_some(d)
    });
    config.public_url = public_url;
    if let Some(path) = &evidence_key {
        attest_server::evidence::load_or_create(path)
            .map_err(|e| format!("--evidence-key: {e}"))?;
    }
    config.evidence_key = evidence_key;
    config.session_ttl = chrono::Duration::hours(session_hours.max(1));
    config.max_body_bytes = max_body_mb.max(1) * 1024 * 1024;
    config.max_connections = max_connections.max(1);
    let credentials = match smtp_user {
        Some(user) => Some((
            user,
            std::env::var("ATTEST_SMTP_PASSWORD")
                .map_err(|_| "--smtp-user needs the password in ATTEST_SMTP_PASSWORD")?,
        )),
        None => None,
    };
    let ca_pem = match smtp_ca {
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .map_err(|e| format!("--smtp-ca: cannot read {}: {e}", path.display()))?,
        ),
        None => None,
    };
    config.smtp = relay.map(|relay| SmtpConfig {
        relay,
        from,
        security,
        credentials,
        ca_pem,
    });
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("attest-server: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let storage = match &config.storage {
        Storage::Sqlite(p) => format!("SQLite file {}", p.display()),
        Storage::Postgres(_) => "PostgreSQL".to_string(),
    };
    let app = match &config.dist {
        Some(d) => format!("serving the app from {}", d.display()),
        None => "no app to serve (build it with `trunk build` or pass --dist)".to_string(),
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
