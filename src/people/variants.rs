//! Variant kanji folded to one form before a name is indexed for partial
//! search, so that 渡辺 finds 渡邊 and 渡邉, 高橋 finds 髙橋, 吉田 finds 𠮷田.
//!
//! Curated for the characters of common Japanese surnames and given names,
//! not a full variant database (a full one, such as Unihan's, also folds
//! characters that are different names in Japan). Sources, by line:
//! - [J] 常用漢字表 (2010, 文化審議会答申): the 康熙字典体 printed in
//!   parentheses beside the 常用 form, e.g. 辺（邊）.
//! - [S] forms that 戸籍 and 住民票 keep as distinct characters but that
//!   name every day the same surname: はしご高 (髙), たつさき (﨑), つちよし
//!   (𠮷), 邉 (a form of 邊), 濵 (a form of 濱), 嶋 and 嶌 (forms of 島),
//!   冨 (富), 舘 (館), 桒 (桑). 斉 and 斎 are different characters, folded
//!   together because the surname サイトウ is written with both.
//!
//! The folded form is used only inside the search index and the re-check of
//! a hit; what is stored and shown is what was typed.

/// (variant, the form it folds to).
const VARIANTS: &[(char, char)] = &[
    // [J]
    ('邊', '辺'),
    ('齊', '斉'),
    ('齋', '斉'),
    ('澤', '沢'),
    ('濱', '浜'),
    ('廣', '広'),
    ('關', '関'),
    ('國', '国'),
    ('櫻', '桜'),
    ('瀧', '滝'),
    ('惠', '恵'),
    ('榮', '栄'),
    ('實', '実'),
    ('德', '徳'),
    ('龍', '竜'),
    ('眞', '真'),
    ('曾', '曽'),
    ('條', '条'),
    ('淺', '浅'),
    ('藏', '蔵'),
    ('壽', '寿'),
    ('禮', '礼'),
    ('兒', '児'),
    ('黑', '黒'),
    ('萬', '万'),
    ('與', '与'),
    // [S]
    ('斎', '斉'),
    ('邉', '辺'),
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('𠮷', '吉'),
    ('濵', '浜'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('冨', '富'),
    ('舘', '館'),
    ('桒', '桑'),
];

/// The form a character folds to (itself when it has no listed variant).
pub fn fold(c: char) -> char {
    VARIANTS.iter().find(|(v, _)| *v == c).map_or(c, |(_, to)| *to)
}

/// Whether a character only selects a glyph (an ideographic variation
/// selector, or a standardised one): dropped before indexing.
pub fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_surname_variants_fold_to_one_form() {
        let folded = |s: &str| s.chars().map(fold).collect::<String>();
        for (a, b) in [("渡辺", "渡邊"), ("渡辺", "渡邉"), ("斉藤", "齋藤"), ("斉藤", "齊藤"), ("斉藤", "斎藤")] {
            assert_eq!(folded(a), folded(b), "{a} {b}");
        }
        for (a, b) in [("高橋", "髙橋"), ("山崎", "山﨑"), ("吉田", "𠮷田"), ("島田", "嶋田")] {
            assert_eq!(folded(a), folded(b), "{a} {b}");
        }
        assert_ne!(folded("山田"), folded("川田"));
    }

    #[test]
    fn every_variant_folds_to_a_form_that_is_not_itself_a_variant() {
        for (_, to) in VARIANTS {
            assert_eq!(fold(*to), *to, "{to}");
        }
    }
}
