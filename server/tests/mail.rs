//! Notification delivery through a real SMTP server on loopback (aiosmtpd, writing a
//! maildir): each reviewer gets their link, the link works for them only, and the outbox
//! records who was contacted.

mod support;

use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use attest_engine::instance::Decision;
use attest_server::SmtpConfig;
use chrono::Utc;
use serde_json::Value;
use support::*;

/// aiosmtpd on a free loopback port, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn smtp_server(maildir: &Path) -> SmtpServer {
    let port = free_port();
    let mut p = Process::new("python3");
    p.args([
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        &format!("127.0.0.1:{port}"),
        "-c",
        "aiosmtpd.handlers.Mailbox",
    ])
    .arg(maildir);
    wait_listening(p, port)
}

/// A relay like Microsoft 365's port 587: STARTTLS required, then AUTH with this user name
/// and password, with a self-signed certificate for 127.0.0.1 made here by openssl.
/// Returns the server and the certificate (PEM) to trust.
fn smtp_server_starttls_auth(maildir: &Path, user: &str, password: &str) -> (SmtpServer, String) {
    let dir = temp_dir("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Process::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args(["-addext", "extendedKeyUsage=serverAuth"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("cannot run openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let script = r#"
import ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword
port, maildir, cert, key, user, password = sys.argv[1:]
def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user.encode() and data.password == password.encode()
    # handled=False: aiosmtpd answers 535 itself on a failure.
    return AuthResult(success=ok, handled=False)
tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), tls_context=tls,
           require_starttls=True, authenticator=check, auth_required=True,
           auth_require_tls=True, ready_timeout=20).start()
while True:
    time.sleep(3600)
"#;
    let mut p = Process::new("python3");
    p.args(["-c", script, &port.to_string()])
        .arg(maildir)
        .arg(&cert)
        .arg(&key)
        .args([user, password]);
    (
        wait_listening(p, port),
        std::fs::read_to_string(&cert).unwrap(),
    )
}

fn wait_listening(mut p: Process, port: u16) -> SmtpServer {
    let child = p
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run python3 (scripts/setup.sh installs it and aiosmtpd)");
    let mut server = SmtpServer { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = server.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("aiosmtpd exited ({status}); is it installed (scripts/setup.sh)? {err}");
        }
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not start listening on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn mails(maildir: &Path) -> Vec<String> {
    let mut mails: Vec<String> = std::fs::read_dir(maildir.join("new"))
        .map(|d| {
            d.map(|e| {
                std::fs::read_to_string(e.unwrap().path())
                    .unwrap()
                    .replace("\r\n", "\n")
            })
            .collect()
        })
        .unwrap_or_default();
    mails.sort();
    mails
}

fn header<'a>(mail: &'a str, name: &str) -> &'a str {
    mail.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
        .unwrap_or_else(|| panic!("no {name} header in {mail}"))
        .trim()
}

