//! The people register (WP-2.1, 2.10, 2.11): an organisation's people and
//! their activity records. Every personal field is sealed by the vault before
//! it reaches the database; search goes through keyed blind indexes.
//!
//! Every query names the scope's organisation, so an id of another
//! organisation is simply not found.

pub mod birth_date;
pub mod corrections;
pub mod csv;
pub mod demo;
pub mod details_upgrade;
pub mod listing;
pub mod normalize;
pub mod records;
pub mod register;
pub mod reindex;
mod sealed;
pub mod search;
pub mod upgrade;
pub mod variants;

use crate::error::{CoreError, CoreResult, FieldProblem};
use crate::input;
use crate::vault::IndexKind;

pub use register::{PeoplePage, PeopleQuery, PeopleSort, PeopleTotal, Person, PersonSummary, StatusFilter};

/// Longest values accepted (characters).
pub const NAME_MAX: usize = 50;
pub const ADDRESS_MAX: usize = 200;
pub const NOTES_MAX: usize = 2000;
pub const EMAIL_MAX: usize = 254;
pub const EMERGENCY_CONTACT_MAX: usize = 200;

/// A person's personal fields as typed into the form or a CSV row; empty
/// means "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonFields {
    pub family_name: String,
    pub given_name: String,
    pub family_kana: String,
    pub given_kana: String,
    pub phone: String,
    pub email: String,
    pub postal_code: String,
    pub address: String,
    pub notes: String,
    /// 生年月日, `YYYY-MM-DD` once validated (typed in any way `birth_date::read` reads).
    pub birth_date: String,
    /// 緊急連絡先: who to call and how, as one line.
    pub emergency_contact: String,
}

/// The sealed columns, in the order of `PersonFields::values`.
pub(crate) const FIELD_COLUMNS: [&str; 11] = [
    "family_name",
    "given_name",
    "family_kana",
    "given_kana",
    "phone",
    "email",
    "postal_code",
    "address",
    "notes",
    "birth_date",
    "emergency_contact",
];

/// The sealed columns added after people were first stored: NULL in a row
/// written before them until `kura migrate` seals them (`details_upgrade`).
pub(crate) const DETAIL_COLUMNS: [&str; 2] = ["birth_date", "emergency_contact"];

/// The sealed columns the search index is computed over (`search_terms`,
/// `search::index_terms`), in the order of `PersonFields::from_indexed`.
pub(crate) const INDEXED_COLUMNS: [&str; 7] = ["family_name", "given_name", "family_kana", "given_kana", "phone", "email", "birth_date"];

impl PersonFields {
    pub(crate) fn values(&self) -> [&str; 11] {
        [
            &self.family_name,
            &self.given_name,
            &self.family_kana,
            &self.given_kana,
            &self.phone,
            &self.email,
            &self.postal_code,
            &self.address,
            &self.notes,
            &self.birth_date,
            &self.emergency_contact,
        ]
    }

    pub(crate) fn from_values(v: [String; 11]) -> Self {
        let [family_name, given_name, family_kana, given_kana, phone, email, postal_code, address, notes, birth_date, emergency_contact] =
            v;
        Self { family_name, given_name, family_kana, given_kana, phone, email, postal_code, address, notes, birth_date, emergency_contact }
    }

    /// The indexed fields from their values in `INDEXED_COLUMNS` order; the rest empty.
    pub(crate) fn from_indexed(v: [String; 7]) -> Self {
        let [family_name, given_name, family_kana, given_kana, phone, email, birth_date] = v;
        Self { family_name, given_name, family_kana, given_kana, phone, email, birth_date, ..Self::default() }
    }

