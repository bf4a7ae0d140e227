//! How values are folded before a blind index is computed, so that what a
//! person types in the search box matches however the value was entered:
//! `03-1234-5678`, `0312345678` and `０３１２３４５６７８` are one phone;
//! `ヤマダ`, `ﾔﾏﾀﾞ` and `やまだ` are one reading.

use unicode_normalization::UnicodeNormalization;

use super::variants;

/// How many characters of a value partial search looks at: two-character
/// grams are taken from the first `GRAM_SPAN` only, which caps a field's
/// grams at `GRAM_SPAN - 1` (the bound on what their count tells).
pub const GRAM_SPAN: usize = 16;

/// NFKC (full-width ASCII to half-width, half-width katakana to full-width,
/// voiced marks composed), without any white space.
fn folded(raw: &str) -> String {
    raw.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// Digits only; a leading `+81` (Japan) becomes the domestic `0`.
pub fn phone(raw: &str) -> String {
    let f = folded(raw);
    let digits: String = f.chars().filter(char::is_ascii_digit).collect();
    match (f.starts_with('+'), digits.strip_prefix("81")) {
        (true, Some(rest)) => format!("0{rest}"),
        _ => digits,
    }
}

/// Lower-cased, without surrounding space.
pub fn email(raw: &str) -> String {
    folded(raw).to_lowercase()
}

/// A name as written, without spaces (so `山田 太郎` and `山田太郎` match).
pub fn name(raw: &str) -> String {
    folded(raw)
}

/// A name folded for partial search: as `name`, with glyph selectors dropped,
/// variant kanji folded to one form (`variants`) and Latin letters in lower case.
pub fn name_for_search(raw: &str) -> String {
    folded(raw).chars().filter(|c| !variants::is_variation_selector(*c)).map(variants::fold).flat_map(char::to_lowercase).collect()
}

/// The local part of an e-mail address (before the last `@`), lower-cased:
/// partial search looks nowhere else in an address.
pub fn email_local(raw: &str) -> String {
    let e = email(raw);
    e.rsplit_once('@').map_or(e.clone(), |(local, _)| local.to_owned())
}

/// The distinct two-character grams of a folded value's first `GRAM_SPAN`
/// characters, in order of first appearance.
pub fn grams(folded: &str) -> Vec<String> {
    let chars: Vec<char> = folded.chars().take(GRAM_SPAN).collect();
    let mut out: Vec<String> = Vec::new();
    for pair in chars.windows(2) {
        let g: String = pair.iter().collect();
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// A reading in full-width katakana: hiragana is shifted to katakana.
pub fn reading(raw: &str) -> String {
    folded(raw)
        .chars()
        .map(|c| match c {
            // ぁ..ゖ and ゝゞ sit 0x60 below their katakana.
            '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// Whether a folded reading is katakana only (with the long-vowel mark).
pub fn is_reading(folded_reading: &str) -> bool {
    !folded_reading.is_empty() && folded_reading.chars().all(|c| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | 'ヽ' | 'ヾ' | '・'))
}

/// Whether the text looks like a phone number (digits and separators, at least six digits).
pub fn looks_like_phone(raw: &str) -> bool {
    let f = folded(raw);
    f.chars().filter(char::is_ascii_digit).count() >= 6
        && f.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || "-()".contains(c) || (c == '+' && i == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_written_any_way_fold_to_the_same_digits() {
        for written in [
            "03-1234-5678",
            "0312345678",
            "０３－１２３４－５６７８",
            "０３１２３４５６７８",
            "03 1234 5678",
            "(03)1234-5678",
            "+81 3-1234-5678",
        ] {
            assert_eq!(phone(written), "0312345678", "{written}");
        }
        assert!(looks_like_phone("０３１２３４５６７８"));
        assert!(!looks_like_phone("山田"));
        assert!(!looks_like_phone("12"));
    }

    #[test]
    fn readings_fold_half_width_and_hiragana_to_katakana() {
        assert_eq!(reading("ﾔﾏﾀﾞ"), "ヤマダ");
        assert_eq!(reading("やまだ"), "ヤマダ");
        assert_eq!(reading(" ヤマダ　タロウ "), "ヤマダタロウ");
        assert_eq!(reading("ｻﾄｳ ｹﾝｰ"), "サトウケンー");
        assert!(is_reading(&reading("ﾔﾏﾀﾞ")));
        assert!(!is_reading(&reading("山田")));
    }

    #[test]
    fn names_for_search_fold_variant_kanji_glyph_selectors_and_case() {
        assert_eq!(name_for_search("渡邊 花子"), name_for_search("渡辺花子"));
        assert_eq!(name_for_search("葛\u{E0100}西"), "葛西");
        assert_eq!(name_for_search("ＨＡＮＡＫＯ Smith"), "hanakosmith");
    }

    #[test]
    fn grams_are_the_distinct_pairs_of_the_first_sixteen_characters() {
        assert_eq!(grams("ヤマダ"), ["ヤマ", "マダ"]);
        assert_eq!(grams("ままま"), ["まま"]);
        assert!(grams("山").is_empty());
        let long: String = "あいうえおかきくけこさしすせそたちつてと".into();
        assert_eq!(grams(&long).len(), GRAM_SPAN - 1);
        assert_eq!(email_local("Hanako.Y@Example.jp"), "hanako.y");
    }

    #[test]
    fn names_and_emails_fold_space_width_and_case() {
        assert_eq!(name("山田　太郎"), name("山田太郎"));
        assert_eq!(name("ＡＢＣ"), "ABC");
        assert_eq!(email(" Taro.Yamada@Example.JP "), "taro.yamada@example.jp");
    }
}
