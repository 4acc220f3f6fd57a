//! A small SMTP client for a relay that takes mail without authentication (a local relay or
//! one reached on a private network): EHLO, MAIL, RCPT, DATA, QUIT. No TLS stack here; put
//! a TLS-speaking relay in between when mail must leave the machine.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("cannot reach the SMTP relay: {0}")]
    Io(#[from] std::io::Error),
    #[error("the SMTP relay did not answer in time")]
    Timeout,
    #[error("the SMTP relay refused {step}: {reply}")]
    Refused { step: &'static str, reply: String },
    #[error("\"{0}\" is not a mail address this server sends to")]
    BadAddress(String),
}

const TIMEOUT: Duration = Duration::from_secs(20);

fn check_address(a: &str) -> Result<(), SmtpError> {
    let ok = a.contains('@')
        && a.len() <= 254
        && !a
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>');
    if ok {
        Ok(())
    } else {
        Err(SmtpError::BadAddress(a.to_string()))
    }
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A header value: as is when plain ASCII, else RFC 2047 encoded.
fn header_text(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    if s.is_ascii() {
        s
    } else {
        format!("=?UTF-8?B?{}?=", base64(s.as_bytes()))
    }
}

/// The message as sent after DATA: headers, body with CRLF line ends and leading dots
/// doubled, and the closing dot.
pub fn data(msg: &Message, date: chrono::DateTime<chrono::Utc>, id: &str) -> String {
    let mut out = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{id}@attest>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        msg.from,
        msg.to,
        header_text(&msg.subject),
        date.to_rfc2822(),
    );
    for line in msg.body.lines() {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

struct Conversation {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Conversation {
    /// Read one (possibly multi-line) reply; Ok when its code starts with `expect`.
    async fn reply(&mut self, step: &'static str, expect: char) -> Result<(), SmtpError> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(TIMEOUT, self.reader.read_line(&mut line))
                .await
                .map_err(|_| SmtpError::Timeout)??;
            if n == 0 {
                return Err(SmtpError::Refused {
                    step,
                    reply: format!("connection closed {all}").trim().to_string(),
                });
            }
            all.push_str(line.trim_end());
            all.push(' ');
            // "250-..." continues, "250 ..." ends the reply.
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        if all.starts_with(expect) {
            Ok(())
        } else {
            Err(SmtpError::Refused {
                step,
                reply: all.trim().to_string(),
            })
        }
    }

    async fn say(&mut self, line: &str, step: &'static str, expect: char) -> Result<(), SmtpError> {
        tokio::time::timeout(TIMEOUT, self.writer.write_all(line.as_bytes()))
            .await
            .map_err(|_| SmtpError::Timeout)??;
        self.reply(step, expect).await
    }
}

/// Send one message through `relay` (host:port).
pub async fn send(relay: &str, msg: &Message, message_id: &str) -> Result<(), SmtpError> {
    check_address(&msg.from)?;
    check_address(&msg.to)?;
    let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(relay))
        .await
        .map_err(|_| SmtpError::Timeout)??;
    let (r, w) = stream.into_split();
    let mut c = Conversation {
        reader: BufReader::new(r),
        writer: w,
    };
    c.reply("the connection", '2').await?;
    c.say("EHLO attest\r\n", "EHLO", '2').await?;
    c.say(&format!("MAIL FROM:<{}>\r\n", msg.from), "the sender", '2')
        .await?;
    c.say(&format!("RCPT TO:<{}>\r\n", msg.to), "the recipient", '2')
        .await?;
    c.say("DATA\r\n", "DATA", '3').await?;
    c.say(
        &data(msg, chrono::Utc::now(), message_id),
        "the message",
        '2',
    )
    .await?;
    // The message is accepted; a failed goodbye does not unsend it.
    let _ = c.say("QUIT\r\n", "QUIT", '2').await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn body_lines_starting_with_a_dot_are_doubled() {
        let msg = Message {
            from: "a@x".into(),
            to: "b@x".into(),
            subject: "Revue d'accès".into(),
            body: "one\n.two\n".into(),
        };
        let d = data(&msg, chrono::Utc::now(), "m1");
        assert!(d.contains("\r\none\r\n..two\r\n.\r\n"));
        assert!(d.contains("Subject: =?UTF-8?B?"));
    }

    #[test]
    fn addresses_with_line_breaks_are_refused() {
        assert!(check_address("a@b\r\nRCPT TO:<c@d>").is_err());
        assert!(check_address("a@b").is_ok());
    }
}
