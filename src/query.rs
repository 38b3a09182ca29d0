//! The request vocabulary shared by the client, the explorer and the sandbox: the query a user
//! assembles, in the shape of the Agent API's `POST /v1/construct-query` body
//! (`agent-api.md` §4.6). The sandbox parses bodies itself (it must answer malformed ones with the
//! contract's validation errors) but may reuse these types once a body is known to be well formed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A server's `field_id`, kept exactly as received: `"t42-3"` on E2/E3 servers, an integer on
/// later ones. It is sent back unchanged, so the client never needs to know which.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldId {
    Int(i64),
    Str(String),
}

impl fmt::Display for FieldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldId::Int(i) => write!(f, "{i}"),
            FieldId::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for FieldId {
    fn from(s: &str) -> Self {
        FieldId::Str(s.to_string())
    }
}

impl From<i64> for FieldId {
    fn from(i: i64) -> Self {
        FieldId::Int(i)
    }
}

/// Metabase's datetime bucketing units (`bucket`, `field_granularity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TemporalUnit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    SecondOfMinute,
    MinuteOfHour,
    HourOfDay,
    DayOfWeek,
    DayOfMonth,
    DayOfYear,
    WeekOfYear,
    MonthOfYear,
    QuarterOfYear,
    YearOfEra,
}

impl TemporalUnit {
    pub const ALL: [TemporalUnit; 19] = [
        TemporalUnit::Millisecond,
        TemporalUnit::Second,
        TemporalUnit::Minute,
        TemporalUnit::Hour,
        TemporalUnit::Day,
        TemporalUnit::Week,
        TemporalUnit::Month,
        TemporalUnit::Quarter,
        TemporalUnit::Year,
        TemporalUnit::SecondOfMinute,
        TemporalUnit::MinuteOfHour,
        TemporalUnit::HourOfDay,
        TemporalUnit::DayOfWeek,
        TemporalUnit::DayOfMonth,
        TemporalUnit::DayOfYear,
        TemporalUnit::WeekOfYear,
        TemporalUnit::MonthOfYear,
        TemporalUnit::QuarterOfYear,
        TemporalUnit::YearOfEra,
    ];

    /// The units `group_by.field_granularity` accepts.
    pub const GRANULARITIES: [TemporalUnit; 8] = [
        TemporalUnit::Minute,
        TemporalUnit::Hour,
        TemporalUnit::Day,
        TemporalUnit::Week,
        TemporalUnit::Month,
        TemporalUnit::Quarter,
        TemporalUnit::Year,
        TemporalUnit::DayOfWeek,
    ];

    /// The wire name (`"month"`, `"day-of-week"`).
    pub fn as_str(self) -> &'static str {
        match self {
            TemporalUnit::Millisecond => "millisecond",
            TemporalUnit::Second => "second",
            TemporalUnit::Minute => "minute",
            TemporalUnit::Hour => "hour",
            TemporalUnit::Day => "day",
            TemporalUnit::Week => "week",
            TemporalUnit::Month => "month",
            TemporalUnit::Quarter => "quarter",
            TemporalUnit::Year => "year",
            TemporalUnit::SecondOfMinute => "second-of-minute",
            TemporalUnit::MinuteOfHour => "minute-of-hour",
            TemporalUnit::HourOfDay => "hour-of-day",
            TemporalUnit::DayOfWeek => "day-of-week",
            TemporalUnit::DayOfMonth => "day-of-month",
            TemporalUnit::DayOfYear => "day-of-year",
            TemporalUnit::WeekOfYear => "week-of-year",
            TemporalUnit::MonthOfYear => "month-of-year",
            TemporalUnit::QuarterOfYear => "quarter-of-year",
            TemporalUnit::YearOfEra => "year-of-era",
        }
    }

    pub fn parse(s: &str) -> Option<TemporalUnit> {
        TemporalUnit::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// Extraction units yield a number (day-of-week → 1..7); the others truncate a timestamp.
    pub fn is_extraction(self) -> bool {
        matches!(
            self,
            TemporalUnit::SecondOfMinute
                | TemporalUnit::MinuteOfHour
                | TemporalUnit::HourOfDay
                | TemporalUnit::DayOfWeek
                | TemporalUnit::DayOfMonth
                | TemporalUnit::DayOfYear
                | TemporalUnit::WeekOfYear
                | TemporalUnit::MonthOfYear
                | TemporalUnit::QuarterOfYear
                | TemporalUnit::YearOfEra
        )
    }

    /// The label Metabase appends to a breakout's display name: `Created At: Month`.
    pub fn label(self) -> &'static str {
        match self {
            TemporalUnit::Millisecond => "Millisecond",
            TemporalUnit::Second => "Second",
            TemporalUnit::Minute => "Minute",
            TemporalUnit::Hour => "Hour",
            TemporalUnit::Day => "Day",
            TemporalUnit::Week => "Week",
            TemporalUnit::Month => "Month",
            TemporalUnit::Quarter => "Quarter",
            TemporalUnit::Year => "Year",
            TemporalUnit::SecondOfMinute => "Second of minute",
            TemporalUnit::MinuteOfHour => "Minute of hour",
            TemporalUnit::HourOfDay => "Hour of day",
            TemporalUnit::DayOfWeek => "Day of week",
            TemporalUnit::DayOfMonth => "Day of month",
            TemporalUnit::DayOfYear => "Day of year",
            TemporalUnit::WeekOfYear => "Week of year",
            TemporalUnit::MonthOfYear => "Month of year",
            TemporalUnit::QuarterOfYear => "Quarter of year",
            TemporalUnit::YearOfEra => "Year of era",
        }
    }
}

