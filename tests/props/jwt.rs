//! The sandbox's JWT verifier: random headers, claims, algorithms, signatures and times never
//! panic; only an HS256 signature made with the secret, with valid times, is accepted.

use crate::common::runner;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey};
use mbx::sandbox::verify_jwt;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const SECRET: &str = "jwt-prop-secret-0123456789abcdef";
const NOW: i64 = 1_800_000_000;

#[derive(Clone, Debug)]
enum Sig {
    /// HMAC with the real secret under this algorithm.
    Hmac(Algorithm),
    /// HS256 with another secret.
    WrongSecret(String),
    /// Random bytes of an RS256 signature's length, or any length.
    Bytes(Vec<u8>),
    Empty,
}

/// A time claim: absent, null, a number around NOW, or a value of the wrong type.
fn time_claim() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(Value::Null)),
        6 => (-400i64..400).prop_map(|d| Some(json!(NOW + d))),
        1 => (-400.0f64..400.0).prop_map(|d| Some(json!(NOW as f64 + d))),
        1 => any::<i64>().prop_map(|t| Some(json!(t))),
        1 => prop_oneof![
            Just(json!("1800000000")),
            Just(json!(true)),
            Just(json!([NOW])),
            Just(json!({"t": NOW})),
        ].prop_map(Some),
    ]
}

fn alg() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => Just(json!("HS256")),
        1 => Just(json!("hs256")),
        1 => Just(json!("none")),
        1 => Just(json!("None")),
        1 => Just(json!("HS384")),
        1 => Just(json!("HS512")),
        1 => Just(json!("RS256")),
        1 => Just(json!("ES256")),
        1 => Just(json!("")),
        1 => Just(Value::Null),
        1 => Just(json!(256)),
        1 => "[A-Za-z0-9]{0,8}".prop_map(Value::from),
    ]
}

fn sig() -> impl Strategy<Value = Sig> {
    prop_oneof![
        6 => Just(Sig::Hmac(Algorithm::HS256)),
        1 => Just(Sig::Hmac(Algorithm::HS384)),
        1 => Just(Sig::Hmac(Algorithm::HS512)),
        1 => ".{0,40}".prop_map(Sig::WrongSecret),
        1 => prop::collection::vec(any::<u8>(), 256..=256).prop_map(Sig::Bytes),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(Sig::Bytes),
        1 => Just(Sig::Empty),
    ]
}

#[derive(Clone, Debug)]
struct Case {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    sig: Sig,
    max_age: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        alg(),
        prop::option::of(prop_oneof![
            Just(json!("JWT")),
            ".{0,6}".prop_map(Value::from)
        ]),
        time_claim(),
        time_claim(),
        time_claim(),
        prop::option::of(".{0,20}".prop_map(Value::from)),
        sig(),
        0u64..600,
    )
        .prop_map(|(alg, typ, iat, exp, nbf, email, sig, max_age)| {
            let mut header = Map::new();
            header.insert("alg".into(), alg);
            if let Some(t) = typ {
                header.insert("typ".into(), t);
            }
            let mut claims = Map::new();
            for (k, v) in [("iat", iat), ("exp", exp), ("nbf", nbf), ("email", email)] {
                if let Some(v) = v {
                    claims.insert(k.into(), v);
                }
            }
            Case {
                header,
                claims,
                sig,
                max_age,
            }
        })
}

fn encode(case: &Case) -> String {
    let head = B64.encode(serde_json::to_vec(&case.header).expect("json"));
    let body = B64.encode(serde_json::to_vec(&case.claims).expect("json"));
    let message = format!("{head}.{body}");
    let hmac = |secret: &str, alg: Algorithm| {
        let key = EncodingKey::from_secret(secret.as_bytes()).expect("key");
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, alg).expect("sign")
    };
    let sig = match &case.sig {
        Sig::Hmac(alg) => hmac(SECRET, *alg),
        // An empty key cannot sign; that case is covered by the others.
        Sig::WrongSecret(s) if s.is_empty() || s == SECRET => hmac("another", Algorithm::HS256),
        Sig::WrongSecret(s) => hmac(s, Algorithm::HS256),
        Sig::Bytes(b) => B64.encode(b),
        Sig::Empty => String::new(),
    };
    format!("{message}.{sig}")
}

