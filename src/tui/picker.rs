//! The chooser the builder's steps use: a filterable list, optionally with a typed value and
//! several marked choices.

use crate::api::types::FieldId;
use crate::query::{AggFunction, FilterOp};
use serde_json::Value;

/// What a picker is choosing, and what was chosen before it.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    FilterField,
    FilterOp {
        field: FieldId,
    },
    FilterValue {
        field: FieldId,
        op: FilterOp,
    },
    AggFunction,
    AggField {
        function: AggFunction,
    },
    GroupField,
    GroupUnit {
        field: FieldId,
    },
    OrderField,
    OrderDir {
        field: FieldId,
    },
    Limit,
    /// Who to act as from now on.
    SwitchUser,
    /// Who to compare the current user with.
    CompareUser,
    /// Which config profile to connect with instead.
    SwitchProfile,
}

/// One choice: what the user reads, and the value it stands for.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub label: String,
    pub detail: String,
    pub value: Value,
}

impl Item {
    pub fn new(label: impl Into<String>, detail: impl Into<String>, value: Value) -> Item {
        Item {
            label: label.into(),
            detail: detail.into(),
            value,
        }
    }
}

/// A visible line of a picker.
#[derive(Clone, Debug, PartialEq)]
pub enum Choice {
    /// Use what was typed.
    Typed(String),
    Item(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Picker {
    pub title: String,
    pub step: Step,
    pub items: Vec<Item>,
    pub input: String,
    /// The typed text is itself a possible answer (values, limit).
    pub free_text: bool,
    /// Several items may be marked (Tab).
    pub multi: bool,
    pub marked: Vec<usize>,
    pub selected: usize,
    /// Items are still being fetched.
    pub loading: bool,
    /// Why the last choice was refused.
    pub problem: Option<String>,
}

impl Picker {
    pub fn new(title: impl Into<String>, step: Step, items: Vec<Item>) -> Picker {
        Picker {
            title: title.into(),
            step,
            items,
            input: String::new(),
            free_text: false,
            multi: false,
            marked: Vec::new(),
            selected: 0,
            loading: false,
            problem: None,
        }
    }

    /// The lines shown: the typed value first (when typing is allowed), then matching items.
    pub fn visible(&self) -> Vec<Choice> {
        let needle = self.input.to_lowercase();
        let mut out = Vec::new();
        if self.free_text && !self.input.trim().is_empty() {
            out.push(Choice::Typed(self.input.trim().to_string()));
        }
        // Best matches first: the whole name, then names starting with the text, then the rest.
        let mut matches: Vec<(u8, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let label = it.label.to_lowercase();
                let rank = if needle.is_empty()
                    || label == needle
                    || label.starts_with(&format!("{needle} "))
                {
                    0
                } else if label.starts_with(&needle) {
                    1
                } else if label.contains(&needle) || it.detail.to_lowercase().contains(&needle) {
                    2
                } else {
                    return None;
                };
                Some((rank, i))
            })
            .collect();
        matches.sort_by_key(|(rank, _)| *rank);
        out.extend(matches.into_iter().map(|(_, i)| Choice::Item(i)));
        out
    }

    pub fn current(&self) -> Option<Choice> {
        self.visible().get(self.selected).cloned()
    }

    pub fn type_char(&mut self, c: char) {
        self.input.push(c);
        self.selected = 0;
        self.problem = None;
    }

    pub fn backspace(&mut self) {
        self.input.pop();
        self.selected = 0;
        self.problem = None;
    }

    pub fn step(&mut self, delta: isize) {
        let len = self.visible().len();
        if len == 0 {
            self.selected = 0;
        } else if delta < 0 {
            self.selected = self.selected.saturating_sub(delta.unsigned_abs());
        } else {
            self.selected = (self.selected + delta as usize).min(len - 1);
        }
    }

    /// Marks or unmarks the selected item (multi pickers).
    pub fn toggle(&mut self) {
        if !self.multi {
            return;
        }
        if let Some(Choice::Item(i)) = self.current() {
            if let Some(pos) = self.marked.iter().position(|m| *m == i) {
                self.marked.remove(pos);
            } else {
                self.marked.push(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typing_filters_and_offers_the_typed_value_first() {
        let items = vec![
            Item::new("150.5", "", json!(150.5)),
            Item::new("20", "", json!(20)),
        ];
        let mut p = Picker::new("value", Step::Limit, items);
        p.free_text = true;
        p.multi = true;
        assert_eq!(p.visible(), vec![Choice::Item(0), Choice::Item(1)]);
        p.type_char('5');
        p.type_char('0');
        assert_eq!(
            p.visible(),
            vec![Choice::Typed("50".into()), Choice::Item(0)]
        );
        p.step(1);
        p.toggle();
        assert_eq!(p.marked, vec![0]);
        p.toggle();
        assert!(p.marked.is_empty());
        p.step(5);
        assert_eq!(p.selected, 1);
        // The whole value first, then values starting with it.
        p.input = "2".into();
        p.items.push(Item::new("2", "", json!(2)));
        assert_eq!(
            p.visible(),
            vec![Choice::Typed("2".into()), Choice::Item(2), Choice::Item(1)]
        );
    }
}