impl fmt::Display for TemporalUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The simple type the Agent API reports for a field (`type` in §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Boolean,
    Date,
    Datetime,
    Time,
    Number,
    String,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Time => "time",
            FieldType::Number => "number",
            FieldType::String => "string",
        }
    }

    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            FieldType::Date | FieldType::Datetime | FieldType::Time
        )
    }

    /// The simple type of a Metabase base type (`type/Float` → number), for servers whose
    /// field shape carries only `base_type` (E3).
    pub fn from_base_type(base_type: &str) -> Option<FieldType> {
        let t = base_type.strip_prefix("type/").unwrap_or(base_type);
        Some(match t {
            "Boolean" => FieldType::Boolean,
            "Date" => FieldType::Date,
            "Time" | "TimeWithTZ" | "TimeWithLocalTZ" | "TimeWithZoneOffset" => FieldType::Time,
            "DateTime"
            | "DateTimeWithTZ"
            | "DateTimeWithLocalTZ"
            | "DateTimeWithZoneOffset"
            | "Instant" => FieldType::Datetime,
            "Integer" | "BigInteger" | "Float" | "Decimal" | "Number" => FieldType::Number,
            "Text" | "TextLike" | "UUID" => FieldType::String,
            _ => return None,
        })
    }
}

/// Every filter `operation` of the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilterOp {
    IsNull,
    IsNotNull,
    StringIsEmpty,
    StringIsNotEmpty,
    IsTrue,
    IsFalse,
    Equals,
    NotEquals,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
    StringContains,
    StringNotContains,
    StringStartsWith,
    StringEndsWith,
    YearEquals,
    YearNotEquals,
    QuarterEquals,
    QuarterNotEquals,
    MonthEquals,
    MonthNotEquals,
    DayOfWeekEquals,
    DayOfWeekNotEquals,
    HourEquals,
    HourNotEquals,
    MinuteEquals,
    MinuteNotEquals,
    SecondEquals,
    SecondNotEquals,
}

/// How many values an operation takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// `is-null` and friends: no `value`.
    None,
    /// `value` or `values` (several values mean OR for equals, NONE for not-equals).
    OneOrMany,
    /// exactly one `value` (ordering comparisons, string contains/starts/ends with).
    One,
}

