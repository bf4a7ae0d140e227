//! Parsers for what people type into the consoles. Each returns the
//! normalised value or `Invalid { field, problem }` naming the field, so the
//! form can show the message next to it.

use crate::error::{CoreError, CoreResult};
use crate::tenants::Contacts;

fn invalid(field: &'static str, problem: &'static str) -> CoreError {
    CoreError::Invalid { field, problem }
}

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no
/// spaces or control characters, at most 254 bytes.
pub fn parse_email(field: &'static str, raw: &str) -> CoreResult<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(invalid(field, "required"));
    }
    let ok = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
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
        return Err(invalid(field, "format"));
    }
    Ok(s.to_owned())
}

/// A phone number as written in Japan (`03-1234-5678`, `090-1234-5678`,
/// `+81 3 1234 5678`); full-width digits are accepted. Stored as typed,
/// normalised to half-width.
pub fn parse_phone(field: &'static str, raw: &str) -> CoreResult<String> {
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
        return Err(invalid(field, "required"));
    }
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let chars_ok = s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '-' || c == ' ' || (c == '+' && i == 0));
    let domestic = s.starts_with('0') && (10..=11).contains(&digits);
    let international = s.starts_with('+') && (8..=15).contains(&digits);
    if !chars_ok || !(domestic || international) {
        return Err(invalid(field, "format"));
    }
    Ok(s)
}

/// Notification contacts: one to five e-mail addresses (one per line or
/// separated by commas) and a phone number.
pub fn parse_contacts(emails: &str, phone: &str) -> CoreResult<Contacts> {
    let mut list = Vec::new();
    for part in emails.split(['\n', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        let e = parse_email("emails", part)?;
        if !list.contains(&e) {
            list.push(e);
        }
    }
    if list.is_empty() {
        return Err(invalid("emails", "required"));
    }
    if list.len() > 5 {
        return Err(invalid("emails", "too_many"));
    }
    Ok(Contacts { emails: list, phone: parse_phone("phone", phone)? })
}

/// A calendar date `YYYY-MM-DD`.
pub fn parse_date(field: &'static str, raw: &str) -> CoreResult<jiff::civil::Date> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(invalid(field, "required"));
    }
    if s.len() != 10 {
        return Err(invalid(field, "format"));
    }
    s.parse::<jiff::civil::Date>().map_err(|_| invalid(field, "format"))
}

/// An IANA time zone known to the bundled database.
pub fn parse_time_zone(raw: &str) -> CoreResult<String> {
    let s = raw.trim();
    jiff::tz::TimeZone::get(s).map_err(|_| invalid("time_zone", "unknown"))?;
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_need_an_at_and_a_domain() {
        assert_eq!(parse_email("e", " info@acme.example ").expect("ok"), "info@acme.example");
        for bad in ["info.acme.example", "@acme.example", "info@", "info@acme", "a b@acme.example", "a@b@c.example"] {
            assert!(parse_email("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn japanese_phone_numbers_are_accepted_in_their_usual_forms() {
        for ok in ["03-1234-5678", "090-1234-5678", "0312345678", "+81 3 1234 5678"] {
            assert!(parse_phone("p", ok).is_ok(), "{ok}");
        }
        assert_eq!(parse_phone("p", "０３－１２３４－５６７８").expect("full width"), "03-1234-5678");
        for bad in ["", "12345", "03-1234-5678 ext", "abc", "0-1"] {
            assert!(parse_phone("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contacts_need_at_least_one_address_and_at_most_five() {
        let c = parse_contacts("a@x.example, b@x.example\na@x.example", "03-1234-5678").expect("ok");
        assert_eq!(c.emails, vec!["a@x.example", "b@x.example"]);
        assert!(matches!(parse_contacts("", "03-1234-5678"), Err(CoreError::Invalid { field: "emails", .. })));
        let six = (0..6).map(|i| format!("u{i}@x.example")).collect::<Vec<_>>().join(",");
        assert!(parse_contacts(&six, "03-1234-5678").is_err());
        assert!(matches!(parse_contacts("a@x.example", "x"), Err(CoreError::Invalid { field: "phone", .. })));
    }

    #[test]
    fn dates_are_iso_calendar_dates() {
        assert!(parse_date("d", "2026-04-01").is_ok());
        assert!(parse_date("d", "2026-02-30").is_err());
        assert!(parse_date("d", "2026/04/01").is_err());
        assert!(parse_time_zone("Asia/Tokyo").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }
}
