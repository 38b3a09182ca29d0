//! Metabase's 21-character entity ids (the NanoID alphabet), made deterministic so that the
//! same catalog entry has the same portable id on every start.

const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";

/// The portable entity id of a catalog entry, e.g. `portable_id("metric", 101)`.
pub fn portable_id(kind: &str, id: i64) -> String {
    let seed = format!("mbx-sandbox {kind} {id}");
    let bits = uuid::Uuid::new_v3(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).as_u128();
    (0..21)
        .map(|i| ALPHABET[((bits >> (i * 6)) & 63) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_21_chars_stable_and_distinct() {
        let a = portable_id("metric", 101);
        assert_eq!(a.len(), 21);
        assert_eq!(a, portable_id("metric", 101));
        assert_ne!(a, portable_id("metric", 102));
        assert_ne!(a, portable_id("measure", 101));
        assert!(a.bytes().all(|b| ALPHABET.contains(&b)));
    }
}