    /// Checks and normalises every field, reporting every problem at once
    /// (the form marks each field; the CSV preview lists each). `today` (in
    /// the organisation's zone) bounds the birth date.
    pub fn validate(&self, today: jiff::civil::Date) -> Result<PersonFields, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut check = |field: &'static str, r: CoreResult<String>| match r {
            Ok(v) => v,
            Err(CoreError::Invalid { problem, .. }) => {
                problems.push(FieldProblem { field, problem });
                String::new()
            }
            Err(_) => {
                problems.push(FieldProblem { field, problem: "format" });
                String::new()
            }
        };
        let out = PersonFields {
            family_name: check("family_name", text("family_name", &self.family_name, NAME_MAX, true, false)),
            given_name: check("given_name", text("given_name", &self.given_name, NAME_MAX, false, false)),
            family_kana: check("family_kana", reading("family_kana", &self.family_kana)),
            given_kana: check("given_kana", reading("given_kana", &self.given_kana)),
            phone: check("phone", optional(&self.phone, |v| input::parse_phone("phone", v))),
            email: check(
                "email",
                optional(&self.email, |v| {
                    if v.chars().count() > EMAIL_MAX {
                        return Err(CoreError::Invalid { field: "email", problem: "too_long" });
                    }
                    input::parse_email("email", v)
                }),
            ),
            postal_code: check("postal_code", optional(&self.postal_code, postal_code)),
            address: check("address", text("address", &self.address, ADDRESS_MAX, false, false)),
            notes: check("notes", text("notes", &self.notes, NOTES_MAX, false, true)),
            birth_date: check("birth_date", optional(&self.birth_date, |v| birth_date_field(v, today))),
            emergency_contact: check(
                "emergency_contact",
                text("emergency_contact", &self.emergency_contact, EMERGENCY_CONTACT_MAX, false, false),
            ),
        };
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// What the blind indexes are computed over: normalised, per kind. The
    /// same list re-checks search hits after decryption.
    pub(crate) fn search_terms(&self) -> Vec<(IndexKind, String)> {
        self.search_terms_of(|_| true)
    }

    /// `search_terms` of the kinds `wanted` only: a search hit is re-checked
    /// against the kinds its question asks about, without normalising the rest.
    pub(crate) fn search_terms_of(&self, wanted: impl Fn(IndexKind) -> bool) -> Vec<(IndexKind, String)> {
        let mut terms = Vec::new();
        let mut add = |kind, value: &dyn Fn() -> String| {
            if !wanted(kind) {
                return;
            }
            let value = value();
            if !value.is_empty() && !terms.contains(&(kind, value.clone())) {
                terms.push((kind, value));
            }
        };
        if !self.phone.is_empty() {
            add(IndexKind::Phone, &|| normalize::phone(&self.phone));
        }
        if !self.email.is_empty() {
            add(IndexKind::Email, &|| normalize::email(&self.email));
        }
        add(IndexKind::Name, &|| normalize::name(&self.family_name));
        add(IndexKind::Name, &|| normalize::name(&self.given_name));
        add(IndexKind::Name, &|| normalize::name(&format!("{}{}", self.family_name, self.given_name)));
        add(IndexKind::Reading, &|| normalize::reading(&self.family_kana));
        add(IndexKind::Reading, &|| normalize::reading(&self.given_kana));
        add(IndexKind::Reading, &|| normalize::reading(&format!("{}{}", self.family_kana, self.given_kana)));
        if !self.birth_date.is_empty() {
            add(IndexKind::BirthDate, &|| self.birth_date.clone());
        }
        terms
    }

    /// The age on `today`, when the birth date is given.
    pub fn age_on(&self, today: jiff::civil::Date) -> Option<i16> {
        let birth: jiff::civil::Date = self.birth_date.parse().ok()?;
        Some(birth_date::age_on(birth, today))
    }
}

/// Today in the organisation's zone (birth dates are checked and ages counted on it).
pub fn today(s: &crate::Services, scope: &crate::scope::TenantScope<'_>) -> jiff::civil::Date {
    s.clock.now().civil_date_in(&scope.tenant().time_zone)
}

fn birth_date_field(raw: &str, today: jiff::civil::Date) -> CoreResult<String> {
    match birth_date::parse(raw, today) {
        Ok(date) => Ok(birth_date::stored(date)),
        Err(birth_date::BirthDateProblem::Format) => Err(CoreError::Invalid { field: "birth_date", problem: "format" }),
        Err(birth_date::BirthDateProblem::Range) => Err(CoreError::Invalid { field: "birth_date", problem: "range" }),
    }
}

/// What the actor may do with the register: the very checks the register's
/// functions enforce, so the pages offer exactly what the server allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeopleRights {
    pub write: bool,
    pub delete: bool,
    pub export: bool,
    pub import: bool,
    /// Reads records' correction history and deleted records.
    pub history: bool,
}

pub fn rights(s: &crate::Services, scope: &crate::scope::TenantScope<'_>) -> PeopleRights {
    use crate::policy::Permission as P;
    PeopleRights {
        write: scope.authorize(s, P::WritePeople).is_ok(),
        delete: scope.authorize(s, P::DeletePeople).is_ok(),
        export: csv::authorize_export(s, scope).is_ok(),
        import: csv::authorize_import(s, scope).is_ok(),
        history: scope.authorize(s, P::ViewRecordHistory).is_ok(),
    }
}

fn has_control(s: &str, allow_newlines: bool) -> bool {
    s.chars().any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')))
}

fn text(field: &'static str, raw: &str, max: usize, required: bool, multiline: bool) -> CoreResult<String> {
    let v = if multiline { raw.trim_end().replace("\r\n", "\n") } else { raw.trim().to_owned() };
    if v.is_empty() {
        return if required { Err(CoreError::Invalid { field, problem: "required" }) } else { Ok(v) };
    }
    if v.chars().count() > max {
        return Err(CoreError::Invalid { field, problem: "too_long" });
    }
    if has_control(&v, multiline) {
        return Err(CoreError::Invalid { field, problem: "format" });
    }
    Ok(v)
}