/// What the contract says, computed independently of the verifier.
fn should_accept(case: &Case) -> bool {
    let alg_ok = case.header.get("alg").and_then(Value::as_str) == Some("HS256")
        || case.header.get("alg").and_then(Value::as_str) == Some("hs256");
    let sig_ok = matches!(case.sig, Sig::Hmac(Algorithm::HS256));
    let now = NOW as f64;
    let time = |name: &str, ok: &dyn Fn(f64) -> bool| match case.claims.get(name) {
        None | Some(Value::Null) => true,
        Some(v) => v.as_f64().is_some_and(ok),
    };
    alg_ok
        && sig_ok
        && time("exp", &|exp| exp > now)
        && time("nbf", &|nbf| nbf <= now)
        && time("iat", &|iat| now - iat <= case.max_age as f64)
}

#[test]
fn only_a_valid_hs256_token_signed_with_the_secret_is_accepted() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    runner()
        .run(&case(), |case| {
            let token = encode(&case);
            let got = verify_jwt(&token, SECRET, case.max_age, NOW);
            prop_assert_eq!(got.is_ok(), should_accept(&case), "{:?} → {:?}", case, got);
            match got {
                // Compared with the same bytes parsed again: serde_json's float parsing may
                // differ from the generated f64 in the last place.
                Ok(claims) => {
                    let sent: Map<String, Value> =
                        serde_json::from_slice(&serde_json::to_vec(&case.claims).expect("json"))
                            .expect("claims");
                    prop_assert_eq!(claims, sent)
                }
                Err(message) => {
                    prop_assert!(!message.is_empty() && !message.contains('\n'));
                    prop_assert!(!message.contains(SECRET));
                }
            }
            Ok(())
        })
        .expect("property holds");
}

#[test]
fn forbidden_algorithms_are_refused_even_when_signed_with_the_secret() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let claims = json!({"email": "admin@example.com", "iat": NOW});
    for alg in ["none", "HS384", "HS512", "RS256", "ES256"] {
        // The classic confusions: the secret used as an HMAC key under any other header alg.
        for signer in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let case = Case {
                header: [("alg".to_string(), json!(alg))].into_iter().collect(),
                claims: claims.as_object().cloned().unwrap_or_default(),
                sig: Sig::Hmac(signer),
                max_age: 180,
            };
            let token = encode(&case);
            assert!(
                verify_jwt(&token, SECRET, 180, NOW).is_err(),
                "{alg}/{signer:?} accepted"
            );
        }
        let unsigned = format!(
            "{}.{}.",
            B64.encode(format!(r#"{{"alg":"{alg}"}}"#)),
            B64.encode(claims.to_string())
        );
        assert!(
            verify_jwt(&unsigned, SECRET, 180, NOW).is_err(),
            "{alg} unsigned accepted"
        );
    }
    let good = Case {
        header: [("alg".to_string(), json!("HS256"))].into_iter().collect(),
        claims: claims.as_object().cloned().unwrap_or_default(),
        sig: Sig::Hmac(Algorithm::HS256),
        max_age: 180,
    };
    assert!(verify_jwt(&encode(&good), SECRET, 180, NOW).is_ok());
}

proptest! {
    #[test]
    fn any_string_is_answered_without_a_panic(token in ".{0,300}", secret in ".{0,40}", now in any::<i64>(), max_age in any::<u64>()) {
        let _ = verify_jwt(&token, &secret, max_age, now);
    }

    #[test]
    fn dotted_base64_garbage_is_refused(parts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..6)) {
        let token = parts.iter().map(|p| B64.encode(p)).collect::<Vec<_>>().join(".");
        prop_assert!(verify_jwt(&token, SECRET, 180, NOW).is_err());
    }
}
