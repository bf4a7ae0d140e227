//! The rule that makes forgetting the tenant hard to write: a tenant table
//! (any table with a `tenant_id` column, read from the migrations) is named in
//! SQL only inside its repositories, whose functions take a tenant scope or a
//! scoped transaction and bind the tenant themselves. Everywhere else in the
//! core, the app and the server, a SQL string literal naming one fails this
//! test. Only string literals that read as SQL are checked, not ordinary
//! words ("people" in a comment or a message is fine). Test code is not
//! checked: tests inspect and tamper with rows as an attacker would.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The repositories: the only files whose SQL may name tenant tables.
const REPOSITORIES: &[&str] = &[
    "src/users.rs",
    "src/keys.rs",
    "src/network.rs",
    "src/alerts/mod.rs",
    // The audit log: appending and the chain, its retention, its views and reports.
    "src/audit/mod.rs",
    "src/audit/append.rs",
    "src/audit/verify.rs",
    "src/audit_chain.rs",
    "src/audit_retention.rs",
    "src/audit_view.rs",
    "src/reports.rs",
    // The people register: people and their index, records and categories,
    // the one-time steps on their sealed values, and their re-index.
    "src/people/register.rs",
    "src/people/listing.rs",
    "src/people/reindex.rs",
    "src/people/records.rs",
    "src/people/corrections.rs",
    "src/people/upgrade.rs",
    "src/people/details_upgrade.rs",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Tables with a `tenant_id` column, as both migration trees create them.
fn tenant_tables() -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    for tree in ["migrations/sqlite", "migrations/postgres"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(tree)).expect("migrations").map(|e| e.expect("entry").path()).collect();
        files.sort();
        for f in files {
            let sql = std::fs::read_to_string(&f).expect("migration");
            let mut current: Option<String> = None;
            for line in sql.lines() {
                let words: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == '(' || c == ',').filter(|w| !w.is_empty()).collect();
                if let [first, second, name, ..] = words.as_slice() {
                    if first.eq_ignore_ascii_case("CREATE") && second.eq_ignore_ascii_case("TABLE") {
                        current = Some((*name).to_owned());
                    }
                }
                if line.trim_start().starts_with(')') {
                    current = None;
                }
                if let Some(t) = &current {
                    if words.first() == Some(&"tenant_id") {
                        tables.insert(t.clone());
                    }
                }
                if let [alter, table, name, add, column, col, ..] = words.as_slice() {
                    if alter.eq_ignore_ascii_case("ALTER")
                        && table.eq_ignore_ascii_case("TABLE")
                        && add.eq_ignore_ascii_case("ADD")
                        && column.eq_ignore_ascii_case("COLUMN")
                        && *col == "tenant_id"
                    {
                        tables.insert((*name).to_owned());
                    }
                }
            }
        }
    }
    tables
}

