//! Fingerprints (Metabase's per-field statistics) and cached "list" values, computed from the
//! generated rows at start-up.

use rusqlite::types::Value as Sql;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Distinct values up to this many make a field a "list" field with cached values.
const LIST_LIMIT: usize = 60;

#[derive(Clone, Debug, PartialEq)]
pub enum TypeStats {
    Number {
        min: f64,
        max: f64,
        avg: f64,
        q1: f64,
        q3: f64,
        sd: f64,
    },
    Text {
        percent_json: f64,
        percent_url: f64,
        percent_email: f64,
        percent_state: f64,
        average_length: f64,
    },
    Temporal {
        earliest: String,
        latest: String,
    },
    None,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fingerprint {
    pub distinct_count: usize,
    pub percent_null: f64,
    pub by_type: TypeStats,
}

impl Fingerprint {
    /// The statistics object; `kebab` gives E3's `value_metadata` key style.
    pub fn to_json(&self, kebab: bool) -> Value {
        let mut m = Map::new();
        let mut put = |snake: &str, v: Value| {
            let key = if kebab {
                snake.replace('_', "-")
            } else {
                snake.to_string()
            };
            m.insert(key, v);
        };
        put("distinct_count", json!(self.distinct_count));
        put("percent_null", json!(self.percent_null));
        match &self.by_type {
            TypeStats::Number {
                min,
                max,
                avg,
                q1,
                q3,
                sd,
            } => {
                put("min", json!(min));
                put("max", json!(max));
                put("avg", json!(avg));
                put("q1", json!(q1));
                put("q3", json!(q3));
                put("sd", json!(sd));
            }
            TypeStats::Text {
                percent_json,
                percent_url,
                percent_email,
                percent_state,
                average_length,
            } => {
                put("percent_json", json!(percent_json));
                put("percent_url", json!(percent_url));
                put("percent_email", json!(percent_email));
                put("percent_state", json!(percent_state));
                put("average_length", json!(average_length));
            }
            TypeStats::Temporal { earliest, latest } => {
                put("earliest", json!(earliest));
                put("latest", json!(latest));
            }
            TypeStats::None => {}
        }
        Value::Object(m)
    }
}

pub const US_STATES: [&str; 50] = [
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS",
    "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM",
    "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI",
    "WV", "WY",
];

/// How a column is summarized: by its Metabase type family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Number,
    Text,
    Temporal,
}

fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The fingerprint of one column's values. Distinct values are counted on sorted copies
/// (no hashing, no formatting per value): start-up computes this for every column.
pub fn fingerprint<'a>(values: impl Iterator<Item = &'a Sql>, family: Family) -> Fingerprint {
    let mut total = 0usize;
    let mut nulls = 0usize;
    let mut numbers = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    for v in values {
        total += 1;
        match v {
            Sql::Null => nulls += 1,
            Sql::Integer(i) => numbers.push(*i as f64),
            Sql::Real(f) => numbers.push(*f),
            Sql::Text(s) => texts.push(s),
            Sql::Blob(_) => {}
        }
    }
    numbers.sort_unstable_by(f64::total_cmp);
    let text_count = texts.len();
    let share = |n: usize| {
        if text_count == 0 {
            0.0
        } else {
            round(n as f64 / text_count as f64)
        }
    };
    let by_type = match family {
        Family::Number if !numbers.is_empty() => {
            let n = numbers.len() as f64;
            let avg = numbers.iter().sum::<f64>() / n;
            let var = numbers.iter().map(|x| (x - avg).powi(2)).sum::<f64>() / n;
            TypeStats::Number {
                min: numbers[0],
                max: numbers[numbers.len() - 1],
                avg: round(avg),
                q1: round(quantile(&numbers, 0.25)),
                q3: round(quantile(&numbers, 0.75)),
                sd: round(var.sqrt()),
            }
        }
        Family::Text => TypeStats::Text {
            percent_json: share(
                texts
                    .iter()
                    .filter(|t| {
                        (t.starts_with('{') || t.starts_with('['))
                            && serde_json::from_str::<Value>(t).is_ok()
                    })
                    .count(),
            ),
            percent_url: share(
                texts
                    .iter()
                    .filter(|t| t.starts_with("http://") || t.starts_with("https://"))
                    .count(),
            ),
            percent_email: share(texts.iter().filter(|t| is_email(t)).count()),
            percent_state: share(
                texts
                    .iter()
                    .filter(|t| t.len() == 2 && US_STATES.binary_search(t).is_ok())
                    .count(),
            ),
            average_length: if texts.is_empty() {
                0.0
            } else {
                round(
                    texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64
                        / texts.len() as f64,
                )
            },
        },
        _ => TypeStats::None,
    };
    texts.sort_unstable();
    let by_type = match (family, texts.first(), texts.last()) {
        (Family::Temporal, Some(first), Some(last)) => TypeStats::Temporal {
            earliest: first.to_string(),
            latest: last.to_string(),
        },
        _ => by_type,
    };
    let distinct_numbers = numbers
        .windows(2)
        .filter(|w| w[0].to_bits() != w[1].to_bits())
        .count()
        + usize::from(!numbers.is_empty());
    let distinct_texts =
        texts.windows(2).filter(|w| w[0] != w[1]).count() + usize::from(!texts.is_empty());
    Fingerprint {
        distinct_count: distinct_numbers + distinct_texts,
        percent_null: if total == 0 {
            0.0
        } else {
            round(nulls as f64 / total as f64)
        },
        by_type,
    }
}

