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
    let child = Process::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir)
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
    server.port = port;
    server
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
        c.smtp = Some(SmtpConfig {
            relay: format!("127.0.0.1:{}", smtp.port),
            from: "attest@contoso.com".into(),
        });
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
    let mut mails: Vec<String> = std::fs::read_dir(maildir.join("new"))
        .expect("no maildir written")
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    mails.sort();
    assert_eq!(mails.len(), 2);
    for mail in &mails {
        let to = mail
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap()
            .trim();
        let reviewer = to.split('@').next().unwrap();
        assert!(mail.contains("Subject: Review access to Sales"), "{mail}");
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
        let view = get(addr, "/api/v1/reviewer", Some(token)).await;
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
        c.smtp = Some(SmtpConfig {
            relay: format!("127.0.0.1:{closed}"),
            from: "attest@contoso.com".into(),
        });
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
