//! Export of a result to CSV, JSON and JSON Lines: values exactly as received (no display
//! formatting), one writer shared by the explorer and the headless commands.

use crate::data::{Cell, Column, ResultSet};
use serde::ser::{SerializeMap, Serializer};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How often (in rows) the writer reports progress.
const PROGRESS_EVERY: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    Jsonl,
}

impl ExportFormat {
    /// The format a file name asks for by its extension (`.csv`, `.json`, `.jsonl`/`.ndjson`).
    pub fn from_path_extension(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            "jsonl" | "ndjson" => Some(ExportFormat::Jsonl),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

/// Writes a whole result. `progress` is called with the number of rows written so far, every
/// [`PROGRESS_EVERY`] rows and once at the end.
pub fn write<W: Write>(
    rs: &ResultSet,
    format: ExportFormat,
    out: W,
    mut progress: impl FnMut(usize),
) -> io::Result<()> {
    let total = rs.row_count();
    let mut report = |done: usize| {
        if done.is_multiple_of(PROGRESS_EVERY) || done == total {
            progress(done);
        }
    };
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(rs.columns.iter().map(|c| c.name.as_bytes()))
                .map_err(csv_error)?;
            let mut fields: Vec<String> = Vec::with_capacity(rs.column_count());
            for (i, row) in rs.rows.iter().enumerate() {
                fields.clear();
                fields.extend((0..rs.column_count()).map(|c| csv_field(row.get(c))));
                w.write_record(&fields).map_err(csv_error)?;
                report(i + 1);
            }
            w.flush()?;
        }
        ExportFormat::Json => {
            let mut out = io::BufWriter::new(out);
            out.write_all(b"[")?;
            for (i, row) in rs.rows.iter().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                write_object(&mut out, &rs.columns, row)?;
                report(i + 1);
            }
            out.write_all(if total == 0 { b"]\n" } else { b"\n]\n" })?;
            out.flush()?;
        }
        ExportFormat::Jsonl => {
            let mut out = io::BufWriter::new(out);
            for (i, row) in rs.rows.iter().enumerate() {
                write_object(&mut out, &rs.columns, row)?;
                out.write_all(b"\n")?;
                report(i + 1);
            }
            out.flush()?;
        }
    }
    if total == 0 {
        progress(0);
    }
    Ok(())
}

fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A cell as one CSV field: the value as received; empty for null.
fn csv_field(cell: Option<&Cell>) -> String {
    match cell {
        None | Some(Cell::Null) => String::new(),
        Some(Cell::Bool(b)) => b.to_string(),
        Some(Cell::Int(i)) => i.to_string(),
        Some(Cell::Float(f)) => json_number(*f),
        Some(Cell::Text(t)) => t.to_string(),
        Some(Cell::Json(j)) => j.to_string(),
    }
}