fn is_email(t: &str) -> bool {
    match t.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !t.contains(' ')
        }
        None => false,
    }
}

/// The sorted distinct non-null values, when there are few enough to list.
pub fn list_values<'a>(values: impl Iterator<Item = &'a Sql>) -> Option<Vec<Value>> {
    let mut ints = BTreeSet::new();
    let mut texts = BTreeSet::new();
    let mut reals: Vec<f64> = Vec::new();
    for v in values {
        match v {
            Sql::Integer(i) => {
                ints.insert(*i);
            }
            Sql::Text(s) => {
                texts.insert(s.as_str());
            }
            Sql::Real(f) if !reals.contains(f) => reals.push(*f),
            _ => {}
        }
        if ints.len() + texts.len() + reals.len() > LIST_LIMIT {
            return None;
        }
    }
    reals.sort_by(f64::total_cmp);
    let mut out: Vec<Value> = ints.into_iter().map(Value::from).collect();
    out.extend(reals.into_iter().map(Value::from));
    out.extend(texts.into_iter().map(Value::from));
    if out.is_empty() { None } else { Some(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_fingerprint_has_quartiles() {
        let vals: Vec<Sql> = (1..=5).map(Sql::Integer).chain([Sql::Null]).collect();
        let fp = fingerprint(vals.iter(), Family::Number);
        assert_eq!(fp.distinct_count, 5);
        assert!((fp.percent_null - 0.166667).abs() < 1e-6);
        let TypeStats::Number {
            min,
            max,
            avg,
            q1,
            q3,
            ..
        } = fp.by_type
        else {
            panic!("not numeric");
        };
        assert_eq!((min, max, avg, q1, q3), (1.0, 5.0, 3.0, 2.0, 4.0));
    }

    #[test]
    fn text_fingerprint_recognizes_states_and_emails() {
        let vals = [Sql::Text("CA".into()), Sql::Text("a@b.com".into())];
        let fp = fingerprint(vals.iter(), Family::Text);
        let TypeStats::Text {
            percent_state,
            percent_email,
            average_length,
            ..
        } = fp.by_type
        else {
            panic!("not text");
        };
        assert_eq!(
            (percent_state, percent_email, average_length),
            (0.5, 0.5, 4.5)
        );
    }

    #[test]
    fn state_codes_are_sorted_for_binary_search() {
        assert!(US_STATES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn many_distinct_values_are_not_listed() {
        let vals: Vec<Sql> = (0..100).map(Sql::Integer).collect();
        assert!(list_values(vals.iter()).is_none());
        let few = [
            Sql::Text("b".into()),
            Sql::Text("a".into()),
            Sql::Text("b".into()),
        ];
        assert_eq!(list_values(few.iter()), Some(vec![json!("a"), json!("b")]));
    }
}