impl FilterOp {
    pub const ALL: [FilterOp; 30] = [
        FilterOp::IsNull,
        FilterOp::IsNotNull,
        FilterOp::StringIsEmpty,
        FilterOp::StringIsNotEmpty,
        FilterOp::IsTrue,
        FilterOp::IsFalse,
        FilterOp::Equals,
        FilterOp::NotEquals,
        FilterOp::GreaterThan,
        FilterOp::GreaterThanOrEqual,
        FilterOp::LessThan,
        FilterOp::LessThanOrEqual,
        FilterOp::StringContains,
        FilterOp::StringNotContains,
        FilterOp::StringStartsWith,
        FilterOp::StringEndsWith,
        FilterOp::YearEquals,
        FilterOp::YearNotEquals,
        FilterOp::QuarterEquals,
        FilterOp::QuarterNotEquals,
        FilterOp::MonthEquals,
        FilterOp::MonthNotEquals,
        FilterOp::DayOfWeekEquals,
        FilterOp::DayOfWeekNotEquals,
        FilterOp::HourEquals,
        FilterOp::HourNotEquals,
        FilterOp::MinuteEquals,
        FilterOp::MinuteNotEquals,
        FilterOp::SecondEquals,
        FilterOp::SecondNotEquals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilterOp::IsNull => "is-null",
            FilterOp::IsNotNull => "is-not-null",
            FilterOp::StringIsEmpty => "string-is-empty",
            FilterOp::StringIsNotEmpty => "string-is-not-empty",
            FilterOp::IsTrue => "is-true",
            FilterOp::IsFalse => "is-false",
            FilterOp::Equals => "equals",
            FilterOp::NotEquals => "not-equals",
            FilterOp::GreaterThan => "greater-than",
            FilterOp::GreaterThanOrEqual => "greater-than-or-equal",
            FilterOp::LessThan => "less-than",
            FilterOp::LessThanOrEqual => "less-than-or-equal",
            FilterOp::StringContains => "string-contains",
            FilterOp::StringNotContains => "string-not-contains",
            FilterOp::StringStartsWith => "string-starts-with",
            FilterOp::StringEndsWith => "string-ends-with",
            FilterOp::YearEquals => "year-equals",
            FilterOp::YearNotEquals => "year-not-equals",
            FilterOp::QuarterEquals => "quarter-equals",
            FilterOp::QuarterNotEquals => "quarter-not-equals",
            FilterOp::MonthEquals => "month-equals",
            FilterOp::MonthNotEquals => "month-not-equals",
            FilterOp::DayOfWeekEquals => "day-of-week-equals",
            FilterOp::DayOfWeekNotEquals => "day-of-week-not-equals",
            FilterOp::HourEquals => "hour-equals",
            FilterOp::HourNotEquals => "hour-not-equals",
            FilterOp::MinuteEquals => "minute-equals",
            FilterOp::MinuteNotEquals => "minute-not-equals",
            FilterOp::SecondEquals => "second-equals",
            FilterOp::SecondNotEquals => "second-not-equals",
        }
    }

    pub fn parse(s: &str) -> Option<FilterOp> {
        FilterOp::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn arity(self) -> Arity {
        use FilterOp::*;
        match self {
            IsNull | IsNotNull | StringIsEmpty | StringIsNotEmpty | IsTrue | IsFalse => Arity::None,
            GreaterThan | GreaterThanOrEqual | LessThan | LessThanOrEqual => Arity::One,
            StringContains | StringNotContains | StringStartsWith | StringEndsWith => {
                Arity::OneOrMany
            }
            _ => Arity::OneOrMany,
        }
    }

    /// Temporal extraction operations compare an extracted integer (`year-equals 2024`).
    pub fn is_extraction(self) -> bool {
        use FilterOp::*;
        matches!(
            self,
            YearEquals
                | YearNotEquals
                | QuarterEquals
                | QuarterNotEquals
                | MonthEquals
                | MonthNotEquals
                | DayOfWeekEquals
                | DayOfWeekNotEquals
                | HourEquals
                | HourNotEquals
                | MinuteEquals
                | MinuteNotEquals
                | SecondEquals
                | SecondNotEquals
        )
    }

    /// The operations the contract allows on a field of this type (§4.6 filter schemas).
    pub fn for_type(t: Option<FieldType>) -> Vec<FilterOp> {
        use FilterOp::*;
        let mut ops = vec![IsNull, IsNotNull];
        match t {
            Some(FieldType::String) => ops.extend([
                Equals,
                NotEquals,
                StringContains,
                StringNotContains,
                StringStartsWith,
                StringEndsWith,
                StringIsEmpty,
                StringIsNotEmpty,
            ]),
            Some(FieldType::Number) => ops.extend([
                Equals,
                NotEquals,
                GreaterThan,
                GreaterThanOrEqual,
                LessThan,
                LessThanOrEqual,
            ]),
            Some(FieldType::Boolean) => ops.extend([IsTrue, IsFalse]),
            Some(FieldType::Date | FieldType::Datetime | FieldType::Time) => {
                ops.extend([
                    Equals,
                    NotEquals,
                    GreaterThan,
                    GreaterThanOrEqual,
                    LessThan,
                    LessThanOrEqual,
                ]);
                ops.extend(FilterOp::ALL.into_iter().filter(|o| o.is_extraction()));
            }
            None => ops.extend([Equals, NotEquals]),
        }
        ops
    }
}

