//! Decoding a 10k-row × 20-column execute response into the grid's model, against serde_json
//! parsing the same bytes into a `Value`; and the memory the decoded result holds.
//!
//! `cargo bench --bench decode`

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

/// Counts live heap bytes, so the bench can report what a decoded result holds.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const ROWS: usize = 10_000;

fn memory_report(bytes: &[u8]) {
    let before = LIVE.load(Ordering::Relaxed);
    let rs = common::decode(bytes).unwrap_or_default();
    let model = LIVE.load(Ordering::Relaxed) - before;
    drop(rs);
    let before = LIVE.load(Ordering::Relaxed);
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let tree = LIVE.load(Ordering::Relaxed) - before;
    drop(value);
    let json = bytes.len() as f64;
    eprintln!(
        "memory: JSON {} bytes; ResultSet {} bytes ({:.2}× JSON); serde_json::Value {} bytes ({:.2}× JSON)",
        bytes.len(),
        model,
        model as f64 / json,
        tree,
        tree as f64 / json
    );
}

fn decode(c: &mut Criterion) {
    let bytes = common::execute_response(ROWS);
    memory_report(&bytes);
    let mut group = c.benchmark_group("decode_10k_x_20");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.sample_size(30);
    group.bench_function("result_set", |b| {
        b.iter(|| common::decode(black_box(&bytes)).map(|rs| rs.rows.len()))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).map(|_| ()))
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