/// A reading: katakana (hiragana and half-width are accepted and folded).
fn reading(field: &'static str, raw: &str) -> CoreResult<String> {
    let typed = text(field, raw, NAME_MAX, false, false)?;
    if typed.is_empty() {
        return Ok(typed);
    }
    // Keep one space between words if typed, but fold the kana themselves.
    let folded: Vec<String> = typed.split_whitespace().map(normalize::reading).collect();
    if !folded.iter().all(|w| normalize::is_reading(w)) {
        return Err(CoreError::Invalid { field, problem: "katakana" });
    }
    Ok(folded.join(" "))
}

fn optional(raw: &str, parse: impl Fn(&str) -> CoreResult<String>) -> CoreResult<String> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        parse(raw)
    }
}

/// `123-4567` (also typed as `1234567`, full-width, or with 〒).
fn postal_code(raw: &str) -> CoreResult<String> {
    let folded = normalize::name(raw);
    let folded = folded.trim_start_matches('〒');
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = folded.chars().all(|c| c.is_ascii_digit() || c == '-')
        && (folded.len() == 7 || (folded.len() == 8 && folded.as_bytes().get(3) == Some(&b'-')));
    if digits.len() != 7 || !shape_ok {
        return Err(CoreError::Invalid { field: "postal_code", problem: "format" });
    }
    Ok(format!("{}-{}", &digits[..3], &digits[3..]))
}

#[cfg(test)]
mod field_tests {
    use super::*;

    fn valid() -> PersonFields {
        PersonFields {
            family_name: "山田".into(),
            given_name: "太郎".into(),
            family_kana: "やまだ".into(),
            given_kana: "ﾀﾛｳ".into(),
            phone: "０３－１２３４－５６７８".into(),
            email: "Taro@Example.jp".into(),
            postal_code: "〒1000001".into(),
            address: "東京都千代田区千代田1-1".into(),
            notes: "初回面談済み\n".into(),
            birth_date: "昭和25年4月1日".into(),
            emergency_contact: " 長女 山田花子 090-1111-2222 ".into(),
        }
    }

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 12, 2)
    }

    #[test]
    fn a_valid_person_is_normalised() {
        let p = valid().validate(today()).expect("valid");
        assert_eq!(p.family_kana, "ヤマダ");
        assert_eq!(p.given_kana, "タロウ");
        assert_eq!(p.phone, "03-1234-5678");
        assert_eq!(p.postal_code, "100-0001");
        assert_eq!(p.notes, "初回面談済み");
        assert_eq!(p.birth_date, "1950-04-01");
        assert_eq!(p.emergency_contact, "長女 山田花子 090-1111-2222");
        assert_eq!(p.age_on(today()), Some(76));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let bad = PersonFields {
            family_name: " ".into(),
            given_name: "あ".repeat(51),
            family_kana: "山田".into(),
            phone: "03-12".into(),
            email: "no-at-sign".into(),
            postal_code: "12-34567".into(),
            address: "a\u{7}b".into(),
            birth_date: "2027-01-01".into(),
            emergency_contact: "x".repeat(201),
            ..PersonFields::default()
        };
        let problems = bad.validate(today()).expect_err("invalid");
        let got: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.problem)).collect();
        assert_eq!(
            got,
            vec![
                ("family_name", "required"),
                ("given_name", "too_long"),
                ("family_kana", "katakana"),
                ("phone", "format"),
                ("email", "format"),
                ("postal_code", "format"),
                ("address", "format"),
                ("birth_date", "range"),
                ("emergency_contact", "too_long"),
            ]
        );
    }

    #[test]
    fn search_terms_cover_phone_email_names_and_readings() {
        let p = valid().validate(today()).expect("valid");
        let terms = p.search_terms();
        assert!(terms.contains(&(IndexKind::Phone, "0312345678".into())));
        assert!(terms.contains(&(IndexKind::Email, "taro@example.jp".into())));
        assert!(terms.contains(&(IndexKind::Name, "山田太郎".into())));
        assert!(terms.contains(&(IndexKind::Reading, "ヤマダ".into())));
        assert!(terms.contains(&(IndexKind::Reading, "ヤマダタロウ".into())));
        assert!(terms.contains(&(IndexKind::BirthDate, "1950-04-01".into())));
        for q in ["03-1234-5678", "0312345678", "０３１２３４５６７８", "ヤマダ", "ﾔﾏﾀﾞ", "山田 太郎", "TARO@example.jp", "S25.4.1"]
        {
            assert!(search::SearchPlan::of(q).matches(&p), "{q}");
        }
        assert!(!search::SearchPlan::of("03-9999-0000").matches(&p));
    }
}

#[cfg(test)]
mod categories_tests;
#[cfg(test)]
mod corrections_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod tests;
