//! Deterministic sample data shaped like Metabase's Sample Database, plus the small tables of
//! the "Warehouse" database. A seeded PRNG makes every start produce the same rows.

use super::catalog::ids;
use super::stats::US_STATES;
use rusqlite::types::Value as Sql;

/// splitmix64: tiny, fast, good enough for sample data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds → `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso_timestamp(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

fn iso_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// 2022-01-01T00:00:00Z and 2026-05-01T00:00:00Z.
const START: i64 = 1_640_995_200;
const END: i64 = 1_777_593_600;

fn money(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// How a column is stored and described.
#[derive(Clone, Debug)]
pub struct ColSpec {
    pub name: &'static str,
    pub database_type: &'static str,
    pub base_type: &'static str,
    pub semantic_type: Option<&'static str>,
    /// (table, column) of the primary key a foreign key points at.
    pub fk: Option<(&'static str, &'static str)>,
    pub description: Option<&'static str>,
}

pub struct TableSpec {
    pub id: i64,
    pub db_id: i64,
    pub name: String,
    pub sql_name: String,
    pub description: Option<String>,
    pub cols: Vec<ColSpec>,
    pub rows: Vec<Vec<Sql>>,
}

fn col(
    name: &'static str,
    database_type: &'static str,
    base_type: &'static str,
    semantic_type: Option<&'static str>,
) -> ColSpec {
    ColSpec {
        name,
        database_type,
        base_type,
        semantic_type,
        fk: None,
        description: None,
    }
}

fn pk() -> ColSpec {
    ColSpec {
        description: Some("The primary key."),
        ..col("ID", "BIGINT", "type/BigInteger", Some("type/PK"))
    }
}

fn fk(name: &'static str, table: &'static str, description: &'static str) -> ColSpec {
    ColSpec {
        fk: Some((table, "ID")),
        description: Some(description),
        ..col(name, "INTEGER", "type/Integer", Some("type/FK"))
    }
}

fn described(mut c: ColSpec, text: &'static str) -> ColSpec {
    c.description = Some(text);
    c
}

const TS: (&str, &str) = ("TIMESTAMP", "type/DateTime");
const TEXT: (&str, &str) = ("CHARACTER VARYING", "type/Text");
const FLOAT: (&str, &str) = ("DOUBLE PRECISION", "type/Float");
const INT: (&str, &str) = ("INTEGER", "type/Integer");

fn c(name: &'static str, t: (&'static str, &'static str), sem: Option<&'static str>) -> ColSpec {
    col(name, t.0, t.1, sem)
}

const FIRST: [&str; 24] = [
    "Ada", "Ben", "Cleo", "Dan", "Eve", "Finn", "Gia", "Hal", "Ivy", "Jon", "Kai", "Lena", "Mo",
    "Nia", "Oto", "Pia", "Quin", "Rae", "Sol", "Tess", "Uma", "Vic", "Wes", "Zoe",
];
const LAST: [&str; 20] = [
    "Adams", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones", "Kim",
    "Lopez", "Moore", "Nash", "Ortiz", "Patel", "Reed", "Smith", "Turner", "Young",
];
const CITIES: [&str; 20] = [
    "Springfield",
    "Riverside",
    "Franklin",
    "Greenville",
    "Bristol",
    "Clinton",
    "Fairview",
    "Salem",
    "Madison",
    "Georgetown",
    "Arlington",
    "Ashland",
    "Dover",
    "Oxford",
    "Jackson",
    "Burlington",
    "Manchester",
    "Milton",
    "Newport",
    "Auburn",
];
const STREETS: [&str; 10] = [
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Lake", "Hill", "Park", "Main", "River",
];
const SOURCES: [&str; 5] = ["Affiliate", "Facebook", "Google", "Organic", "Twitter"];
const CATEGORIES: [&str; 4] = ["Doohickey", "Gadget", "Gizmo", "Widget"];
const ADJECTIVES: [&str; 12] = [
    "Rustic",
    "Sleek",
    "Small",
    "Ergonomic",
    "Durable",
    "Lightweight",
    "Heavy-Duty",
    "Mediocre",
    "Synergistic",
    "Aerodynamic",
    "Enormous",
    "Practical",
];
const MATERIALS: [&str; 10] = [
    "Paper", "Steel", "Wooden", "Copper", "Leather", "Silk", "Marble", "Granite", "Cotton",
    "Plastic",
];
const NOUNS: [&str; 12] = [
    "Wallet", "Clock", "Lamp", "Bottle", "Bench", "Knife", "Hat", "Chair", "Table", "Shoes",
    "Gloves", "Computer",
];
const VENDORS: [&str; 12] = [
    "Nolan-Wolff",
    "Keely Stehr Group",
    "Upton Inc",
    "Larson and Sons",
    "Herzog Ltd",
    "Balistreri-Ankunding",
    "Murray LLC",
    "Kuhn-Fritsch",
    "Sporer Group",
    "Wehner Inc",
    "Gutmann-Hartmann",
    "Rau Group",
];
const REVIEW_WORDS: [&str; 16] = [
    "great",
    "value",
    "broke",
    "quickly",
    "love",
    "it",
    "would",
    "buy",
    "again",
    "not",
    "worth",
    "the",
    "price",
    "solid",
    "build",
    "disappointing",
];

fn people(rng: &mut Rng) -> TableSpec {
    let mut rows = Vec::with_capacity(2500);
    for id in 1..=2500i64 {
        let first = rng.pick(&FIRST);
        let last = rng.pick(&LAST);
        rows.push(vec![
            Sql::Integer(id),
            Sql::Text(format!(
                "{} {} Street",
                rng.range(10, 9999),
                rng.pick(&STREETS)
            )),
            Sql::Text(format!(
                "{}.{}{id}@example.net",
                first.to_lowercase(),
                last.to_lowercase()
            )),
            Sql::Text(format!("{:016x}", rng.next_u64())),
            Sql::Text(format!("{first} {last}")),
            Sql::Text(rng.pick(&CITIES).to_string()),
            Sql::Real(money(-124.0 + rng.unit() * 57.0)),
            Sql::Text(rng.pick(&US_STATES).to_string()),
            Sql::Text(rng.pick(&SOURCES).to_string()),
            Sql::Text(iso_date(rng.range(-315_619_200, 946_684_800))),
            Sql::Text(format!("{:05}", rng.range(1001, 99950))),
            Sql::Real(money(25.0 + rng.unit() * 23.0)),
            Sql::Text(iso_timestamp(rng.range(START, END))),
        ]);
    }
    TableSpec {
        id: ids::PEOPLE,
        db_id: ids::SAMPLE_DB,
        name: "PEOPLE".into(),
        sql_name: "PEOPLE".into(),
        description: Some("Every person who has signed up, with contact details.".into()),
        cols: vec![
            pk(),
            c("ADDRESS", TEXT, None),
            described(c("EMAIL", TEXT, Some("type/Email")), "The contact email."),
            c("PASSWORD", TEXT, None),
            c("NAME", TEXT, Some("type/Name")),
            c("CITY", TEXT, Some("type/City")),
            c("LONGITUDE", FLOAT, Some("type/Longitude")),
            described(c("STATE", TEXT, Some("type/State")), "US state code."),
            described(
                c("SOURCE", TEXT, Some("type/Source")),
                "Where the person came from.",
            ),
            col("BIRTH_DATE", "DATE", "type/Date", None),
            c("ZIP", TEXT, Some("type/ZipCode")),
            c("LATITUDE", FLOAT, Some("type/Latitude")),
            c("CREATED_AT", TS, Some("type/CreationTimestamp")),
        ],
        rows,
    }
}

fn products(rng: &mut Rng) -> (TableSpec, Vec<f64>) {
    let mut rows = Vec::with_capacity(200);
    let mut prices = Vec::with_capacity(200);
    for id in 1..=200i64 {
        let price = money(15.0 + rng.unit() * 85.0);
        prices.push(price);
        rows.push(vec![
            Sql::Integer(id),
            Sql::Text(format!("{:013}", rng.next_u64() % 10_000_000_000_000)),
            Sql::Text(format!(
                "{} {} {}",
                rng.pick(&ADJECTIVES),
                rng.pick(&MATERIALS),
                rng.pick(&NOUNS)
            )),
            Sql::Text(rng.pick(&CATEGORIES).to_string()),
            Sql::Text(rng.pick(&VENDORS).to_string()),
            Sql::Real(price),
            Sql::Real((rng.range(0, 50) as f64) / 10.0),
            Sql::Text(iso_timestamp(rng.range(START, END - 365 * 86_400))),
        ]);
    }
    let spec = TableSpec {
        id: ids::PRODUCTS,
        db_id: ids::SAMPLE_DB,
        name: "PRODUCTS".into(),
        sql_name: "PRODUCTS".into(),
        description: Some("The products sold, with category, vendor and list price.".into()),
        cols: vec![
            pk(),
            c("EAN", TEXT, None),
            c("TITLE", TEXT, Some("type/Title")),
            described(
                c("CATEGORY", TEXT, Some("type/Category")),
                "The type of product.",
            ),
            c("VENDOR", TEXT, Some("type/Company")),
            described(c("PRICE", FLOAT, None), "The list price."),
            c("RATING", FLOAT, Some("type/Score")),
            c("CREATED_AT", TS, Some("type/CreationTimestamp")),
        ],
        rows,
    };
    (spec, prices)
}

fn orders(rng: &mut Rng, scale: u32, prices: &[f64]) -> TableSpec {
    let n = 10_000 * scale as i64;
    let mut rows = Vec::with_capacity(n as usize);
    for id in 1..=n {
        let product = rng.range(1, prices.len() as i64);
        let quantity = rng.range(1, 8);
        let subtotal = money(prices[(product - 1) as usize] * (1.0 + (quantity - 1) as f64 * 0.1));
        let tax = money(subtotal * (0.04 + rng.unit() * 0.04));
        let discount = if rng.range(0, 9) == 0 {
            Sql::Real(money(1.0 + rng.unit() * 9.0))
        } else {
            Sql::Null
        };
        rows.push(vec![
            Sql::Integer(id),
            Sql::Integer(rng.range(1, 2500)),
            Sql::Integer(product),
            Sql::Real(subtotal),
            Sql::Real(tax),
            Sql::Real(money(subtotal + tax)),
            discount,
            Sql::Text(iso_timestamp(rng.range(START + 120 * 86_400, END))),
            Sql::Integer(quantity),
        ]);
    }
    TableSpec {
        id: ids::ORDERS,
        db_id: ids::SAMPLE_DB,
        name: "ORDERS".into(),
        sql_name: "ORDERS".into(),
        description: Some("All customer orders: what was bought, by whom, for how much.".into()),
        cols: vec![
            pk(),
            fk("USER_ID", "PEOPLE", "The person who placed the order."),
            fk("PRODUCT_ID", "PRODUCTS", "The product ordered."),
            c("SUBTOTAL", FLOAT, None),
            c("TAX", FLOAT, None),
            described(c("TOTAL", FLOAT, None), "Subtotal plus tax."),
            c("DISCOUNT", FLOAT, Some("type/Discount")),
            described(
                c("CREATED_AT", TS, Some("type/CreationTimestamp")),
                "When the order was placed.",
            ),
            c("QUANTITY", INT, Some("type/Quantity")),
        ],
        rows,
    }
}

fn reviews(rng: &mut Rng, scale: u32) -> TableSpec {
    let n = 1_100 * scale as i64;
    let mut rows = Vec::with_capacity(n as usize);
    for id in 1..=n {
        let words: Vec<&str> = (0..rng.range(4, 12))
            .map(|_| rng.pick(&REVIEW_WORDS))
            .collect();
        rows.push(vec![
            Sql::Integer(id),
            Sql::Integer(rng.range(1, 200)),
            Sql::Text(format!(
                "{}_{}",
                rng.pick(&FIRST).to_lowercase(),
                rng.range(1, 999)
            )),
            Sql::Integer(rng.range(1, 5)),
            Sql::Text(words.join(" ")),
            Sql::Text(iso_timestamp(rng.range(START + 200 * 86_400, END))),
        ]);
    }
    TableSpec {
        id: ids::REVIEWS,
        db_id: ids::SAMPLE_DB,
        name: "REVIEWS".into(),
        sql_name: "REVIEWS".into(),
        description: Some("Reviews that people left on products.".into()),
        cols: vec![
            pk(),
            fk("PRODUCT_ID", "PRODUCTS", "The product reviewed."),
            c("REVIEWER", TEXT, None),
            c("RATING", INT, Some("type/Score")),
            c("BODY", TEXT, Some("type/Description")),
            c("CREATED_AT", TS, Some("type/CreationTimestamp")),
        ],
        rows,
    }
}

/// The Warehouse database: many small tables, so that lists really page.
const WAREHOUSE_TABLES: [&str; 32] = [
    "ACCOUNTS",
    "BUDGETS",
    "CAMPAIGNS",
    "CARRIERS",
    "CHANNELS",
    "CONTRACTS",
    "COST_CENTERS",
    "COUPONS",
    "DEPARTMENTS",
    "EMPLOYEES",
    "EVENTS",
    "FORECASTS",
    "INVENTORY",
    "INVOICES",
    "LEADS",
    "LEDGER_ENTRIES",
    "LOCATIONS",
    "PAYMENTS",
    "PAYROLL",
    "PROMOTIONS",
    "REFUNDS",
    "REGIONS",
    "RETURNS",
    "SHIPMENTS",
    "SUBSCRIPTIONS",
    "SUPPLIERS",
    "SUPPORT_TICKETS",
    "TARGETS",
    "TEAMS",
    "TERRITORIES",
    "VISITS",
    "WAREHOUSES",
];

fn warehouse(rng: &mut Rng) -> Vec<TableSpec> {
    WAREHOUSE_TABLES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let rows = (1..=12i64)
                .map(|id| {
                    vec![
                        Sql::Integer(id),
                        Sql::Text(format!(
                            "{} {}",
                            crate::sandbox::catalog::humanize(name),
                            id
                        )),
                        Sql::Real(money(rng.unit() * 10_000.0)),
                        Sql::Text(iso_timestamp(rng.range(START, END))),
                    ]
                })
                .collect();
            TableSpec {
                id: ids::FIRST_WAREHOUSE_TABLE + i as i64,
                db_id: ids::WAREHOUSE_DB,
                name: name.to_string(),
                sql_name: format!("WAREHOUSE_{name}"),
                description: Some(format!(
                    "Warehouse records of {}.",
                    crate::sandbox::catalog::humanize(name).to_lowercase()
                )),
                cols: vec![
                    pk(),
                    c("NAME", TEXT, Some("type/Name")),
                    c("AMOUNT", FLOAT, None),
                    c("RECORDED_AT", TS, Some("type/CreationTimestamp")),
                ],
                rows,
            }
        })
        .collect()
}