async fn wait_for_outbox(
    addr: std::net::SocketAddr,
    token: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = get(addr, "/api/v1/outbox", Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let messages = r.body["messages"].as_array().unwrap().clone();
        if done(&messages) {
            return messages;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not get there: {messages:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_get_their_links_by_mail() {
    let maildir = temp_dir("maildir").join("mail");
    let smtp = smtp_server(&maildir);
    let s = serve_with(Backend::Sqlite, |c| {
        c.smtp = Some(SmtpConfig::plain(
            format!("127.0.0.1:{}", smtp.port),
            "attest@contoso.com",
        ));
        c.delivery_interval = Duration::from_millis(200);
        c.public_url = Some("https://attest.contoso.com".into());
    })
    .await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    let instance = start_review(
        &mut admin,
        tenant(2, 3),
        definition("q1", Utc::now(), false),
    )
    .await;

    let messages = wait_for_outbox(addr, &admin.token, |m| {
        m.len() == 2 && m.iter().all(|m| !m["sentAt"].is_null())
    })
    .await;
    let mut contacted: Vec<&str> = messages
        .iter()
        .map(|m| m["recipient"].as_str().unwrap())
        .collect();
    contacted.sort();
    assert_eq!(
        contacted,
        ["manager000@contoso.com", "manager001@contoso.com"]
    );
    assert!(messages
        .iter()
        .all(|m| m["kind"] == "stageStarted" && m["instance"] == instance.as_str()));

    // What arrived: one mail per reviewer, each with a link that works for them alone.
    let mails = mails(&maildir);
    assert_eq!(mails.len(), 2);
    for mail in &mails {
        let to = mail
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap()
            .trim();
        let reviewer = to.split('@').next().unwrap();
        assert!(
            mail.contains("Subject: Please review access to Sales"),
            "{mail}"
        );
        let link = mail
            .lines()
            .find(|l| l.starts_with("https://attest.contoso.com/my-reviews/"))
            .expect("no link in the mail");
        assert!(
            link.contains(&format!(
                "/my-reviews/q1~0~g-sales/1?reviewer={reviewer}#token="
            )),
            "{link}"
        );
        let token = link.split("#token=").nth(1).unwrap().trim();
        let me = get(addr, "/api/v1/me", Some(token)).await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.body["reviewer"], reviewer);
        let view = reviewer_page(addr, &token).await;
        assert_eq!(view.body["view"]["rows"].as_array().unwrap().len(), 3);
    }

    // Halfway through the stage only the reviewer who still has undecided reviewees is
    // reminded: manager000 decides everything first.
    admin.pull().await;
    let mine: Vec<(u32, Decision)> = items_by_reviewer(&admin.state, &instance, 0)["manager000"]
        .iter()
        .map(|&i| (i, Decision::Approve))
        .collect();
    let token = link(addr, &admin.token, &instance, 0, "manager000").await;
    let record = decision_record("m0-all", "manager000", &instance, 0, &mine, s.clock.now());
    let r = push(addr, &token, &[record]).await;
    assert_eq!(r.body["accepted"][0]["status"], "stored", "{}", r.text);
    s.clock.skip(chrono::Duration::days(4));
    // The administrator's session ran out meanwhile.
    let admin_token = sign_in(addr).await;
    let messages = wait_for_outbox(addr, &admin_token, |m| {
        m.iter()
            .any(|m| m["kind"] == "reminder" && !m["sentAt"].is_null())
    })
    .await;
    let reminded: Vec<&str> = messages
        .iter()
        .filter(|m| m["kind"] == "reminder")
        .map(|m| m["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(reminded, ["manager001@contoso.com"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_relay_is_recorded_and_retried() {
    let closed = free_port();
    let s = serve_with(Backend::Sqlite, |c| {
        c.smtp = Some(SmtpConfig::plain(
            format!("127.0.0.1:{closed}"),
            "attest@contoso.com",
        ));
        c.delivery_interval = Duration::from_millis(200);
    })
    .await;
    let addr = s.addr();
    let mut admin = AdminClient::new(addr).await;
    start_review(
        &mut admin,
        tenant(1, 2),
        definition("q1", Utc::now(), false),
    )
    .await;
    let messages = wait_for_outbox(addr, &admin.token, |m| {
        m.len() == 1 && !m[0]["lastError"].is_null()
    })
    .await;
    assert!(messages[0]["sentAt"].is_null());
    assert!(messages[0]["recipient"].is_null());
    assert!(
        messages[0]["lastError"]
            .as_str()
            .unwrap()
            .contains("cannot reach the SMTP relay"),
        "{messages:?}"
    );
}

/// Through a relay that demands STARTTLS and AUTH (as Microsoft 365 and Google do on port
/// 587). A wrong password is refused and recorded; the right one delivers, and a line of the
/// review's description that starts with a dot arrives intact (SMTP doubles it on the wire).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_out_through_starttls_and_auth() {
    for (password, delivered) in [("wrong password", false), ("s3cret pass", true)] {
        let maildir = temp_dir("maildir").join("mail");
        let (relay, ca) = smtp_server_starttls_auth(&maildir, "attest@contoso.com", "s3cret pass");
        let s = serve_with(Backend::Sqlite, |c| {
            c.smtp = Some(SmtpConfig {
                security: attest_server::smtp::Security::StartTls,
                credentials: Some(("attest@contoso.com".into(), password.into())),
                ca_pem: Some(ca),
                ..SmtpConfig::plain(format!("127.0.0.1:{}", relay.port), "attest@contoso.com")
            });
            c.delivery_interval = Duration::from_millis(200);
        })
        .await;
        let mut admin = AdminClient::new(s.addr()).await;
        let mut def = definition("tls", Utc::now(), false);
        def.description_for_reviewers = "Please confirm.\n.hidden line\n.".into();
        start_review(&mut admin, tenant(2, 1), def).await;
        let messages = wait_for_outbox(s.addr(), &admin.token, |m| {
            m.len() == 2
                && m.iter()
                    .all(|m| !m["sentAt"].is_null() || !m["lastError"].is_null())
        })
        .await;
        if delivered {
            assert!(
                messages.iter().all(|m| !m["sentAt"].is_null()),
                "{messages:?}"
            );
            let mails = mails(&maildir);
            assert_eq!(mails.len(), 2);
            for mail in &mails {
                assert!(mail.contains("\n.hidden line\n.\n"), "{mail}");
            }
        } else {
            for m in &messages {
                assert!(m["sentAt"].is_null(), "{m}");
                let error = m["lastError"].as_str().unwrap();
                assert!(
                    error.contains("535") || error.to_lowercase().contains("auth"),
                    "{error}"
                );
            }
            assert!(mails(&maildir).is_empty());
        }
    }
}

/// Two servers on one PostgreSQL database, both delivering: every reviewer gets one mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_mail_each_reviewer_once() {
    let maildir = temp_dir("maildir").join("mail");
    let smtp = smtp_server(&maildir);
    let storage = storage(Backend::Postgres).await;
    let configure = |c: &mut attest_server::Config| {
        c.smtp = Some(SmtpConfig::plain(
            format!("127.0.0.1:{}", smtp.port),
            "attest@contoso.com",
        ));
        c.delivery_interval = Duration::from_millis(20);
    };
    let a = serve_on(storage.clone(), configure).await;
    let b = serve_on(storage, configure).await;
    let mut admin = AdminClient::new(a.addr()).await;
    start_review(
        &mut admin,
        tenant(30, 1),
        definition("once", Utc::now(), false),
    )
    .await;
    // Both servers look at the outbox at once from here on.
    b.server.app.outbox_changed.notify_one();
    let messages = wait_for_outbox(a.addr(), &admin.token, |m| {
        m.len() == 30 && m.iter().all(|m| !m["sentAt"].is_null())
    })
    .await;
    assert!(messages.iter().all(|m| m["attempts"] == 1), "{messages:?}");
    let mails = mails(&maildir);
    let mut to: Vec<&str> = mails.iter().map(|m| header(m, "To")).collect();
    to.sort();
    to.dedup();
    assert_eq!(
        (mails.len(), to.len()),
        (30, 30),
        "mails sent, distinct reviewers"
    );
    let mut by_server: std::collections::BTreeMap<&str, usize> = Default::default();
    for m in &mails {
        let id = header(m, "Message-ID");
        *by_server.entry(id.rsplit('.').next().unwrap()).or_default() += 1;
    }
    eprintln!(
        "mails sent per server: {:?}",
        by_server.values().collect::<Vec<_>>()
    );
}