impl fmt::Display for FilterOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AggFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    CountDistinct,
}

impl AggFunction {
    pub const ALL: [AggFunction; 6] = [
        AggFunction::Count,
        AggFunction::Sum,
        AggFunction::Avg,
        AggFunction::Min,
        AggFunction::Max,
        AggFunction::CountDistinct,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AggFunction::Count => "count",
            AggFunction::Sum => "sum",
            AggFunction::Avg => "avg",
            AggFunction::Min => "min",
            AggFunction::Max => "max",
            AggFunction::CountDistinct => "count-distinct",
        }
    }

    pub fn parse(s: &str) -> Option<AggFunction> {
        AggFunction::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// `count` takes no field; every other function needs one.
    pub fn needs_field(self) -> bool {
        self != AggFunction::Count
    }
}

/// A filter: a segment, or an operation on a field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Filter {
    Segment {
        segment_id: i64,
    },
    Field {
        field_id: FieldId,
        operation: FilterOp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        values: Option<Vec<Value>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bucket: Option<TemporalUnit>,
    },
}

/// An aggregation: a measure, or a function over a field (`count` needs none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Aggregation {
    Measure {
        measure_id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sort_order: Option<SortDir>,
    },
    Function {
        function: AggFunction,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field_id: Option<FieldId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bucket: Option<TemporalUnit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sort_order: Option<SortDir>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupBy {
    pub field_id: FieldId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_granularity: Option<TemporalUnit>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldRef {
    pub field_id: FieldId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<TemporalUnit>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderBy {
    pub field: FieldRef,
    pub direction: SortDir,
}

/// What a query reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    Table(i64),
    Metric(i64),
}

/// The query a user assembles: the body of `POST /v1/construct-query` (and `/v1/query`).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryRequest {
    pub source: Source,
    pub filters: Vec<Filter>,
    pub fields: Vec<FieldRef>,
    pub aggregations: Vec<Aggregation>,
    pub group_by: Vec<GroupBy>,
    pub order_by: Vec<OrderBy>,
    pub limit: Option<u64>,
}

/// Why a query cannot be sent, said before any request is made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryProblem {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("the body must name table_id or metric_id (a positive integer)")]
    NoSource,
    #[error("`{0}` must be a positive integer")]
    NotPositive(&'static str),
    #[error("a metric query takes only filters and group_by; remove `{0}`")]
    MetricOnlyFiltersAndGroupBy(&'static str),
    #[error("filter {index}: {reason}")]
    Filter { index: usize, reason: String },
    #[error("aggregation {index}: {reason}")]
    Aggregation { index: usize, reason: String },
    #[error("`{key}` entry {index} is malformed: {reason}")]
    Malformed {
        key: &'static str,
        index: usize,
        reason: String,
    },
}

impl QueryRequest {
    pub fn table(id: i64) -> Self {
        Self::new(Source::Table(id))
    }

    pub fn metric(id: i64) -> Self {
        Self::new(Source::Metric(id))
    }

    pub fn new(source: Source) -> Self {
        QueryRequest {
            source,
            filters: Vec::new(),
            fields: Vec::new(),
            aggregations: Vec::new(),
            group_by: Vec::new(),
            order_by: Vec::new(),
            limit: None,
        }
    }

    /// True when nothing but the source is set: running it is a preview.
    pub fn is_bare(&self) -> bool {
        self.filters.is_empty()
            && self.fields.is_empty()
            && self.aggregations.is_empty()
            && self.group_by.is_empty()
            && self.order_by.is_empty()
            && self.limit.is_none()
    }

    /// The JSON body of `POST /v1/construct-query`; empty lists are left out.
    pub fn to_body(&self) -> Value {
        let mut m = Map::new();
        match self.source {
            Source::Table(id) => m.insert("table_id".into(), Value::from(id)),
            Source::Metric(id) => m.insert("metric_id".into(), Value::from(id)),
        };
        fn put<T: Serialize>(m: &mut Map<String, Value>, key: &str, items: &[T]) {
            if !items.is_empty() {
                let v = serde_json::to_value(items).unwrap_or(Value::Null);
                m.insert(key.into(), v);
            }
        }
        put(&mut m, "filters", &self.filters);
        put(&mut m, "fields", &self.fields);
        put(&mut m, "aggregations", &self.aggregations);
        put(&mut m, "group_by", &self.group_by);
        put(&mut m, "order_by", &self.order_by);
        if let Some(limit) = self.limit {
            m.insert("limit".into(), Value::from(limit));
        }
        Value::Object(m)
    }

    /// Reads a construct-query body (the raw JSON editor, `mbx query --body`), then checks it.
    pub fn from_json(text: &str) -> Result<Self, QueryProblem> {
        let v: Value = serde_json::from_str(text).map_err(|e| QueryProblem::Json(e.to_string()))?;
        Self::from_body(&v)
    }

    pub fn from_body(v: &Value) -> Result<Self, QueryProblem> {
        let obj = v
            .as_object()
            .ok_or_else(|| QueryProblem::Json("the body must be a JSON object".into()))?;
        let positive = |key: &'static str| -> Result<Option<i64>, QueryProblem> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => match v.as_i64() {
                    Some(i) if i > 0 => Ok(Some(i)),
                    _ => Err(QueryProblem::NotPositive(key)),
                },
            }
        };
        let source = match (positive("table_id")?, positive("metric_id")?) {
            (Some(t), _) => Source::Table(t),
            (None, Some(m)) => Source::Metric(m),
            (None, None) => return Err(QueryProblem::NoSource),
        };
        fn list<T: serde::de::DeserializeOwned>(
            obj: &Map<String, Value>,
            key: &'static str,
        ) -> Result<Vec<T>, QueryProblem> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        serde_json::from_value(item.clone()).map_err(|e| QueryProblem::Malformed {
                            key,
                            index,
                            reason: e.to_string(),
                        })
                    })
                    .collect(),
                Some(_) => Err(QueryProblem::Malformed {
                    key,
                    index: 0,
                    reason: "expected a list".into(),
                }),
            }
        }
        let limit = match obj.get("limit") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 => Some(n),
                _ => return Err(QueryProblem::NotPositive("limit")),
            },
        };
        let q = QueryRequest {
            source,
            filters: list(obj, "filters")?,
            fields: list(obj, "fields")?,
            aggregations: list(obj, "aggregations")?,
            group_by: list(obj, "group_by")?,
            order_by: list(obj, "order_by")?,
            limit,
        };
        q.validate()?;
        Ok(q)
    }

    /// Refuses what the contract's schemas refuse, with a reason a person can act on.
    pub fn validate(&self) -> Result<(), QueryProblem> {
        if let Source::Metric(_) = self.source {
            if !self.fields.is_empty() {
                return Err(QueryProblem::MetricOnlyFiltersAndGroupBy("fields"));
            }
            if !self.aggregations.is_empty() {
                return Err(QueryProblem::MetricOnlyFiltersAndGroupBy("aggregations"));
            }
            if !self.order_by.is_empty() {
                return Err(QueryProblem::MetricOnlyFiltersAndGroupBy("order_by"));
            }
            if self.limit.is_some() {
                return Err(QueryProblem::MetricOnlyFiltersAndGroupBy("limit"));
            }
        }
        for (index, f) in self.filters.iter().enumerate() {
            check_filter(f).map_err(|reason| QueryProblem::Filter { index, reason })?;
        }
        for (index, a) in self.aggregations.iter().enumerate() {
            if let Aggregation::Function {
                function, field_id, ..
            } = a
                && function.needs_field()
                && field_id.is_none()
            {
                return Err(QueryProblem::Aggregation {
                    index,
                    reason: format!("`{}` needs a field_id", function.as_str()),
                });
            }
        }
        Ok(())
    }
}

