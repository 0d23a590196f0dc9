//! CSV that a spreadsheet opens safely. Every CSV Custodian writes (the
//! record of processing, consultation responses, statistics) goes through
//! [`write_csv`], so a value someone typed that starts like a formula
//! (`=HYPERLINK(...)`, `+`, `-`, `@`, a tab or a carriage return) is read
//! by Excel or LibreOffice as text, never run (OWASP "CSV injection").
//! It lives in the lowest crate that writes CSV, so there is one.

use std::borrow::Cow;

/// A cell as a spreadsheet must see it: a leading formula character gets
/// an apostrophe before it, which spreadsheets show as text.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    match value.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// Rows of cells as CSV bytes, every cell made safe.
pub fn write_csv<R, C>(rows: R) -> Result<Vec<u8>, csv::Error>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    // Every field quoted too, so a spreadsheet set to split on `;` or a
    // tab cannot cut a value into a new cell that starts a formula.
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| safe_cell(c.as_ref()).into_owned())
            .collect();
        writer.write_record(&cells)?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_ordinary_values_stay() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"https://x\")"),
            "'=HYPERLINK(\"https://x\")"
        );
        for lead in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(safe_cell(lead).starts_with('\''), "{lead}");
        }
        for plain in ["Ada", "42", "2026-11-01", "", "a=b"] {
            assert_eq!(safe_cell(plain), plain);
        }
        let bytes = write_csv([["name", "answer"], ["Ada", "=1+1"]]).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            "\"name\",\"answer\"\n\"Ada\",\"'=1+1\"\n"
        );
    }
}