/// The string literals of Rust source (plain, byte and raw), with their line,
/// skipping comments and character literals.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let line_at = |i: usize| src[..i].bytes().filter(|&c| c == b'\n').count() + 1;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if (rest.starts_with("r\"") || rest.starts_with("r#") || rest.starts_with("br\"") || rest.starts_with("br#"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            let after_r = rest.find('r').map_or(0, |r| r + 1);
            let hashes = rest[after_r..].bytes().take_while(|&c| c == b'#').count();
            if rest.as_bytes().get(after_r + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let start = after_r + hashes + 1;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[start..].find(&close).map_or(rest.len(), |e| start + e);
            out.push((line_at(i), rest[start..end].to_owned()));
            i += end + close.len();
        } else if b[i] == b'\'' {
            // A char literal ('"', '\'', '\\', '𠮷', '\u{..}') or a lifetime.
            let mut chars = rest[1..].chars();
            match chars.next() {
                // The escaped character is ASCII; the literal closes at the next quote after it.
                Some('\\') => i += rest.get(3..).and_then(|r| r.find('\'')).map_or(1, |k| k + 4),
                Some(c) if rest[1 + c.len_utf8()..].starts_with('\'') => i += c.len_utf8() + 2,
                _ => i += 1,
            }
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push((line_at(i), src[i + 1..j.min(b.len())].to_owned()));
            i = j + 1;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(k, _)| {
        let before = text[..k].chars().next_back();
        let after = text[k + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

fn reads_as_sql(text: &str) -> bool {
    ["SELECT", "INSERT", "UPDATE", "DELETE", "FROM", "JOIN", "INTO"].iter().any(|k| has_word(text, k))
}

/// Production source: test modules at the end of a file and test files are left out.
fn production_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("dir").map(|e| e.expect("entry").path()) {
            if e.is_dir() {
                walk(&e, out);
            } else if e.extension().is_some_and(|x| x == "rs") {
                out.push(e);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["src", "app/src", "server/src"] {
        walk(&root().join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name != "tests.rs" && name != "testing.rs" && !name.ends_with("_tests.rs")
        })
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("source");
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(k) => text[..k].to_owned(),
                None => text,
            };
            let rel = p.strip_prefix(root()).expect("under root").to_string_lossy().replace('\\', "/");
            (rel, code)
        })
        .collect()
}

/// Where SQL outside the repositories names a tenant table: `file:line table`.
fn violations() -> Vec<String> {
    let tables = tenant_tables();
    let mut found = Vec::new();
    for (file, code) in production_sources() {
        if REPOSITORIES.contains(&file.as_str()) {
            continue;
        }
        for (line, lit) in string_literals(&code) {
            if !reads_as_sql(&lit) {
                continue;
            }
            for t in &tables {
                if has_word(&lit, t) {
                    found.push(format!("{file}:{line} names {t}"));
                }
            }
        }
    }
    found
}

#[test]
fn the_tenant_tables_are_read_from_the_migrations() {
    let tables = tenant_tables();
    for t in [
        "users",
        "audit_log",
        "alerts",
        "people",
        "people_index",
        "person_records",
        "person_record_changes",
        "record_categories",
        "tenant_keys",
        "tenant_ip_allowlist",
    ] {
        assert!(tables.contains(t), "{t} missing from {tables:?}");
    }
    // Tables without a tenant_id column are not tenant tables.
    for t in ["tenants", "sessions", "login_throttle", "audit_head", "setup_tokens"] {
        assert!(!tables.contains(t), "{t}");
    }
}

#[test]
fn no_tenant_table_is_named_in_sql_outside_its_repositories() {
    let found = violations();
    assert!(found.is_empty(), "tenant tables named in SQL outside the repositories (move the query into one):\n{}", found.join("\n"));
}

#[test]
fn every_repository_exists() {
    for r in REPOSITORIES {
        assert!(root().join(r).is_file(), "{r}");
    }
}

#[test]
fn sql_literals_are_told_from_words_and_comments() {
    let src = r##"
        // SELECT * FROM people  (a comment)
        let a = "SELECT id FROM people WHERE tenant_id = $1";
        let b = "people and users are words here";
        let c = r#"DELETE FROM "users" WHERE x = '"'"#;
        let d = '"'; let e = "INSERT INTO audit_log_x (a) VALUES (1)";
        fn f<'a>(x: &'a str) -> &'a str { x } let g = "UPDATE alerts SET x = 1";
    "##;
    let lits = string_literals(src);
    let sql: Vec<&str> = lits.iter().map(|(_, l)| l.as_str()).filter(|l| reads_as_sql(l)).collect();
    assert_eq!(sql.len(), 4, "{lits:?}");
    assert!(has_word(sql[0], "people"));
    assert!(has_word(sql[1], "users"), "raw strings are read");
    assert!(!has_word(sql[2], "audit_log"), "a longer name is another table");
    assert!(has_word(sql[3], "alerts"), "after a lifetime and a char literal, literals are still found");
}

#[test]
fn char_literals_of_any_width_and_escapes_are_skipped_whole() {
    // A four-byte character in a char literal once sent the scanner into the
    // middle of the character (a panic on a non-boundary slice).
    let src = r#"const V: &[(char, char)] = &[('𠮷', '吉'), ('\'', '\\'), ('\u{20BB7}', 'x')]; let s = "DELETE FROM people";"#;
    let lits = string_literals(src);
    assert_eq!(lits.len(), 1, "{lits:?}");
    assert_eq!(lits[0].1, "DELETE FROM people");
    // Non-ASCII code outside any literal is stepped over by whole characters.
    assert_eq!(string_literals("let 名前 = \"SELECT 1\";").len(), 1);
}

#[test]
fn a_query_added_outside_the_repositories_is_caught() {
    let tables = tenant_tables();
    let added = r#"let rows = sqlx::query("SELECT family_name FROM people").fetch_all(db.pool());"#;
    let named: Vec<String> = string_literals(added)
        .into_iter()
        .filter(|(_, l)| reads_as_sql(l))
        .flat_map(|(_, l)| tables.iter().filter(|t| has_word(&l, t)).cloned().collect::<Vec<_>>())
        .collect();
    assert_eq!(named, ["people"]);
}
