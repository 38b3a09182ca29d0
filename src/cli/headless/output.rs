//! How a headless answer is printed: JSON, JSON lines, CSV or an aligned plain table. Query
//! results in the machine formats go through the export writer the explorer uses.

use crate::cli::OutputFormat;
use crate::data::ResultSet;
use crate::export::ExportFormat;
use crate::printable::printable;
use serde_json::{Map, Value};
use std::io::Write;

/// What a command prints: its JSON, a table of rows, and lines that introduce the table.
pub struct Output {
    pub json: Value,
    pub summary: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// A query result: JSON, JSONL and CSV come from the export writer.
    pub result: Option<ResultSet>,
}

pub fn write_output(out: &Output, format: OutputFormat, w: &mut impl Write) -> std::io::Result<()> {
    let export = match format {
        OutputFormat::Json => Some(ExportFormat::Json),
        OutputFormat::Jsonl => Some(ExportFormat::Jsonl),
        OutputFormat::Csv => Some(ExportFormat::Csv),
        OutputFormat::Table => None,
    };
    if let (Some(rs), Some(export)) = (&out.result, export) {
        return crate::export::write(rs, export, w, |_| {});
    }
    match format {
        OutputFormat::Json => {
            let text = serde_json::to_string_pretty(&out.json).map_err(std::io::Error::other)?;
            writeln!(w, "{text}")
        }
        OutputFormat::Jsonl => {
            if out.headers.is_empty() {
                return writeln!(w, "{}", out.json);
            }
            for row in &out.rows {
                let m: Map<String, Value> = out
                    .headers
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect();
                writeln!(w, "{}", Value::Object(m))?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut csv = csv::Writer::from_writer(w);
            if out.headers.is_empty() {
                // A command without rows (ping) prints its fields as one record.
                if let Value::Object(m) = &out.json {
                    csv.write_record(m.keys())?;
                    csv.write_record(m.values().map(plain))?;
                }
            } else {
                csv.write_record(&out.headers)?;
                for row in &out.rows {
                    csv.write_record(row.iter().map(plain))?;
                }
            }
            csv.flush()
        }
        OutputFormat::Table => {
            for line in &out.summary {
                writeln!(w, "{}", printable(line))?;
            }
            if !out.headers.is_empty() {
                write_table(out, w)?;
            }
            Ok(())
        }
    }
}

/// A value as a person reads it: strings bare, null empty, everything else as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An aligned plain-text table; wide cells are cut so one row stays on one line.
fn write_table(out: &Output, w: &mut impl Write) -> std::io::Result<()> {
    use unicode_width::UnicodeWidthStr;
    const MAX_CELL: usize = 48;
    let cut = |s: String| -> String {
        let s = printable(&s.replace(['\n', '\r', '\t'], " ")).into_owned();
        if s.width() <= MAX_CELL {
            return s;
        }
        let mut t = String::new();
        for ch in s.chars() {
            if t.width() + 1 >= MAX_CELL {
                break;
            }
            t.push(ch);
        }
        t.push('…');
        t
    };
    // A query's rows are formatted from its result twice (widths, then lines) rather than held
    // as text: a large result would otherwise sit in memory once more per form.
    let rows = || -> Box<dyn Iterator<Item = Vec<String>> + '_> {
        match &out.result {
            Some(rs) => Box::new(
                rs.rows
                    .iter()
                    .map(move |r| r.iter().map(|c| cut(plain(&c.to_json()))).collect()),
            ),
            None => Box::new(
                out.rows
                    .iter()
                    .map(move |r| r.iter().map(|v| cut(plain(v))).collect()),
            ),
        }
    };
    let headers: Vec<String> = out
        .headers
        .iter()
        .map(|h| printable(h).into_owned())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows() {
        for (i, c) in row.iter().enumerate() {
            if let Some(wd) = widths.get_mut(i) {
                *wd = (*wd).max(c.width());
            }
        }
    }
    let line = |items: &[String], w: &mut dyn Write| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, item) in items.iter().enumerate() {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(item.width());
            s.push_str(item);
            if i + 1 < items.len() {
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(w, "{}", s.trim_end())
    };
    line(&headers, w)?;
    let rule: Vec<String> = widths.iter().map(|n| "-".repeat(*n)).collect();
    line(&rule, w)?;
    for row in rows() {
        line(&row, w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn out() -> Output {
        Output {
            json: json!([{"A": 1, "B": "x,y"}]),
            summary: vec!["1 rows".into()],
            headers: vec!["A".into(), "B".into()],
            rows: vec![vec![json!(1), json!("x,y")], vec![Value::Null, json!("é")]],
            result: None,
        }
    }

    fn render(format: OutputFormat) -> String {
        let mut buf = Vec::new();
        write_output(&out(), format, &mut buf).expect("writes");
        String::from_utf8(buf).expect("utf8")
    }

    #[test]
    fn each_format_renders_rows() {
        assert_eq!(render(OutputFormat::Csv), "A,B\n1,\"x,y\"\n,é\n");
        assert_eq!(
            render(OutputFormat::Jsonl),
            "{\"A\":1,\"B\":\"x,y\"}\n{\"A\":null,\"B\":\"é\"}\n"
        );
        assert_eq!(
            render(OutputFormat::Table),
            "1 rows\nA  B\n-  ---\n1  x,y\n   é\n"
        );
        assert!(render(OutputFormat::Json).contains("\"B\": \"x,y\""));
    }

    #[test]
    fn a_table_of_a_result_shows_control_characters_as_text() {
        use crate::data::{Cell, Column};
        let rs = ResultSet {
            columns: vec![
                Column {
                    name: "ID".into(),
                    ..Column::default()
                },
                Column {
                    name: "NAME\u{1b}[2J".into(),
                    ..Column::default()
                },
            ],
            rows: vec![
                vec![Cell::Int(1), Cell::Text("\u{1b}]0;PWNED\u{7}x".into())].into_boxed_slice(),
                vec![Cell::Int(22), Cell::Null].into_boxed_slice(),
            ],
        };
        let out = Output {
            json: Value::Null,
            summary: vec!["2 rows in 1 ms".into()],
            headers: rs.columns.iter().map(|c| c.name.clone()).collect(),
            rows: Vec::new(),
            result: Some(rs),
        };
        let mut buf = Vec::new();
        write_output(&out, OutputFormat::Table, &mut buf).expect("writes");
        let text = String::from_utf8(buf).expect("utf8");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert_eq!(
            text,
            "2 rows in 1 ms\n\
             ID  NAME\\u{1b}[2J\n\
             --  --------------------\n\
             1   \\u{1b}]0;PWNED\\u{7}x\n\
             22\n"
        );
        // CSV is data for a pipe: the value goes out exactly as received
        let mut buf = Vec::new();
        write_output(&out, OutputFormat::Csv, &mut buf).expect("writes");
        assert!(String::from_utf8_lossy(&buf).contains("\u{1b}]0;PWNED\u{7}x"));
    }
}
