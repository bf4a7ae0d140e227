//! What a search box entry asks of the register, and what a person is indexed
//! under, as keyed tokens: exact tokens (a whole phone number, e-mail address,
//! name or reading) and two-character grams for partial matching (of the name,
//! the reading and the e-mail's local part), in the style of CipherSweet's
//! partial indexes; plus the 五十音 row of the reading for the list's tabs.
//! The register is never decrypted to search it: the tokens name candidates,
//! and only the page's candidates are opened and re-checked (`matches`).
//! docs/SECURITY.md says what the tokens tell someone holding the database.

use super::normalize::{self, GRAM_SPAN};
use super::PersonFields;
use crate::domain::KanaRow;
use crate::vault::{DataKeys, IndexKind};

/// Which set of tokens `index_terms` gives (`people.index_version`): 1 was
/// the exact tokens alone.
pub(crate) const INDEX_VERSION: i64 = 2;

/// Grams of one query used to find candidates: enough to be selective, and a
/// bound on the statement's size; the re-check compares the whole text.
const QUERY_GRAMS_MAX: usize = 8;

/// One partial question: every gram must be among a person's tokens of that kind.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Partial {
    kind: IndexKind,
    /// The folded query, compared whole with the folded field on re-check.
    text: String,
    grams: Vec<String>,
}

/// A search box entry, folded once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchPlan {
    /// Any one of these names a candidate.
    exact: Vec<(IndexKind, String)>,
    /// Each of these names the people who have all its grams.
    partial: Vec<Partial>,
}

/// The tokens of one part of the plan, as the list query uses them.
pub struct TokenGroup {
    pub tokens: Vec<Vec<u8>>,
    /// A person must have every token (partial), or any one (exact).
    pub need_all: bool,
}

impl SearchPlan {
    /// The plan for what was typed: phone-like text asks for a whole phone
    /// number, text with `@` for a whole address; any other text for a name or
    /// reading, whole or in part, and, when it could be one, part of an
    /// address's local part. One character asks only for a whole name or reading.
    pub fn of(q: &str) -> SearchPlan {
        let q = q.trim();
        let mut plan = SearchPlan::default();
        if q.is_empty() {
            return plan;
        }
        plan.exact.push((IndexKind::Name, normalize::name(q)));
        // A date asks for that birth date (and nothing partial).
        if let Some(date) = super::birth_date::read(q) {
            plan.exact.push((IndexKind::BirthDate, super::birth_date::stored(date)));
            return plan;
        }
        let phone_like = normalize::looks_like_phone(q);
        if phone_like {
            plan.exact.push((IndexKind::Phone, normalize::phone(q)));
        }
        let at_sign = q.contains('@') || q.contains('＠');
        if at_sign {
            plan.exact.push((IndexKind::Email, normalize::email(q)));
        }
        let reading = normalize::reading(q);
        let is_reading = normalize::is_reading(&reading);
        if is_reading {
            plan.exact.push((IndexKind::Reading, reading.clone()));
        }
        plan.exact.retain(|(_, v)| !v.is_empty());
        if !at_sign && !phone_like {
            plan.add_partial(IndexKind::NameGram, normalize::name_for_search(q));
            if is_reading {
                plan.add_partial(IndexKind::ReadingGram, reading);
            }
            let local = normalize::email_local(q);
            if local.chars().all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c)) {
                plan.add_partial(IndexKind::EmailGram, local);
            }
        }
        plan
    }

    fn add_partial(&mut self, kind: IndexKind, text: String) {
        let grams: Vec<String> = normalize::grams(&text).into_iter().take(QUERY_GRAMS_MAX).collect();
        if !grams.is_empty() {
            self.partial.push(Partial { kind, text, grams });
        }
    }

    /// Whether the plan asks only for whole values (a phone number, say).
    pub fn is_exact_only(&self) -> bool {
        self.partial.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.partial.is_empty()
    }

    /// The keyed tokens of the plan: one group for the exact terms, one per partial question.
    pub fn token_groups(&self, keys: &DataKeys) -> Vec<TokenGroup> {
        let mut groups = Vec::new();
        if !self.exact.is_empty() {
            groups.push(TokenGroup { tokens: self.exact.iter().map(|(k, v)| keys.blind_index(*k, v)).collect(), need_all: false });
        }
        for p in &self.partial {
            groups.push(TokenGroup { tokens: p.grams.iter().map(|g| keys.blind_index(p.kind, g)).collect(), need_all: true });
        }
        groups
    }

    /// Whether a candidate's opened values answer the plan (a token can name
    /// someone who does not: a collision, or grams present but not in a row).
    pub fn matches(&self, f: &PersonFields) -> bool {
        let own = f.search_terms_of(|kind| self.exact.iter().any(|(k, _)| *k == kind));
        self.exact.iter().any(|t| own.contains(t)) || self.partial.iter().any(|p| gram_text(p.kind, f).contains(&p.text))
    }

    /// Whether any part of the plan compares values of `kind` (exact or partial).
    pub fn asks_about(&self, kind: IndexKind) -> bool {
        self.exact.iter().any(|(k, _)| *k == kind) || self.partial.iter().any(|p| p.kind == kind)
    }
}