/// A float written as JSON writes it, so CSV and JSON exports agree digit for digit.
fn json_number(f: f64) -> String {
    serde_json::Number::from_f64(f)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// One row as a JSON object keyed by column name, in column order.
fn write_object<W: Write>(out: &mut W, columns: &[Column], row: &[Cell]) -> io::Result<()> {
    let mut ser = serde_json::Serializer::new(out);
    let mut map = ser
        .serialize_map(Some(columns.len()))
        .map_err(io::Error::other)?;
    for (c, column) in columns.iter().enumerate() {
        let cell = row.get(c).unwrap_or(&Cell::Null);
        map.serialize_entry(&column.name, cell)
            .map_err(io::Error::other)?;
    }
    map.end().map_err(io::Error::other)
}

/// A file name for an export: the title made safe, a timestamp, the format's extension, e.g.
/// `orders-2026-12-03-1530.csv`.
pub fn default_file_name(title: &str, format: ExportFormat) -> String {
    default_file_name_at(title, format, time::OffsetDateTime::now_utc())
}

/// [`default_file_name`] at a given time.
pub fn default_file_name_at(title: &str, format: ExportFormat, at: time::OffsetDateTime) -> String {
    let mut stem = String::new();
    for ch in title.chars() {
        if ch.is_alphanumeric() {
            stem.extend(ch.to_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.chars().count() >= 48 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    let stem = if stem.is_empty() { "result" } else { stem };
    format!(
        "{stem}-{:04}-{:02}-{:02}-{:02}{:02}.{}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        format.extension()
    )
}

/// Rows written so far out of all rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportProgress {
    pub done: usize,
    pub total: usize,
}

/// A finished export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportDone {
    pub path: PathBuf,
    pub rows: usize,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot export: the directory {} does not exist", .0.display())]
    DirectoryMissing(PathBuf),
    #[error("cannot export: permission denied writing to {}", .0.display())]
    PermissionDenied(PathBuf),
    #[error("cannot export: {} is a directory, not a file name", .0.display())]
    IsDirectory(PathBuf),
    #[error("cannot export to {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("the export stopped unexpectedly: {0}")]
    Interrupted(String),
}

/// Exports on a blocking thread: writes a temporary file next to `path`, then renames it into
/// place, so an error never leaves a half-written file. Progress goes to `progress`.
pub async fn export_to_file(
    rs: Arc<ResultSet>,
    path: PathBuf,
    format: ExportFormat,
    progress: tokio::sync::watch::Sender<ExportProgress>,
) -> Result<ExportDone, ExportError> {
    tokio::task::spawn_blocking(move || export_blocking(&rs, &path, format, &progress))
        .await
        .map_err(|e| ExportError::Interrupted(e.to_string()))?
}

fn export_blocking(
    rs: &ResultSet,
    path: &Path,
    format: ExportFormat,
    progress: &tokio::sync::watch::Sender<ExportProgress>,
) -> Result<ExportDone, ExportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(ExportError::DirectoryMissing(dir));
    }
    if path.is_dir() {
        return Err(ExportError::IsDirectory(path.to_path_buf()));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let temp = dir.join(format!(".{name}.{}.part", uuid::Uuid::new_v4().simple()));
    let classify = |e: io::Error, p: &Path| match e.kind() {
        io::ErrorKind::PermissionDenied => ExportError::PermissionDenied(p.to_path_buf()),
        io::ErrorKind::NotFound => ExportError::DirectoryMissing(dir.clone()),
        _ => ExportError::Io {
            path: p.to_path_buf(),
            source: e,
        },
    };
    let file = std::fs::File::create(&temp).map_err(|e| classify(e, path))?;
    let total = rs.row_count();
    progress.send_replace(ExportProgress { done: 0, total });
    let written = write(rs, format, io::BufWriter::new(&file), |done| {
        progress.send_replace(ExportProgress { done, total });
    })
    .and_then(|()| file.sync_all());
    drop(file);
    let finish = written.and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = finish {
        // Nothing half-written stays behind; the original error is what the user needs.
        let _ = std::fs::remove_file(&temp);
        return Err(classify(e, path));
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(ExportDone {
        path: path.to_path_buf(),
        rows: total,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tricky() -> ResultSet {
        let col = |n: &str, t: &str| Column {
            name: n.into(),
            base_type: Some(t.into()),
            ..Column::default()
        };
        ResultSet {
            columns: vec![
                col("ID", "type/Integer"),
                col("NOTE", "type/Text"),
                col("PRICE", "type/Float"),
                col("META", "type/Structured"),
                col("OK", "type/Boolean"),
            ],
            rows: vec![
                vec![
                    Cell::Int(1),
                    Cell::Text("a, \"quoted\"\nline".into()),
                    Cell::Float(1234.5),
                    Cell::Json(r#"{"k":[1,2]}"#.into()),
                    Cell::Bool(true),
                ]
                .into_boxed_slice(),
                vec![
                    Cell::Int(-2),
                    Cell::Text("日本語 ✓".into()),
                    Cell::Null,
                    Cell::Null,
                    Cell::Bool(false),
                ]
                .into_boxed_slice(),
            ],
        }
    }

    fn export(rs: &ResultSet, format: ExportFormat) -> String {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        write(rs, format, &mut out, |n| seen.push(n)).expect("write to memory");
        assert_eq!(seen.last().copied(), Some(rs.row_count()));
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn csv_quotes_commas_quotes_newlines_and_leaves_nulls_empty() {
        let text = export(&tricky(), ExportFormat::Csv);
        assert_eq!(
            text,
            "ID,NOTE,PRICE,META,OK\n\
             1,\"a, \"\"quoted\"\"\nline\",1234.5,\"{\"\"k\"\":[1,2]}\",true\n\
             -2,日本語 ✓,,,false\n"
        );
        // And it reads back to the same values.
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let first = reader.records().next().expect("a row").expect("valid csv");
        assert_eq!(&first[1], "a, \"quoted\"\nline");
        assert_eq!(&first[3], r#"{"k":[1,2]}"#);
    }

    #[test]
    fn json_is_an_array_of_objects_with_exact_values() {
        let text = export(&tricky(), ExportFormat::Json);
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(
            value,
            serde_json::json!([
                {"ID": 1, "NOTE": "a, \"quoted\"\nline", "PRICE": 1234.5,
                 "META": {"k": [1, 2]}, "OK": true},
                {"ID": -2, "NOTE": "日本語 ✓", "PRICE": null, "META": null, "OK": false}
            ])
        );
        // Keys stay in column order.
        assert!(text.find("\"ID\"") < text.find("\"NOTE\""));
        assert_eq!(export(&ResultSet::default(), ExportFormat::Json), "[]\n");
    }

    #[test]
    fn json_lines_has_one_object_per_line() {
        let text = export(&tricky(), ExportFormat::Jsonl);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1],
            r#"{"ID":-2,"NOTE":"日本語 ✓","PRICE":null,"META":null,"OK":false}"#
        );
        assert_eq!(
            lines[0],
            r#"{"ID":1,"NOTE":"a, \"quoted\"\nline","PRICE":1234.5,"META":{"k":[1,2]},"OK":true}"#
        );
    }

    #[test]
    fn progress_is_reported_in_steps_and_at_the_end() {
        let rows = (0..2500)
            .map(|i| vec![Cell::Int(i)].into_boxed_slice())
            .collect();
        let rs = ResultSet {
            columns: vec![Column {
                name: "N".into(),
                ..Column::default()
            }],
            rows,
        };
        let mut seen = Vec::new();
        write(&rs, ExportFormat::Jsonl, io::sink(), |n| seen.push(n)).expect("write");
        assert_eq!(seen, vec![1000, 2000, 2500]);
    }

    #[test]
    fn formats_come_from_extensions() {
        assert_eq!(
            ExportFormat::from_path_extension(Path::new("a/b.CSV")),
            Some(ExportFormat::Csv)
        );
        assert_eq!(
            ExportFormat::from_path_extension(Path::new("x.ndjson")),
            Some(ExportFormat::Jsonl)
        );
        assert_eq!(ExportFormat::from_path_extension(Path::new("x.txt")), None);
        assert_eq!(ExportFormat::from_path_extension(Path::new("x")), None);
    }

    #[test]
    fn default_names_are_safe_and_dated() {
        let at = time::macros::datetime!(2026-12-03 15:30 UTC);
        assert_eq!(
            default_file_name_at("Orders", ExportFormat::Csv, at),
            "orders-2026-12-03-1530.csv"
        );
        assert_eq!(
            default_file_name_at("Revenue by ../month: Σ!", ExportFormat::Jsonl, at),
            "revenue-by-month-σ-2026-12-03-1530.jsonl"
        );
        assert_eq!(
            default_file_name_at("///", ExportFormat::Json, at),
            "result-2026-12-03-1530.json"
        );
    }

    #[tokio::test]
    async fn export_to_file_writes_atomically_and_reports_progress() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.csv");
        let (tx, rx) = tokio::sync::watch::channel(ExportProgress::default());
        let done = export_to_file(Arc::new(tricky()), path.clone(), ExportFormat::Csv, tx)
            .await
            .expect("export");
        assert_eq!(done.rows, 2);
        assert_eq!(*rx.borrow(), ExportProgress { done: 2, total: 2 });
        let text = std::fs::read_to_string(&path).expect("read back");
        assert_eq!(text, export(&tricky(), ExportFormat::Csv));
        assert_eq!(done.bytes, text.len() as u64);
        let leftovers = std::fs::read_dir(dir.path()).expect("list").count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
    }

    #[tokio::test]
    async fn export_errors_are_clear_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope").join("out.csv");
        let (tx, _rx) = tokio::sync::watch::channel(ExportProgress::default());
        let err = export_to_file(Arc::new(tricky()), missing, ExportFormat::Csv, tx)
            .await
            .expect_err("missing directory");
        assert!(matches!(err, ExportError::DirectoryMissing(_)));
        assert!(err.to_string().contains("does not exist"), "{err}");

        let (tx, _rx) = tokio::sync::watch::channel(ExportProgress::default());
        let err = export_to_file(
            Arc::new(tricky()),
            dir.path().to_path_buf(),
            ExportFormat::Json,
            tx,
        )
        .await
        .expect_err("a directory is not a file");
        assert!(matches!(err, ExportError::IsDirectory(_)));
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    }
}