fn check_filter(f: &Filter) -> Result<(), String> {
    let Filter::Field {
        operation,
        value,
        values,
        ..
    } = f
    else {
        return Ok(());
    };
    let op = *operation;
    let given = match (value, values) {
        (Some(_), Some(_)) => return Err("give either `value` or `values`, not both".into()),
        (Some(v), None) => vec![v],
        (None, Some(vs)) => vs.iter().collect(),
        (None, None) => Vec::new(),
    };
    match op.arity() {
        Arity::None if !given.is_empty() || values.is_some() => {
            Err(format!("`{op}` takes no value"))
        }
        Arity::None => Ok(()),
        _ if given.is_empty() => Err(format!("`{op}` needs a value")),
        Arity::One if values.is_some() => Err(format!("`{op}` takes one `value`, not `values`")),
        _ => {
            for v in given {
                let ok = if op.is_extraction() {
                    v.is_i64() || v.is_u64()
                } else {
                    v.is_string() || v.is_number()
                };
                if !ok {
                    return Err(format!("`{op}` cannot compare with {v}"));
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_round_trips_and_omits_empty_lists() {
        let mut q = QueryRequest::table(42);
        q.filters.push(Filter::Field {
            field_id: "t42-5".into(),
            operation: FilterOp::GreaterThan,
            value: Some(json!(50)),
            values: None,
            bucket: None,
        });
        q.aggregations.push(Aggregation::Function {
            function: AggFunction::Count,
            field_id: None,
            bucket: None,
            sort_order: None,
        });
        q.group_by.push(GroupBy {
            field_id: FieldId::Int(305),
            field_granularity: Some(TemporalUnit::Month),
        });
        let body = q.to_body();
        assert_eq!(
            body,
            json!({"table_id": 42,
                   "filters": [{"field_id": "t42-5", "operation": "greater-than", "value": 50}],
                   "aggregations": [{"function": "count"}],
                   "group_by": [{"field_id": 305, "field_granularity": "month"}]})
        );
        assert_eq!(QueryRequest::from_body(&body), Ok(q));
    }

    #[test]
    fn refuses_impossible_combinations_with_a_reason() {
        let bad = [
            (r#"{"limit": 3}"#, QueryProblem::NoSource),
            (r#"{"table_id": 0}"#, QueryProblem::NotPositive("table_id")),
            (
                r#"{"metric_id": 1, "limit": 5}"#,
                QueryProblem::MetricOnlyFiltersAndGroupBy("limit"),
            ),
        ];
        for (text, want) in bad {
            assert_eq!(QueryRequest::from_json(text), Err(want), "{text}");
        }
        let no_value = QueryRequest::from_json(
            r#"{"table_id":1,"filters":[{"field_id":"t1-0","operation":"equals"}]}"#,
        );
        assert!(matches!(
            no_value,
            Err(QueryProblem::Filter { index: 0, .. })
        ));
        let sum_without_field =
            QueryRequest::from_json(r#"{"table_id":1,"aggregations":[{"function":"sum"}]}"#);
        assert!(matches!(
            sum_without_field,
            Err(QueryProblem::Aggregation { index: 0, .. })
        ));
        assert!(matches!(
            QueryRequest::from_json("{"),
            Err(QueryProblem::Json(_))
        ));
    }

    #[test]
    fn base_types_map_to_simple_types() {
        assert_eq!(
            FieldType::from_base_type("type/Float"),
            Some(FieldType::Number)
        );
        assert_eq!(
            FieldType::from_base_type("type/BigInteger"),
            Some(FieldType::Number)
        );
        assert_eq!(
            FieldType::from_base_type("type/Text"),
            Some(FieldType::String)
        );
        assert_eq!(
            FieldType::from_base_type("type/DateTime"),
            Some(FieldType::Datetime)
        );
        assert_eq!(
            FieldType::from_base_type("type/Date"),
            Some(FieldType::Date)
        );
        assert_eq!(
            FieldType::from_base_type("type/Boolean"),
            Some(FieldType::Boolean)
        );
        assert_eq!(FieldType::from_base_type("type/Structured"), None);
    }

    #[test]
    fn wire_names_parse_back() {
        for u in TemporalUnit::ALL {
            assert_eq!(TemporalUnit::parse(u.as_str()), Some(u));
            assert_eq!(serde_json::to_value(u).ok(), Some(json!(u.as_str())));
        }
        for o in FilterOp::ALL {
            assert_eq!(FilterOp::parse(o.as_str()), Some(o));
            assert_eq!(serde_json::to_value(o).ok(), Some(json!(o.as_str())));
        }
    }
}
