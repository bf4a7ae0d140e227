//! CSV as spreadsheets in Japan expect it: UTF-8 with a BOM (Excel then reads
//! Japanese correctly), and cells that a spreadsheet would run as a formula
//! defused with a leading quote (OWASP CSV injection). Reading undoes both,
//! and takes the files people have: UTF-8 with or without a BOM, and Shift_JIS
//! (CP932, Excel's default "CSV" in Japan), decoded with encoding_rs.

use crate::error::{CoreError, CoreResult};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn io(e: impl std::fmt::Display) -> CoreError {
    CoreError::Io(e.to_string())
}

/// A cell starting with = + - @ (or a tab / CR) is prefixed with '.
pub fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Undoes `defuse` on a cell read back.
pub fn undefuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The header and rows as a BOM-prefixed CSV file, every cell defused.
pub fn write<I, R>(header: &[&str], rows: I) -> CoreResult<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut out = Vec::from(BOM);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header).map_err(io)?;
        for row in rows {
            w.write_record(row.into_iter().map(|c| defuse(&c))).map_err(io)?;
        }
        w.flush().map_err(io)?;
    }
    Ok(out)
}

/// The encodings a CSV file may come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// Shift_JIS as Windows writes it (CP932; WHATWG "Shift_JIS").
    Cp932,
}

/// A file that is neither UTF-8 nor CP932, and the first line (1-based) on
/// which the encoding that read furthest failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UndecodableAt {
    pub line: usize,
}

/// The file's text: UTF-8 (a BOM is dropped), else CP932. Nothing is ever
/// replaced by U+FFFD: a byte that fits neither is an error naming its line.
pub fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), UndecodableAt> {
    if let Some(body) = bytes.strip_prefix(BOM) {
        return std::str::from_utf8(body)
            .map(|t| (t.to_owned(), TextEncoding::Utf8))
            .map_err(|e| UndecodableAt { line: line_at(bytes, BOM.len() + e.valid_up_to()) });
    }
    let utf8_failed_at = match std::str::from_utf8(bytes) {
        Ok(t) => return Ok((t.to_owned(), TextEncoding::Utf8)),
        Err(e) => e.valid_up_to(),
    };
    let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 3);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok((text, TextEncoding::Cp932)),
        // The encoding that got further is the likelier one: name its failing line.
        _ => Err(UndecodableAt { line: line_at(bytes, utf8_failed_at.max(read.saturating_sub(1))) }),
    }
}

/// The 1-based line of byte `at`.
fn line_at(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())].iter().filter(|&&b| b == b'\n').count()
}

/// Reads CSV text: the header and the rows, cells undefused. Text that is
/// not CSV is `Invalid { field: "file", problem: "format" }`.
pub fn read(text: &str) -> CoreResult<(Vec<String>, Vec<Vec<String>>)> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let bad = |_| CoreError::Invalid { field: "file", problem: "format" };
    let header = r.headers().map_err(bad)?.iter().map(|h| h.trim().to_owned()).collect();
    let mut rows = Vec::new();
    for record in r.records() {
        rows.push(record.map_err(bad)?.iter().map(|c| undefuse(c).to_owned()).collect());
    }
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_csv_has_a_bom_defused_formulas_and_reads_back_the_same() {
        let rows =
            vec![vec![String::from("=HYPERLINK(\"x\")"), String::from("+81 3 1234 5678")], vec![String::from("山田"), String::new()]];
        let bytes = write(&["a", "b"], rows.clone()).expect("write");
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(text.contains("'=HYPERLINK"));
        let (text, encoding) = decode(&bytes).expect("decode");
        assert_eq!(encoding, TextEncoding::Utf8);
        let (header, back) = read(&text).expect("read");
        assert_eq!(header, vec!["a", "b"]);
        assert_eq!(back, rows);
    }

    #[test]
    fn utf8_with_or_without_a_bom_and_cp932_are_read_as_the_same_text() {
        let text = "姓,名,フリガナ（セイ）\n渡邊,花子,ワタナベ\n髙橋,一郎,ﾀｶﾊｼ\n";
        let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!unmappable);
        let with_bom = [BOM, text.as_bytes()].concat();
        for (bytes, encoding) in
            [(text.as_bytes(), TextEncoding::Utf8), (&with_bom[..], TextEncoding::Utf8), (&cp932[..], TextEncoding::Cp932)]
        {
            assert_eq!(decode(bytes), Ok((text.to_owned(), encoding)));
        }
    }

    #[test]
    fn a_file_in_neither_encoding_is_refused_naming_its_first_bad_line() {
        // CP932 text with a byte on line 3 that is no character (0x81 then 0x00... is invalid).
        let mut bytes = encoding_rs::SHIFT_JIS.encode("姓,名\n山田,太郎\n").0.into_owned();
        bytes.extend_from_slice(b"\x81\x20,x\n");
        assert_eq!(decode(&bytes), Err(UndecodableAt { line: 3 }));
        // UTF-8 with a broken sequence on line 2 (after a BOM): no guessing.
        let broken = [BOM, "姓\n".as_bytes(), b"\xe5\xb1,x\n"].concat();
        assert_eq!(decode(&broken), Err(UndecodableAt { line: 2 }));
        // UTF-16 is neither.
        assert!(decode(b"\xff\xfe\x53\x00\x0a\x00\xd8\x00").is_err());
    }
}
