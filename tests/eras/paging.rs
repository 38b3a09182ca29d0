//! Pages: query results past 200 rows (continuation tokens on E3 and RR, handles on latest) and
//! read-resource lists of 25 followed to their end.

use crate::common::*;
use mbx::api::types::*;
use mbx::query::QueryRequest;
use mbx::sandbox::Profile;

async fn two_pages(profile: Profile, era: Option<ApiEra>) -> (Vec<String>, PageCursor) {
    let sb = start(profile).await;
    let c = client(&sb.url(), "analyst@example.com", era);
    let orders = find(&c, ItemKind::Table, "ORDERS").await;
    let first = c
        .run_query(&QueryRequest::table(orders))
        .await
        .expect("first page");
    assert_eq!(first.result.rows.len(), 200, "{profile:?}");
    let cursor = first.next.clone().expect("a next page");
    let second = c.next_page(&cursor).await.expect("second page");
    assert_eq!(second.result.rows.len(), 200, "{profile:?}");
    assert_eq!(second.columns(), first.columns());
    let rows: Vec<String> = first
        .result
        .rows
        .iter()
        .chain(second.result.rows.iter())
        .map(|r| format!("{r:?}"))
        .collect();
    let distinct: std::collections::HashSet<&String> = rows.iter().collect();
    assert_eq!(distinct.len(), 400, "{profile:?}: pages overlap");
    sb.shutdown().await;
    (rows, cursor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_page_past_200_rows_alike() {
    let (e3, e3_cursor) = two_pages(Profile::E3, None).await;
    assert!(matches!(e3_cursor, PageCursor::Continuation(_)));
    let (latest, cursor) = two_pages(Profile::Latest, None).await;
    assert!(
        matches!(cursor, PageCursor::Handle { offset: 200, .. }),
        "{cursor:?}"
    );
    let (rr, rr_cursor) = two_pages(Profile::Latest, Some(ApiEra::Rr)).await;
    assert!(matches!(rr_cursor, PageCursor::Continuation(_)));
    assert_eq!(latest, e3);
    assert_eq!(rr, e3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_lists_follow_every_page() {
    let mut seen = Vec::new();
    for profile in [Profile::E3, Profile::Latest] {
        let sb = start(profile).await;
        let c = client(&sb.url(), "admin@example.com", None);
        let mut dbs = c.databases().await.expect("databases");
        dbs.sort_by(|a, b| a.name.cmp(&b.name));
        let mut listing = Vec::new();
        for db in &dbs {
            let d = c.database(db.id).await.expect("database");
            let mut names: Vec<String> = d.tables.iter().map(|t| t.name.clone()).collect();
            names.sort();
            listing.push((d.database.name.clone(), names));
        }
        assert!(
            listing.iter().any(|(_, t)| t.len() > 25),
            "{profile:?}: no list long enough to page: {listing:?}"
        );
        seen.push(listing);
        sb.shutdown().await;
    }
    assert_eq!(seen[0], seen[1]);
}
