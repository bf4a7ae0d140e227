//! E-mail addresses and phone numbers as people type them, parsed into types
//! once: the browser checks a field with the same function the server uses.

use super::FieldProblem;

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no
/// spaces, control or quoting characters, at most 254 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, raw: &str) -> Result<Email, FieldProblem> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldProblem::new(field, "required"));
        }
        if s.len() > 254 {
            return Err(FieldProblem::new(field, "too_long"));
        }
        let ok = !s.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if !ok {
            return Err(FieldProblem::new(field, "format"));
        }
        Ok(Email(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A phone number as written in Japan (`03-1234-5678`, `090-1234-5678`,
/// `+81 3 1234 5678`); full-width digits and dashes are accepted and kept
/// as typed, in half-width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &'static str, raw: &str) -> Result<Phone, FieldProblem> {
        let s: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                'ー' | '－' | '‐' => '-',
                '＋' => '+',
                '　' => ' ',
                other => other,
            })
            .collect();
        if s.is_empty() {
            return Err(FieldProblem::new(field, "required"));
        }
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let chars_ok = s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '-' || c == ' ' || (c == '+' && i == 0));
        let domestic = s.starts_with('0') && (10..=11).contains(&digits);
        let international = s.starts_with('+') && (8..=15).contains(&digits);
        if !chars_ok || !(domestic || international) {
            return Err(FieldProblem::new(field, "format"));
        }
        Ok(Phone(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The browser's check of an optional field: the problem code, if any.
pub fn email_problem(raw: &str) -> Option<&'static str> {
    if raw.trim().is_empty() {
        return None;
    }
    Email::parse("email", raw).err().map(|p| p.problem)
}

/// The browser's check of an optional phone field: the problem code, if any.
pub fn phone_problem(raw: &str) -> Option<&'static str> {
    if raw.trim().is_empty() {
        return None;
    }
    Phone::parse("phone", raw).err().map(|p| p.problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_check_accepts_what_the_server_accepts_and_names_the_same_problem() {
        assert_eq!(email_problem(""), None, "an empty optional field is no problem");
        assert_eq!(email_problem("hanako@example.jp"), None);
        assert_eq!(email_problem("hanako@example"), Some("format"));
        assert_eq!(email_problem("a b@example.jp"), Some("format"));
        assert_eq!(email_problem(&format!("{}@example.jp", "a".repeat(250))), Some("too_long"));
        assert_eq!(phone_problem("０３－１２３４－５６７８"), None);
        assert_eq!(phone_problem("+81 3 1234 5678"), None);
        assert_eq!(phone_problem("03-1234"), Some("format"));
        assert_eq!(phone_problem("03-1234-5678 ext"), Some("format"));
    }

    #[test]
    fn a_phone_number_is_kept_as_typed_in_half_width() {
        assert_eq!(Phone::parse("phone", " ０９０－１２３４－５６７８ ").map(Phone::into_string), Ok(String::from("090-1234-5678")));
        assert_eq!(Email::parse("email", " hanako@example.jp ").map(Email::into_string), Ok(String::from("hanako@example.jp")));
    }
}
