//! The `attest` command line. `verify` checks an evidence pack offline (verify.rs); `plan`,
//! `apply` and `export` keep reviews as code against a sync server (plan.rs, export.rs,
//! server.rs). Exit codes: 0 done, 1 refused (a pack that does not verify, a plan apply
//! cannot carry out, records the server refused), 2 bad input, command line or connection.

use std::path::Path;
use std::process::ExitCode;

use clap::{Arg, ArgMatches, Command};

mod export;
mod plan;
mod server;
mod verify;

fn server_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("server")
            .long("server")
            .value_name("URL")
            .required(true)
            .help("The sync server, e.g. https://attest.example.org"),
    )
    .arg(
        Arg::new("secret")
            .long("secret")
            .env("ATTEST_ADMIN_SECRET")
            .hide_env_values(true)
            .required(true)
            .value_name("SECRET")
            .help("The administrators' secret (better from the environment than the command line)"),
    )
    .arg(
        Arg::new("name")
            .long("name")
            .value_name("NAME")
            .default_value("attest command line")
            .help("Who acts, as the history shows it"),
    )
}

fn cli() -> Command {
    let folder = || {
        Arg::new("dir")
            .value_name("DIR")
            .required(true)
            .help("Folder of review definitions, one Graph accessReviewScheduleDefinition per *.json file")
    };
    Command::new("attest")
        .about("Attest on the command line")
        .subcommand_required(true)
        .subcommand(
            Command::new("verify")
                .about("Check an evidence pack's digests, hash chain and signature, offline")
                .arg(Arg::new("pack").value_name("PACK").required(true))
                .arg(Arg::new("key").long("key").value_name("PUBKEY").help(
                    "The organisation's public key (64 hex digits) the pack must be signed with",
                )),
        )
        .subcommand(server_args(
            Command::new("plan")
                .about("Compare a folder of review definitions with the server: what apply would create or change, with the outcome simulation")
                .arg(folder()),
        ))
        .subcommand(server_args(
            Command::new("apply")
                .about("Create the folder's new reviews on the server (all or nothing)")
                .arg(folder()),
        ))
        .subcommand(server_args(
            Command::new("export")
                .about("Write the server's reviews (Graph JSON) and every instance's results (JSON, CSV) to a folder")
                .arg(Arg::new("dir").value_name("DIR").required(true).help("Folder to write definitions/ and results/ into")),
        ))
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match matches.subcommand() {
        Some(("verify", args)) => verify::run(args),
        Some((name, args)) => match against_server(name, args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        None => unreachable!("clap requires a subcommand"),
    }
}

fn against_server(command: &str, args: &ArgMatches) -> Result<ExitCode, String> {
    let arg = |name: &str| {
        args.get_one::<String>(name)
            .map(String::as_str)
            .unwrap_or_default()
    };
    let dir = Path::new(arg("dir"));
    let server = server::Server::sign_in(arg("server"), arg("secret"), arg("name"))?;
    let pulled = server.pull()?;
    let now = chrono::Utc::now();
    let code = match command {
        "export" => {
            let (reviews, instances) = export::export(dir, &pulled.state, now)?;
            println!(
                "Wrote {reviews} review definition(s) to {} and the results of {instances} instance(s) to {}",
                dir.join("definitions").display(),
                dir.join("results").display()
            );
            ExitCode::SUCCESS
        }
        _ => {
            let plan = match plan::plan(dir, &pulled.state, now) {
                Ok(plan) => plan,
                Err(problems) => {
                    eprintln!(
                        "Refused: {} problem(s) in {}; nothing was applied.",
                        problems.len(),
                        dir.display()
                    );
                    for p in problems {
                        eprintln!("  {p}");
                    }
                    server.sign_out();
                    return Ok(ExitCode::from(2));
                }
            };
            println!(
                "{}: {} record(s) in the shared log, {} review(s).",
                arg("server"),
                pulled.records,
                pulled.state.reviews.len()
            );
            print!("{}", plan::render(&plan, now));
            if command == "apply" {
                apply(&server, &plan, pulled.state, now)?
            } else {
                ExitCode::SUCCESS
            }
        }
    };
    server.sign_out();
    Ok(code)
}

/// Push one CreateReview record per new review, decided against the pulled state.
fn apply(
    server: &server::Server,
    plan: &plan::Plan,
    mut state: attest_engine::State,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ExitCode, String> {
    let changed: Vec<&str> = plan
        .entries
        .iter()
        .filter(|e| matches!(e.change, plan::Change::Changed { .. }))
        .map(|e| e.file.as_str())
        .collect();
    if !changed.is_empty() {
        eprintln!(
            "Refused: {} differ from reviews already created ({}), which Attest cannot edit; nothing was applied.",
            changed.len(),
            changed.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    let mut records = Vec::new();
    for (i, e) in plan.creates().enumerate() {
        // Unique per run: the time, this process and the file's place in the plan.
        let id = format!("cli~{}~{}~{i}", now.timestamp_millis(), std::process::id());
        records.push(
            plan::create(&mut state, &e.definition, &id, now)
                .map_err(|why| format!("{}: {why}", e.file))?,
        );
    }
    if records.is_empty() {
        println!("Nothing to apply.");
        return Ok(ExitCode::SUCCESS);
    }
    match server.push(&records) {
        Ok(_) => {
            println!("Applied: {} review(s) created.", records.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}
