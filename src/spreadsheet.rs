//! CSV as spreadsheets in Japan expect it: UTF-8 with a BOM (Excel then reads
//! Japanese correctly), and cells that a spreadsheet would run as a formula
//! defused with a leading quote (OWASP CSV injection). Reading undoes both.

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

/// Reads a CSV file (BOM optional): the header and the rows, cells undefused.
/// A file that is not UTF-8 or not CSV is `Invalid { field: "file" }`.
pub fn read(bytes: &[u8]) -> CoreResult<(Vec<String>, Vec<Vec<String>>)> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if std::str::from_utf8(body).is_err() {
        return Err(CoreError::Invalid { field: "file", problem: "encoding" });
    }
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(body);
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
        let rows = vec![vec![String::from("=HYPERLINK(\"x\")"), String::from("+81 3 1234 5678")], vec![String::from("山田"), String::new()]];
        let bytes = write(&["a", "b"], rows.clone()).expect("write");
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes.clone()).expect("utf8");
        assert!(text.contains("'=HYPERLINK"));
        let (header, back) = read(&bytes).expect("read");
        assert_eq!(header, vec!["a", "b"]);
        assert_eq!(back, rows);
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_by_name() {
        assert!(matches!(read(b"\x82\xa0,\x82\xa2\n"), Err(CoreError::Invalid { field: "file", problem: "encoding" })));
    }
}
