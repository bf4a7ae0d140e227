//! The 五十音 rows (あ行, か行, …) the register's tabs filter by: the row of
//! the first kana of a person's reading.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KanaRow {
    A,
    Ka,
    Sa,
    Ta,
    Na,
    Ha,
    Ma,
    Ya,
    Ra,
    Wa,
    /// A reading that starts with no kana, or no reading at all.
    Other,
}

impl KanaRow {
    pub const ALL: [KanaRow; 11] = [
        KanaRow::A,
        KanaRow::Ka,
        KanaRow::Sa,
        KanaRow::Ta,
        KanaRow::Na,
        KanaRow::Ha,
        KanaRow::Ma,
        KanaRow::Ya,
        KanaRow::Ra,
        KanaRow::Wa,
        KanaRow::Other,
    ];

    /// The row's code in a URL (`?row=ka`).
    pub fn code(self) -> &'static str {
        match self {
            KanaRow::A => "a",
            KanaRow::Ka => "ka",
            KanaRow::Sa => "sa",
            KanaRow::Ta => "ta",
            KanaRow::Na => "na",
            KanaRow::Ha => "ha",
            KanaRow::Ma => "ma",
            KanaRow::Ya => "ya",
            KanaRow::Ra => "ra",
            KanaRow::Wa => "wa",
            KanaRow::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<KanaRow> {
        KanaRow::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The row of a full-width katakana (voiced and small kana belong to the
    /// row of their plain kana; ヴ to あ行). Katakana sits in 五十音 order
    /// from ァ (U+30A1) to ヺ (U+30FA).
    pub fn of_katakana(c: char) -> KanaRow {
        match c {
            'ァ'..='オ' | 'ヴ' => KanaRow::A,
            'カ'..='ゴ' | 'ヵ' | 'ヶ' => KanaRow::Ka,
            'サ'..='ゾ' => KanaRow::Sa,
            'タ'..='ド' => KanaRow::Ta,
            'ナ'..='ノ' => KanaRow::Na,
            'ハ'..='ポ' => KanaRow::Ha,
            'マ'..='モ' => KanaRow::Ma,
            'ャ'..='ヨ' => KanaRow::Ya,
            'ラ'..='ロ' => KanaRow::Ra,
            'ヮ'..='ン' | 'ヷ'..='ヺ' => KanaRow::Wa,
            _ => KanaRow::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_kana_of_each_row_and_its_voiced_and_small_forms_fall_in_that_row() {
        for (c, row) in [
            ('ア', KanaRow::A),
            ('ォ', KanaRow::A),
            ('ガ', KanaRow::Ka),
            ('ゾ', KanaRow::Sa),
            ('ッ', KanaRow::Ta),
            ('ド', KanaRow::Ta),
            ('ノ', KanaRow::Na),
            ('パ', KanaRow::Ha),
            ('モ', KanaRow::Ma),
            ('ュ', KanaRow::Ya),
            ('ロ', KanaRow::Ra),
            ('ン', KanaRow::Wa),
            ('ヴ', KanaRow::A),
            ('山', KanaRow::Other),
        ] {
            assert_eq!(KanaRow::of_katakana(c), row, "{c}");
        }
        for r in KanaRow::ALL {
            assert_eq!(KanaRow::parse(r.code()), Some(r));
        }
        assert_eq!(KanaRow::parse("KA"), None);
    }
}
