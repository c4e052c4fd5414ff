//! Connection strings as shown in messages: the password hidden.
//!
//! A PostgreSQL source or output is named by a `PG:` connection string in either of libpq's
//! forms: keywords (`PG:host=db dbname=plan user=u password=secret`, a value possibly quoted,
//! `password = 'a b'`) or a URI (`PG:postgresql://u:secret@db/plan`, also `postgres://`, with
//! a password possibly given as `?password=secret`). Either shows as `***` in its place.

/// Placeholder for a hidden password.
const HIDDEN: &str = "***";

/// `source` with every password replaced by `***`:
/// `PG:dbname=x password=secret` → `PG:dbname=x password=***`,
/// `PG:postgresql://u:secret@db/x` → `PG:postgresql://u:***@db/x`. Anything else is returned
/// unchanged.
pub(crate) fn hide_password(source: &str) -> String {
    let (prefix, rest) = match source.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("PG:") => source.split_at(3),
        _ => ("", source),
    };
    let is_uri = ["postgresql://", "postgres://"].iter().any(|scheme| {
        rest.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    });
    let hidden = if is_uri {
        hide_in_uri(rest)
    } else {
        hide_in_keywords(rest)
    };
    format!("{prefix}{hidden}")
}

/// `postgresql://user:secret@host/db?password=secret&…`: the password of the user information
/// and any `password` parameter hidden.
fn hide_in_uri(uri: &str) -> String {
    let scheme_end = uri.find("://").map_or(0, |i| i + 3);
    let (scheme, after) = uri.split_at(scheme_end);
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, tail) = after.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:{HIDDEN}{host}", &userinfo[..colon]),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.find('?') {
        Some(q) => {
            let (path, query) = tail.split_at(q + 1);
            let query = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}={HIDDEN}")
                    }
                    _ => pair.to_string(),
                })
                .collect::<Vec<_>>()
                .join("&");
            format!("{path}{query}")
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// `host=db password = 'a \' b' user=u`: the value of every `password` keyword hidden, quoted
/// or not, with spaces around `=` or not (libpq's keyword/value syntax).
fn hide_in_keywords(text: &str) -> String {
    const KEY: &str = "password";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let is_key = at_word_start
            && text
                .get(i..i + KEY.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(KEY));
        if !is_key {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        // The keyword, optional spaces, `=`, optional spaces.
        let mut j = i + KEY.len();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j >= bytes.len() || bytes[j] != b'=' {
            out.push_str(&text[i..i + KEY.len()]);
            i += KEY.len();
            continue;
        }
        j += 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        out.push_str(&text[i..j]);
        // The value: quoted (backslash escapes) up to the closing quote, or up to a space.
        if bytes.get(j) == Some(&b'\'') {
            j += 1;
            while j < bytes.len() && bytes[j] != b'\'' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            j = (j + 1).min(bytes.len());
        } else {
            while j < bytes.len() && !bytes[j].is_ascii_whitespace() {
                j += 1;
            }
        }
        out.push_str(HIDDEN);
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::hide_password;

    #[test]
    fn keyword_form_hides_the_password_quoted_or_not() {
        assert_eq!(
            hide_password("PG:dbname=gis user=u password=secret"),
            "PG:dbname=gis user=u password=***"
        );
        assert_eq!(
            hide_password("PG:host=db PASSWORD = 'se cr\\'et' dbname=x"),
            "PG:host=db PASSWORD = *** dbname=x"
        );
        assert_eq!(hide_password("pg:password='x y'"), "pg:password=***");
        // A keyword that only ends in "password" is not the password.
        assert_eq!(
            hide_password("PG:dbname=password user=nopassword=1"),
            "PG:dbname=password user=nopassword=1"
        );
        assert_eq!(hide_password("PG:dbname=gis"), "PG:dbname=gis");
    }

    #[test]
    fn uri_form_hides_the_password_of_the_user_and_of_the_query() {
        assert_eq!(
            hide_password("PG:postgresql://planner:s3cret@db.example:5432/plan"),
            "PG:postgresql://planner:***@db.example:5432/plan"
        );
        assert_eq!(
            hide_password("PG:postgres://u:p%40ss@db/plan?sslmode=require&password=x&a=b"),
            "PG:postgres://u:***@db/plan?sslmode=require&password=***&a=b"
        );
        assert_eq!(
            hide_password("PG:POSTGRESQL://u:a:b@c@db"),
            "PG:POSTGRESQL://u:***@db"
        );
        assert_eq!(
            hide_password("PG:postgresql://u@db/plan"),
            "PG:postgresql://u@db/plan"
        );
        assert_eq!(
            hide_password("PG:postgresql:///plan?host=/run/pg"),
            "PG:postgresql:///plan?host=/run/pg"
        );
        for shown in [
            hide_password("PG:postgresql://u:topsecret@db/plan"),
            hide_password("PG:host=db password=topsecret"),
        ] {
            assert!(!shown.contains("topsecret"), "{shown}");
        }
    }
}