/// Everything a person is indexed under, in random order: the exact terms,
/// the grams of the first `GRAM_SPAN` characters of their name, reading and
/// e-mail local part, and the 五十音 row of their reading.
pub(crate) fn index_terms(f: &PersonFields) -> Vec<(IndexKind, String)> {
    let mut terms = f.search_terms();
    for kind in GRAM_KINDS {
        terms.extend(normalize::grams(&gram_text(kind, f)).into_iter().map(|g| (kind, g)));
    }
    let reading = gram_text(IndexKind::ReadingGram, f);
    terms.push((IndexKind::ReadingRow, kana_row(&reading).code().to_owned()));
    debug_assert!(terms.len() <= 8 + 3 * (GRAM_SPAN - 1) + 1);
    // Stored in random order: in the order made, a row's place in the table
    // would say which token is which kind and how a person's grams chain up.
    rand::seq::SliceRandom::shuffle(terms.as_mut_slice(), &mut rand::thread_rng());
    terms
}

const GRAM_KINDS: [IndexKind; 3] = [IndexKind::NameGram, IndexKind::ReadingGram, IndexKind::EmailGram];

/// The folded text a kind of gram is taken from: what is indexed, and what a
/// candidate is re-checked against (empty for any other kind).
fn gram_text(kind: IndexKind, f: &PersonFields) -> String {
    match kind {
        IndexKind::NameGram => normalize::name_for_search(&format!("{}{}", f.family_name, f.given_name)),
        IndexKind::ReadingGram => normalize::reading(&format!("{}{}", f.family_kana, f.given_kana)),
        IndexKind::EmailGram if !f.email.is_empty() => normalize::email_local(&f.email),
        _ => String::new(),
    }
}

/// The 五十音 row of a folded reading's first character.
pub fn kana_row(reading: &str) -> KanaRow {
    reading.chars().next().map_or(KanaRow::Other, KanaRow::of_katakana)
}

