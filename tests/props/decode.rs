//! The client's execute decoder: arbitrary bytes and random JSON never panic; each either
//! decodes or gives a typed error with a one-line message; well-formed answers decode exactly.

use crate::common::{any_json, nested, runner};
use mbx::api::{ApiError, decode_query_result};
use proptest::prelude::*;
use serde_json::{Value, json};

fn one_line(e: &ApiError) -> bool {
    let text = e.to_string();
    !text.is_empty() && !text.contains('\n')
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,16}".prop_map(Value::from),
    ]
}

/// A completed answer whose rows all have the columns' width.
fn well_formed() -> impl Strategy<Value = (Value, usize, usize)> {
    (1usize..6, 0usize..20).prop_flat_map(|(width, height)| {
        prop::collection::vec(prop::collection::vec(scalar(), width), height).prop_map(
            move |rows| {
                let cols: Vec<Value> = (0..width)
                    .map(|i| json!({"name": format!("c{i}"), "base_type": "type/Text"}))
                    .collect();
                let body = json!({"status": "completed", "row_count": rows.len(),
                    "running_time": 3, "data": {"cols": cols, "rows": rows}});
                (body, width, height)
            },
        )
    })
}

/// Answers shaped like execute's, with each part replaced by anything at random.
fn almost_an_answer() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just(json!("completed")), Just(json!("failed")), any_json(2)],
        prop_oneof![any::<u64>().prop_map(Value::from), any_json(1)],
        prop_oneof![Just(json!([{"name": "a"}, {"name": "b"}])), any_json(3)],
        prop_oneof![
            prop::collection::vec(prop::collection::vec(scalar(), 0..5), 0..6)
                .prop_map(|r| json!(r)),
            any_json(3),
        ],
        prop_oneof![Just(Value::Null), any_json(2)],
        0usize..300,
    )
        .prop_map(|(status, row_count, cols, rows, error, depth)| {
            json!({"status": status, "row_count": row_count, "error": error,
                "data": {"cols": cols, "rows": nested(rows, depth % 40), "native_form": error}})
        })
}

#[test]
fn arbitrary_bytes_decode_or_give_a_typed_error() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..400), |bytes| {
            if let Err(e) = decode_query_result(&bytes) {
                prop_assert!(one_line(&e), "{e}");
            }
            Ok(())
        })
        .expect("property holds");
}

#[test]
fn random_json_and_near_answers_decode_or_give_a_typed_error() {
    let json = prop_oneof![any_json(4), almost_an_answer()];
    runner()
        .run(&json, |v| {
            let text = serde_json::to_vec(&v).expect("json");
            match decode_query_result(&text) {
                Ok(r) => {
                    // Every cell is reachable, even in ragged rows.
                    for row in 0..r.result.row_count() {
                        for col in 0..r.result.column_count() + 1 {
                            let _ = r.result.cell(row, col);
                        }
                    }
                }
                Err(e) => prop_assert!(one_line(&e), "{e}"),
            }
            // A cut answer (a stream that ended mid-body) is an error, never a short result.
            if text.len() > 2 {
                let cut = &text[..text.len() / 2];
                if let Err(e) = decode_query_result(cut) {
                    prop_assert!(one_line(&e), "{e}");
                } else {
                    prop_assert!(
                        false,
                        "a cut body decoded: {}",
                        String::from_utf8_lossy(cut)
                    );
                }
            }
            Ok(())
        })
        .expect("property holds");
}

#[test]
fn well_formed_answers_decode_exactly() {
    runner()
        .run(&well_formed(), |(body, width, height)| {
            let text = serde_json::to_vec(&body).expect("json");
            let r = decode_query_result(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(r.result.column_count(), width);
            prop_assert_eq!(r.result.row_count(), height);
            prop_assert_eq!(r.row_count, height as u64);
            Ok(())
        })
        .expect("property holds");
}

#[test]
fn deeply_nested_cells_are_refused_or_kept_without_a_stack_overflow() {
    for depth in [10, 100, 1_000, 100_000] {
        let cell = "[".repeat(depth) + &"]".repeat(depth);
        let body = format!(
            r#"{{"status":"completed","data":{{"cols":[{{"name":"x"}}],"rows":[[{cell}]]}}}}"#
        );
        match decode_query_result(body.as_bytes()) {
            Ok(r) => assert_eq!(r.result.row_count(), 1),
            Err(e) => assert!(one_line(&e), "{e}"),
        }
    }
}
