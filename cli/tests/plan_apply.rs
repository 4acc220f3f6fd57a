//! Reviews as code against a real sync server (SQLite, loopback): `attest plan` then
//! `attest apply` on a folder of Graph definitions creates the reviews; a second plan reports
//! no changes; `export` writes definitions that plan back unchanged; a folder with a bad
//! file is refused with the file's name and what is wrong, and nothing is applied.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use attest_engine::definition::{NoResponse, Outcome, Reviewers};
use attest_engine::directory::ResourceKind;
use attest_engine::event::Record;
use attest_engine::graph_definition::export_definition;
use attest_engine::wire::{Page, PushAnswer, PushRequest, Session, SignIn};
use attest_engine::{apply_owned, Actor, Command, Context, ReviewDefinition, State};
use attest_server::{start, Clock, Config, Server, Storage};
use chrono::Utc;
use common::support::{definition, stage, tenant};

const SECRET: &str = "reviews as code, a long secret";

struct Fixture {
    _rt: tokio::runtime::Runtime,
    server: Server,
    root: PathBuf,
}

impl Fixture {
    fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// `attest <command> <dir> --server URL` with the secret in the environment.
    fn attest(&self, command: &str, dir: &Path) -> Output {
        Process::new(env!("CARGO_BIN_EXE_attest"))
            .args([command, &dir.display().to_string(), "--server", &self.url()])
            .env("ATTEST_ADMIN_SECRET", SECRET)
            .output()
            .expect("cannot run attest")
    }

    fn folder(&self, name: &str, files: &[(&str, String)]) -> PathBuf {
        let dir = self.root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in files {
            std::fs::write(dir.join(file), text).unwrap();
        }
        dir
    }

    fn token(&self) -> String {
        let answer = ureq::post(format!("{}/api/v1/session", self.url()))
            .content_type("application/json")
            .send(
                serde_json::to_string(&SignIn {
                    secret: SECRET.into(),
                    name: "test".into(),
                })
                .unwrap(),
            )
            .unwrap();
        let session: Session =
            serde_json::from_str(&answer.into_body().read_to_string().unwrap()).unwrap();
        session.token
    }