/// The token of a 五十音 row (the list's tab).
pub fn row_token(keys: &DataKeys, row: KanaRow) -> Vec<u8> {
    keys.blind_index(IndexKind::ReadingRow, row.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(family: &str, given: &str, fk: &str, gk: &str, email: &str) -> PersonFields {
        PersonFields {
            family_name: family.into(),
            given_name: given.into(),
            family_kana: fk.into(),
            given_kana: gk.into(),
            email: email.into(),
            phone: "03-1234-5678".into(),
            ..PersonFields::default()
        }
    }

    /// The tokens a plan's groups would find among a person's tokens, as the list query asks.
    fn found(plan: &SearchPlan, f: &PersonFields) -> bool {
        let own = index_terms(f);
        let has = |k: IndexKind, v: &str| own.iter().any(|(ok, ov)| *ok == k && ov == v);
        plan.exact.iter().any(|(k, v)| has(*k, v)) || plan.partial.iter().any(|p| p.grams.iter().all(|g| has(p.kind, g)))
    }

    #[test]
    fn the_start_of_a_reading_part_of_a_full_name_a_variant_kanji_and_an_email_local_part_find_the_person() {
        let hanako = person("山下", "花子", "ヤマシタ", "ハナコ", "hanako.y@example.jp");
        let watanabe = person("渡邊", "一郎", "わたなべ", "いちろう", "");
        for (q, who) in
            [("ヤマ", &hanako), ("やました", &hanako), ("山下 花", &hanako), ("hanako", &hanako), ("渡辺", &watanabe), ("渡邉", &watanabe)]
        {
            let plan = SearchPlan::of(q);
            assert!(found(&plan, who), "index: {q}");
            assert!(plan.matches(who), "re-check: {q}");
        }
    }

    #[test]
    fn a_hit_is_re_checked_only_against_what_the_question_asks_about() {
        let hanako = person("山下", "花子", "ヤマシタ", "ハナコ", "hanako.y@example.jp");
        let without_email = PersonFields { email: String::new(), ..hanako.clone() };
        // A reading asks nothing of the e-mail: the list need not open it.
        let reading = SearchPlan::of("ヤマ");
        assert!(!reading.asks_about(IndexKind::Email) && !reading.asks_about(IndexKind::EmailGram));
        assert!(!reading.asks_about(IndexKind::BirthDate));
        assert!(reading.matches(&without_email));
        // Part of an address, and a whole address, do ask about it.
        for q in ["hanako", "hanako.y@example.jp"] {
            let plan = SearchPlan::of(q);
            assert!(plan.asks_about(IndexKind::Email) || plan.asks_about(IndexKind::EmailGram), "{q}");
            assert!(plan.matches(&hanako), "{q}");
            assert!(!plan.matches(&without_email), "{q}");
        }
        assert!(SearchPlan::of("1950-04-01").asks_about(IndexKind::BirthDate));
        // Whole values compare only their own kind: a phone number never matches a name.
        assert!(SearchPlan::of("03-1234-5678").matches(&hanako));
        assert!(!SearchPlan::of("03-1234-9999").matches(&hanako));
    }

    #[test]
    fn grams_present_but_not_in_a_row_are_found_by_the_index_and_refused_by_the_re_check() {
        // ヤマダ's grams (ヤマ, マダ) are both in マダヤマ, but ヤマダ is not.
        let p = person("間田山", "", "マダヤマ", "", "");
        let plan = SearchPlan::of("ヤマダ");
        assert!(found(&plan, &p));
        assert!(!plan.matches(&p));
    }

    #[test]
    fn hanako_matches_the_email_local_part_only_not_its_domain() {
        let p = person("山田", "太郎", "ヤマダ", "タロウ", "taro@hanako.example");
        let plan = SearchPlan::of("hanako");
        assert!(!found(&plan, &p));
        assert!(!plan.matches(&p));
    }

    #[test]
    fn a_person_has_a_bounded_number_of_tokens_whatever_the_length_of_their_values() {
        let long = "あ".repeat(50) + &"い".repeat(50);
        let p = PersonFields {
            phone: "090-1234-5678".into(),
            birth_date: "1950-04-01".into(),
            ..person(&"山".repeat(50), &"川".repeat(50), &long, &long, &format!("{}@example.jp", "a".repeat(60)))
        };
        // 9 exact (phone, e-mail, 3 names, 3 readings, birth date), grams of 3 values, 1 row.
        assert!(index_terms(&p).len() <= 9 + 3 * (GRAM_SPAN - 1) + 1);
        let varied: String = "あいうえおかきくけこさしすせそたちつてとなにぬねの".into();
        let q = person("a", "b", &varied, &varied, "");
        let grams = index_terms(&q).iter().filter(|(k, _)| *k == IndexKind::ReadingGram).count();
        assert_eq!(grams, GRAM_SPAN - 1);
    }

    #[test]
    fn the_reading_row_token_names_the_row_of_the_first_kana() {
        let p = person("", "", "ガトウ", "", "");
        assert!(index_terms(&p).contains(&(IndexKind::ReadingRow, "ka".into())));
        let none = person("Smith", "", "", "", "");
        assert!(index_terms(&none).contains(&(IndexKind::ReadingRow, "other".into())));
    }

    #[test]
    fn one_character_asks_only_for_a_whole_name_or_reading() {
        let plan = SearchPlan::of("林");
        assert!(plan.partial.is_empty());
        assert!(plan.matches(&person("林", "", "ハヤシ", "", "")));
        assert!(!plan.matches(&person("小林", "", "コバヤシ", "", "")));
    }
}
