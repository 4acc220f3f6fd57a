//! Sending one notification through the configured relay with lettre: plain (a local relay),
//! STARTTLS (port 587: Microsoft 365, Google) or TLS from the first byte (port 465), with
//! AUTH when credentials are given. lettre writes the message (headers encoded, CRLF line
//! ends, lines starting with a dot doubled).

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::SmtpConfig;

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// No TLS: only for a relay on this machine or a private network.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("\"{0}\" is not a mail address this server sends to")]
    BadAddress(String),
    #[error("the relay \"{0}\" is not HOST:PORT")]
    BadRelay(String),
    #[error("cannot read the relay's CA certificate: {0}")]
    Certificate(String),
    #[error("the message cannot be written: {0}")]
    Message(String),
    #[error("the SMTP relay refused the message: {0}")]
    Refused(lettre::transport::smtp::Error),
    #[error("cannot reach the SMTP relay: {0}")]
    Unreachable(lettre::transport::smtp::Error),
}

impl From<lettre::transport::smtp::Error> for SmtpError {
    fn from(e: lettre::transport::smtp::Error) -> SmtpError {
        // An SMTP reply (4xx, 5xx) is the relay's answer; anything else (connection, TLS,
        // timeout) means it was not reached properly.
        if e.is_transient() || e.is_permanent() {
            SmtpError::Refused(e)
        } else {
            SmtpError::Unreachable(e)
        }
    }
}

const TIMEOUT: Duration = Duration::from_secs(20);

fn mailbox(address: &str) -> Result<Mailbox, SmtpError> {
    address
        .parse()
        .map_err(|_| SmtpError::BadAddress(address.to_string()))
}

/// The transport for `config`: built once per delivery round (no connection is opened here).
pub fn transport(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, SmtpError> {
    let (host, port) = config
        .relay
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
        .filter(|(h, _)| !h.is_empty())
        .ok_or_else(|| SmtpError::BadRelay(config.relay.clone()))?;
    let tls = || -> Result<TlsParameters, SmtpError> {
        let mut params = TlsParameters::builder(host.to_string());
        if let Some(pem) = &config.ca_pem {
            let cert = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| SmtpError::Certificate(e.to_string()))?;
            params = params.add_root_certificate(cert);
        }
        params
            .build_rustls()
            .map_err(|e| SmtpError::Certificate(e.to_string()))
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(TIMEOUT))
        .tls(match config.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls()?),
            Security::Tls => Tls::Wrapper(tls()?),
        });
    if let Some((user, password)) = &config.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// The message as lettre writes it; `message_id` makes the Message-ID header (unique per
/// attempt, so a relay's duplicate filter never drops a retry).
pub fn build(msg: &Message, message_id: &str) -> Result<lettre::Message, SmtpError> {
    lettre::Message::builder()
        .from(mailbox(&msg.from)?)
        .to(mailbox(&msg.to)?)
        .subject(msg.subject.clone())
        .message_id(Some(format!("<{message_id}@attest>")))
        .header(ContentType::TEXT_PLAIN)
        .body(body(&msg.body))
        .map_err(|e| SmtpError::Message(e.to_string()))
}

/// Plain ASCII goes as is (7bit), so links stay whole for anyone reading the raw mail;
/// lettre would pick quoted-printable for any line over 76 characters. Other text goes
/// quoted-printable.
fn body(text: &str) -> Body {
    // Mail lines end in CRLF (RFC 5322) and may be at most 998 characters long.
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.is_ascii()
        && !crlf.contains('\0')
        && crlf
            .split("\r\n")
            .all(|l| l.len() <= 998 && !l.contains('\r'))
    {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new_with_encoding(text.to_string(), ContentTransferEncoding::QuotedPrintable)
            .unwrap_or_else(Body::new)
    }
}

pub async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    msg: &Message,
    message_id: &str,
) -> Result<(), SmtpError> {
    transport.send(build(msg, message_id)?).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> Message {
        Message {
            from: "attest@contoso.com".into(),
            to: "mia@contoso.com".into(),
            subject: "Review access to Sales".into(),
            body: body.into(),
        }
    }

    #[test]
    fn addresses_with_line_breaks_are_refused() {
        for bad in ["mia@contoso.com\r\nRCPT TO:<x@y>", "no-at-sign", "a b@c.d"] {
            let mut m = message("hi");
            m.to = bad.into();
            assert!(
                matches!(build(&m, "1"), Err(SmtpError::BadAddress(_))),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn lines_end_in_crlf_and_a_subject_line_break_cannot_add_headers() {
        let mut m = message("one\ntwo\n");
        m.subject = "Sales\r\nBcc: eve@evil.example".into();
        let text = String::from_utf8(build(&m, "1").unwrap().formatted()).unwrap();
        assert!(!text.contains("\nBcc:"), "{text}");
        assert!(text.contains("one\r\ntwo\r\n"), "{text}");
        assert!(!text.replace("\r\n", "").contains('\n'), "{text}");
    }

    #[test]
    fn a_relay_must_be_host_and_port() {
        for (relay, ok) in [
            ("127.0.0.1:25", true),
            ("smtp.office365.com:587", true),
            ("[::1]:25", true),
            ("smtp.office365.com", false),
            (":25", false),
            ("host:port", false),
        ] {
            let config = SmtpConfig::plain(relay, "attest@contoso.com");
            assert_eq!(transport(&config).is_ok(), ok, "{relay}");
        }
    }
}
