//! Render cost of the results grid for 1k, 10k and 100k rows × 20 columns into a 200×50 buffer,
//! cursor at the top and in the middle. A virtual grid shows a flat line across row counts.
//!
//! `cargo bench --bench grid`

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mbx::data::ResultSet;
use mbx::grid::{Grid, GridView};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::hint::black_box;

fn result_of(rows: usize) -> ResultSet {
    // Decode 10k once and repeat its rows: the same data the decode bench uses.
    let base = common::decode(&common::execute_response(rows.min(10_000))).unwrap_or_default();
    let mut rs = ResultSet {
        columns: base.columns.clone(),
        rows: Vec::with_capacity(rows),
    };
    while rs.rows.len() < rows {
        let take = (rows - rs.rows.len()).min(base.rows.len());
        rs.rows.extend(base.rows[..take].iter().cloned());
    }
    rs
}

/// Nanoseconds this thread has run on a CPU (Linux), so a busy machine does not inflate the
/// figure the way wall time does.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CPU time per frame over many frames, printed next to criterion's wall-clock figures.
fn cpu_per_frame(name: &str, grid: &Grid, area: Rect) {
    const FRAMES: u32 = 3000;
    let mut buf = Buffer::empty(area);
    let Some(start) = thread_cpu_ns() else { return };
    for _ in 0..FRAMES {
        buf.reset();
        GridView::new(black_box(grid)).render(area, &mut buf);
    }
    if let Some(end) = thread_cpu_ns() {
        let per = (end - start) as f64 / f64::from(FRAMES) / 1000.0;
        eprintln!("cpu time per frame {name}: {per:.1} µs");
    }
}

fn render(c: &mut Criterion) {
    let area = Rect::new(0, 0, 200, 50);
    let mut group = c.benchmark_group("grid_render_200x50");
    for rows in [1_000usize, 10_000, 100_000] {
        let mut grid = Grid::new(result_of(rows));
        grid.set_viewport(area.width, area.height);
        let mut buf = Buffer::empty(area);
        cpu_per_frame(&format!("top/{rows}"), &grid, area);
        group.bench_with_input(BenchmarkId::new("top", rows), &rows, |b, _| {
            b.iter(|| {
                buf.reset();
                GridView::new(black_box(&grid)).render(area, &mut buf);
            })
        });
        grid.move_rows((rows / 2) as isize);
        grid.move_cols(10);
        cpu_per_frame(&format!("middle/{rows}"), &grid, area);
        group.bench_with_input(BenchmarkId::new("middle", rows), &rows, |b, _| {
            b.iter(|| {
                buf.reset();
                GridView::new(black_box(&grid)).render(area, &mut buf);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
