//! Small text helpers every screen and message shares, so each is written once.

/// The text with its first letter upper-case: "stage 2 is closed" → "Stage 2 is closed".
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An error's text as a sentence of its own: capitalised, ending in a full stop.
pub fn sentence(text: &str) -> String {
    let mut s = capitalise(text);
    if !s.is_empty() && !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// A count with thousands separators: 12345 → "12,345".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_as_written() {
        let table: &[(String, &str)] = &[
            (capitalise(""), ""),
            (capitalise("élan"), "Élan"),
            (capitalise("stage 2 is closed"), "Stage 2 is closed"),
            (sentence("stage 2 is closed"), "Stage 2 is closed."),
            (sentence("is it open?"), "Is it open?"),
            (sentence(""), ""),
            (thousands(0), "0"),
            (thousands(999), "999"),
            (thousands(1_000), "1,000"),
            (thousands(100_000), "100,000"),
            (thousands(1_234_567), "1,234,567"),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }
}