/// Every table of the sandbox, with rows. Same output for the same scale, always. One generator
/// runs through the tables in a fixed order: other parts' snapshot tests show these rows.
pub fn world(scale: u32) -> Vec<TableSpec> {
    let mut rng = Rng::new(0x005E_ED0F_4DB0);
    let (products, prices) = products(&mut rng);
    let people = people(&mut rng);
    let orders = orders(&mut rng, scale, &prices);
    let reviews = reviews(&mut rng, scale);
    let mut all = vec![products, orders, people, reviews];
    all.extend(warehouse(&mut rng));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso() {
        assert_eq!(iso_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_timestamp(START), "2022-01-01T00:00:00Z");
        assert_eq!(iso_timestamp(END), "2026-05-01T00:00:00Z");
        assert_eq!(iso_date(-86_400), "1969-12-31");
    }

    #[test]
    fn the_rows_stay_the_ones_other_snapshots_show() {
        // The explorer's snapshot tests print ORDERS.TOTAL's statistics; changing the
        // generator (seed or order of tables) changes them.
        let orders = &world(1)[1];
        let fp = crate::sandbox::stats::fingerprint(
            orders.rows.iter().map(|r| &r[5]),
            crate::sandbox::stats::Family::Number,
        );
        assert_eq!(fp.distinct_count, 7063);
        let crate::sandbox::stats::TypeStats::Number { avg, sd, .. } = fp.by_type else {
            panic!("TOTAL is numeric");
        };
        assert_eq!(
            ((avg * 100.0).round(), (sd * 100.0).round()),
            (8137.0, 3788.0)
        );
    }

    #[test]
    fn the_world_is_deterministic_and_scales_fact_tables() {
        let a = world(1);
        let b = world(1);
        assert_eq!(a[1].rows[17], b[1].rows[17]);
        let c = world(2);
        assert_eq!(c[1].rows.len(), 2 * a[1].rows.len());
        assert_eq!(c[2].rows.len(), a[2].rows.len());
        assert!(a.len() >= 34);
    }
}
