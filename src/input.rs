//! Parsers for what people type into the consoles. Each returns the
//! normalised value or `Invalid { field, problem }` naming the field, so the
//! form can show the message next to it.

use crate::domain::{Email, Phone};
use crate::error::{CoreError, CoreResult};
use crate::tenants::Contacts;

fn invalid(field: &'static str, problem: &'static str) -> CoreError {
    CoreError::Invalid { field, problem }
}

/// An e-mail address (`domain::Email`), as its text.
pub fn parse_email(field: &'static str, raw: &str) -> CoreResult<String> {
    Ok(Email::parse(field, raw)?.into_string())
}

/// A phone number as written in Japan (`domain::Phone`), as its text.
pub fn parse_phone(field: &'static str, raw: &str) -> CoreResult<String> {
    Ok(Phone::parse(field, raw)?.into_string())
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
pub fn parse_time_zone(raw: &str) -> CoreResult<crate::clock::Zone> {
    Ok(crate::clock::Zone::parse(raw)?)
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
