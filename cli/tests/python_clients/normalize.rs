//! What differs between the two fronts' answers without meaning anything: timestamps' form,
//! generated ids and the accounts, made comparable.

/// `value` with its timestamps in one form: the two CLIs print the same instant differently
/// (`…:05.120Z` from plemu, `…:05.120000+00:00` from the aws CLI, which parses it).
pub(super) fn canonical_times(value: &mut serde_json::Value) {
    rewrite_times(value, &|s| {
        let millis = s[19..]
            .strip_prefix('.')
            .map(|f| {
                f.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .unwrap_or_default();
        format!("{}.{:0<3.3}", &s[..19], millis)
    });
}

/// Replaces each timestamp string in `value` (`2026-11-29T10:00:05…`) by `f` of it.
pub(super) fn rewrite_times(value: &mut serde_json::Value, f: &dyn Fn(&str) -> String) {
    match value {
        serde_json::Value::String(s) => {
            let b = s.as_bytes();
            let is_time = b.len() >= 19
                && b[4] == b'-'
                && b[10] == b'T'
                && b[13] == b':'
                && b[..4].iter().all(u8::is_ascii_digit);
            if is_time {
                *s = f(s);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rewrite_times(v, f)),
        serde_json::Value::Object(members) => {
            members.values_mut().for_each(|v| rewrite_times(v, f))
        }
        _ => {}
    }
}

/// `value` with what differs between two builds of the same topology replaced (accounts,
/// times, ids, ARN suffixes, endpoint DNS labels), and lists sorted, since Describe lists in
/// the order of the (random) ids.
pub(super) fn normalized(value: &serde_json::Value, accounts: [&str; 2]) -> String {
    let mut value = value.clone();
    rewrite_times(&mut value, &|_| "TIME".to_string());
    normalize(&mut value, accounts);
    value.to_string()
}

pub(super) fn normalize(value: &mut serde_json::Value, accounts: [&str; 2]) {
    match value {
        serde_json::Value::String(s) => *s = generic(s, accounts),
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| normalize(v, accounts));
            items.sort_by_key(|v| v.to_string());
        }
        serde_json::Value::Object(members) => {
            members.values_mut().for_each(|v| normalize(v, accounts))
        }
        _ => {}
    }
}

/// `s` with accounts named by role, runs of 8 or more hex digits as `#`, and an endpoint DNS
/// name's random label of 8 letters and digits (`vpce-#-0jicr8gc`) as `#`.
pub(super) fn generic(s: &str, accounts: [&str; 2]) -> String {
    let mut s = s.to_string();
    for (account, role) in accounts.iter().zip(["PROVIDER", "CONSUMER"]) {
        s = s.replace(account, role);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(c) = rest.chars().next() {
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex >= 8 {
            out.push('#');
            rest = &rest[hex..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut parts = out.split("vpce-#-");
    let mut labelled = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let label = part.bytes().take_while(u8::is_ascii_alphanumeric).count();
        labelled.push_str("vpce-#-#");
        labelled.push_str(if label == 8 { &part[8..] } else { part });
    }
    labelled
}