    /// The server's state, pulled and folded as the app does.
    fn state(&self) -> State {
        let token = self.token();
        let mut state = State::default();
        let mut cursor = 0;
        loop {
            let text = ureq::get(format!(
                "{}/api/v1/records?after={cursor}&limit=1000",
                self.url()
            ))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .unwrap()
            .into_body()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .unwrap();
            let page: Page = serde_json::from_str(&text).unwrap();
            for r in page.records {
                apply_owned(&mut state, r);
            }
            cursor = page.cursor;
            if !page.more {
                return state;
            }
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A server with the engine tests' tenant imported.
fn fixture(name: &str) -> Fixture {
    let root = std::env::temp_dir().join(format!("attest-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = Config::new(Storage::Sqlite(root.join("attest.db")), SECRET);
    config.listen = "127.0.0.1:0".parse().unwrap();
    let server = rt
        .block_on(start(config, Clock::default()))
        .unwrap_or_else(|e| panic!("server did not start: {e}"));
    let f = Fixture {
        _rt: rt,
        server,
        root,
    };
    let record: Record = State::default()
        .execute(
            &Command::ImportDirectory {
                directory: Box::new(tenant_now()),
                source: "test tenant".into(),
            },
            &Context {
                actor: Actor::Administrator {
                    name: "test".into(),
                },
                now: Utc::now(),
                record_id: "import".into(),
                reason: None,
            },
        )
        .unwrap()
        .unwrap();
    let answer: PushAnswer = serde_json::from_str(
        &ureq::post(format!("{}/api/v1/records", f.url()))
            .header("Authorization", format!("Bearer {}", f.token()))
            .content_type("application/json")
            .send(
                serde_json::to_string(&PushRequest {
                    records: vec![record],
                })
                .unwrap(),
            )
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert!(answer.rejected.is_empty(), "{answer:?}");
    f
}

/// The engine tests' tenant with its dates moved from their t0 to today, so its
/// recommendations are the same (bob has not signed in for 100 days: Deny; the others Approve).
fn tenant_now() -> attest_engine::directory::Directory {
    let mut dir = tenant();
    let shift = Utc::now() - common::support::t0();
    for u in dir.users.values_mut() {
        u.created += shift;
        u.last_sign_in = u.last_sign_in.map(|at| at + shift);
    }
    dir
}

fn json(def: &ReviewDefinition) -> String {
    serde_json::to_string_pretty(&export_definition(def)).unwrap()
}

/// The seed's "Reduce burden": self-review, managers, owners; only Approved go on.
fn burden() -> ReviewDefinition {
    let mut def = definition("burden", ResourceKind::Group, "g-exception");
    def.name = "Exception group, reduce burden".into();
    def.stages = vec![
        stage(Reviewers::SelfReview, &[], 3),
        stage(Reviewers::Managers, &["olivia"], 3),
        stage(Reviewers::ResourceOwners, &[], 3),
    ];
    def.decisions_to_next_stage = vec![Outcome::Approve];
    def.settings.if_no_response = NoResponse::RemoveAccess;
    def
}

/// Graph JSON without an `id`: matched by its displayName.
fn by_name(resource: &str, name: &str) -> String {
    let mut def = definition("unused", ResourceKind::Group, resource);
    def.name = name.into();
    let mut v = export_definition(&def);
    v.as_object_mut().unwrap().remove("id");
    serde_json::to_string_pretty(&v).unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).to_string()
}

fn run(f: &Fixture, command: &str, dir: &Path) -> (i32, String, String) {
    let out = f.attest(command, dir);
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn plan_apply_then_no_changes() {
    let f = fixture("plan");
    let dir = f.folder(
        "reviews",
        &[
            ("burden.json", json(&burden())),
            (
                "partners.json",
                by_name("g-partners", "Partners, quarterly"),
            ),
        ],
    );

    let (code, out, err) = run(&f, "plan", &dir);
    if std::env::var_os("SHOW_PLAN").is_some() {
        println!("{out}");
    }
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("+ create: \"Exception group, reduce burden\" (id burden) from burden.json, matched by id \"burden\""), "{out}");
    assert!(out.contains("+ create: \"Partners, quarterly\" (id partners-quarterly) from partners.json, matched by displayName"), "{out}");
    // The simulation: nobody responds removes all four; accepting the recommendations
    // removes only bob (no sign-in for 100 days), stage by stage.
    assert!(
        out.contains("If nobody responds: 4 removed, 0 kept"),
        "{out}"
    );
    assert!(
        out.contains(
            "    If everyone accepts the recommendations: 1 removed, 3 kept
      stage 1: 4 reviewee(s), 3 go on, 1 removed, 0 kept
      stage 2: 3 reviewee(s), 3 go on, 0 removed, 0 kept
      stage 3: 3 reviewee(s), 0 go on, 0 removed, 3 kept
"
        ),
        "{out}"
    );
    assert!(
        out.contains("Plan: 2 to create, 0 to change, 0 unchanged."),
        "{out}"
    );
    assert!(
        f.state().reviews.is_empty(),
        "plan must not change the server"
    );

    let (code, out, err) = run(&f, "apply", &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Applied: 2 review(s) created."), "{out}");
    let state = f.state();
    let ids: Vec<&String> = state.reviews.keys().collect();
    assert_eq!(ids, ["burden", "partners-quarterly"]);
    assert_eq!(
        state.reviews["partners-quarterly"].definition.name,
        "Partners, quarterly"
    );

    // Idempotent: the second plan and apply change nothing.
    let (code, out, err) = run(&f, "plan", &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("No changes: the server matches the 2 definition(s)."),
        "{out}"
    );
    assert!(!out.contains("+ create"), "{out}");
    let (code, out, _) = run(&f, "apply", &dir);
    assert_eq!(
        (code, out.contains("Nothing to apply.")),
        (0, true),
        "{out}"
    );
    assert_eq!(f.state().reviews.len(), 2);

    // Export, then plan the exported definitions: the server already has them.
    let exported = f.root.join("exported");
    let (code, out, err) = run(&f, "export", &exported);
    assert_eq!(code, 0, "{out}{err}");
    let results: Vec<String> = std::fs::read_dir(exported.join("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(results.iter().any(|n| n.ends_with(".csv")), "{results:?}");
    let (code, out, err) = run(&f, "plan", &exported.join("definitions"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("No changes: the server matches the 2 definition(s)."),
        "{out}"
    );

    // A changed definition is reported with what differs, and apply refuses it.
    let mut changed = burden();
    changed.settings.if_no_response = NoResponse::NoChange;
    let dir = f.folder("changed", &[("burden.json", json(&changed))]);
    let (code, out, _) = run(&f, "plan", &dir);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("~ change (settings differ): \"Exception group, reduce burden\""),
        "{out}"
    );
    let (code, _, err) = run(&f, "apply", &dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing was applied"), "{err}");
    let state = f.state();
    assert_eq!(
        state.reviews["burden"].definition.settings.if_no_response,
        NoResponse::RemoveAccess
    );
}

#[test]
fn a_bad_definition_file_refuses_the_whole_folder() {
    let f = fixture("bad");
    let good = (
        "good.json",
        json(&definition("fresh", ResourceKind::Group, "g-exception")),
    );
    let mut no_key = export_definition(&definition("x", ResourceKind::Group, "g-exception"));
    let obj = no_key.as_object_mut().unwrap();
    obj.remove("id");
    obj.remove("displayName");
    let mut too_long = definition("long", ResourceKind::Group, "g-exception");
    too_long.stages[0].duration_days = 400;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "broken.json",
            "{ \"displayName\": ".into(),
            "broken.json: line 1 column 17: not valid JSON",
        ),
        (
            "missing.json",
            json(&definition("missing", ResourceKind::Group, "g-missing")),
            "missing.json: $.scope.query: group \"g-missing\" does not exist in the directory",
        ),
        (
            "nokey.json",
            serde_json::to_string(&no_key).unwrap(),
            "nokey.json: $: neither \"id\" nor \"displayName\"",
        ),
        (
            "twice.json",
            json(&definition("fresh", ResourceKind::Group, "g-partners")),
            "twice.json: id \"fresh\" is also defined by good.json",
        ),
        (
            "long.json",
            json(&too_long),
            "long.json: stages[0].durationInDays: a stage lasts between 1 and 180 days",
        ),
        (
            "array.json",
            "[]".into(),
            "array.json: $: expected an accessReviewScheduleDefinition object",
        ),
    ];
    for (file, body, expected) in cases {
        let dir = f.folder(&format!("case-{file}"), &[good.clone(), (file, body)]);
        for command in ["plan", "apply"] {
            let (code, out, err) = run(&f, command, &dir);
            assert_eq!(code, 2, "{command} {file}: {out}{err}");
            assert!(
                err.contains("nothing was applied"),
                "{command} {file}: {err}"
            );
            assert!(
                err.contains(expected),
                "{command} {file}: expected {expected:?} in\n{err}"
            );
            assert!(!out.contains("Applied"), "{command} {file}: {out}");
        }
        assert!(
            f.state().reviews.is_empty(),
            "{file}: the good file was applied"
        );
    }
    // Without the bad files the good one applies.
    let dir = f.folder("good", &[good]);
    let (code, out, err) = run(&f, "apply", &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(f.state().reviews.keys().collect::<Vec<_>>(), ["fresh"]);
}

#[test]
fn a_wrong_secret_is_refused_in_words() {
    let f = fixture("secret");
    let dir = f.folder("reviews", &[("a.json", json(&burden()))]);
    let out = Process::new(env!("CARGO_BIN_EXE_attest"))
        .args(["plan", &dir.display().to_string(), "--server", &f.url()])
        .env("ATTEST_ADMIN_SECRET", "not the administrators' secret")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("sign in: the server answered 401"), "{err}");
}
