//! The URL token: generation, verification, storage, and that its text never leaks.

use rta_odigo::{Token, TokenError, TokenHash, TokenStore};
use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The single file of the store's directory.
fn only_file(dir: &Path) -> std::path::PathBuf {
    let files: Vec<_> = fs::read_dir(dir.join("odigo-tokens"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

/// Asserts that neither `Debug` nor `Display` of `value` shows `token`.
fn assert_hidden<T: std::fmt::Debug + std::fmt::Display>(value: &T, token: &str) {
    let debug = format!("{value:?}");
    let display = format!("{value}");
    assert!(!debug.contains(token), "Debug shows the token: {debug}");
    assert!(
        !display.contains(token),
        "Display shows the token: {display}"
    );
}

#[test]
fn tokens_are_43_url_safe_characters_and_all_different() {
    let mut seen = HashSet::new();
    for _ in 0..10_000 {
        let token = Token::generate().unwrap();
        let text = token.expose();
        assert_eq!(text.len(), 43, "{text}");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{text}"
        );
        assert!(seen.insert(text.to_owned()), "a token came out twice");
    }
}

#[test]
fn a_hash_verifies_its_token_only() {
    let token = Token::generate().unwrap();
    let hash = token.hash();
    let text = token.expose().as_bytes();
    assert!(hash.verifies(text));
    assert_eq!(hash, token.hash(), "hashing is deterministic");

    assert!(!hash.verifies(b""));
    assert!(!hash.verifies(&text[..42]), "one character short");
    assert!(!hash.verifies(&[text, b"A"].concat()), "one character more");
    for at in [0, 21, 42] {
        let mut changed = text.to_vec();
        changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
        assert!(!hash.verifies(&changed), "character {at} changed");
    }
    let other = Token::generate().unwrap();
    assert!(!hash.verifies(other.expose().as_bytes()));
    assert_ne!(hash, other.hash());
}

#[test]
fn hashes_round_trip_through_hex() {
    let hash = Token::generate().unwrap().hash();
    let hex = hash.to_hex();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(TokenHash::from_hex(&hex).unwrap(), hash);
    assert_eq!(
        TokenHash::from_hex(&hex.to_ascii_uppercase()).unwrap(),
        hash
    );
    for bad in [
        "",
        &hex[..63],
        &format!("{hex}0"),
        &hex.replacen(&hex[..1], "g", 1),
    ] {
        assert!(
            matches!(TokenHash::from_hex(bad), Err(TokenError::BadHash)),
            "{bad:?}"
        );
    }
    // Not a char boundary trap: a multi-byte character where a digit pair should be.
    let accented = format!("é{}", &hex[2..]);
    assert!(matches!(
        TokenHash::from_hex(&accented),
        Err(TokenError::BadHash)
    ));
}

#[test]
fn the_store_keeps_the_hash_with_private_modes() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    assert!(store.load("odigo-paris").unwrap().is_none());

    let token = store.rotate("odigo-paris").unwrap();
    let hash = store.load("odigo-paris").unwrap().unwrap();
    assert!(hash.verifies(token.expose().as_bytes()));

    assert_eq!(mode(&dir.path().join("odigo-tokens")), 0o700);
    let file = only_file(dir.path());
    assert_eq!(file.file_name().unwrap(), "odigo-paris");
    assert_eq!(mode(&file), 0o600);
    let content = fs::read_to_string(&file).unwrap();
    assert_eq!(content, format!("{}\n", token.hash().to_hex()));
    assert!(!content.contains(token.expose()), "only the hash is stored");
}

#[test]
fn rotation_invalidates_the_old_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    let old = store.rotate("odigo").unwrap();
    let new = store.rotate("odigo").unwrap();
    assert_ne!(old.expose(), new.expose());
    let hash = store.load("odigo").unwrap().unwrap();
    assert!(hash.verifies(new.expose().as_bytes()));
    assert!(!hash.verifies(old.expose().as_bytes()));
    only_file(dir.path()); // no temporary file left behind
}

#[test]
fn remove_forgets_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    assert!(!store.remove("odigo").unwrap(), "nothing to remove yet");
    store.rotate("odigo").unwrap();
    assert!(store.remove("odigo").unwrap());
    assert!(store.load("odigo").unwrap().is_none());
    assert!(!store.remove("odigo").unwrap());
}

#[test]
fn integration_names_are_made_safe_and_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    let names = [
        "a/b",
        "a%2Fb",
        "..",
        ".",
        "../../etc/passwd",
        "Paris",
        "paris",
        "Zürich été",
        "東京",
        "tab\tnew\nline",
        "a.tmp",
    ];
    let tokens: Vec<Token> = names
        .iter()
        .map(|name| store.rotate(name).unwrap())
        .collect();

    let files: Vec<_> = fs::read_dir(dir.path().join("odigo-tokens"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), names.len(), "one file per name: {files:?}");
    for file in &files {
        assert!(
            file.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"%-_".contains(&b)),
            "{file:?}"
        );
    }
    assert!(files.contains(&"%2E%2E".to_owned()), "{files:?}");
    assert!(files.contains(&"a%2Fb".to_owned()), "{files:?}");
    assert!(files.contains(&"%50aris".to_owned()), "{files:?}");
    // Nothing was written outside the store's directory.
    let top: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(top.len(), 1);

    for (name, token) in names.iter().zip(&tokens) {
        let hash = store.load(name).unwrap().unwrap();
        assert!(hash.verifies(token.expose().as_bytes()), "{name:?}");
        for other in tokens
            .iter()
            .filter(|other| other.expose() != token.expose())
        {
            assert!(!hash.verifies(other.expose().as_bytes()), "{name:?}");
        }
    }
}

#[test]
fn bad_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    assert!(matches!(store.rotate(""), Err(TokenError::EmptyName)));
    assert!(matches!(store.load(""), Err(TokenError::EmptyName)));
    assert!(matches!(store.remove(""), Err(TokenError::EmptyName)));
    let long = "x".repeat(300);
    assert!(matches!(store.rotate(&long), Err(TokenError::NameTooLong)));
    assert!(matches!(
        store.load(&"é".repeat(50)),
        Err(TokenError::NameTooLong)
    ));
    assert!(!dir.path().join("odigo-tokens").exists(), "nothing created");
}

#[test]
fn a_file_with_other_permissions_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    let token = store.rotate("odigo").unwrap();
    let file = only_file(dir.path());
    for loose in [0o644, 0o640, 0o604, 0o700, 0o400] {
        fs::set_permissions(&file, fs::Permissions::from_mode(loose)).unwrap();
        let error = store.load("odigo").unwrap_err();
        assert!(
            matches!(error, TokenError::Permissions { mode, .. } if mode == loose),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(file.to_str().unwrap()), "{message}");
        assert!(message.contains(&format!("{loose:o}")), "{message}");
        assert_hidden(&error, token.expose());
        assert_hidden(&error, &token.hash().to_hex());
    }
    // Rotation repairs it.
    store.rotate("odigo").unwrap();
    assert_eq!(mode(&file), 0o600);
    assert!(store.load("odigo").unwrap().is_some());
}

#[test]
fn a_file_without_a_hash_is_refused_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    let token = store.rotate("odigo").unwrap();
    let file = only_file(dir.path());
    let hex = token.hash().to_hex();
    let contents = [
        String::new(),
        hex.clone(),                     // no newline
        format!("{hex}\n\n"),            // too long
        format!("{}\n", &hex[..63]),     // too short
        format!("{}\n", token.expose()), // the token itself, by mistake
        format!("{}z\n", &hex[..63]),    // not hex
        "x".repeat(100_000),             // large
    ];
    for content in contents {
        fs::write(&file, &content).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let error = store.load("odigo").unwrap_err();
        assert!(matches!(error, TokenError::Corrupt { .. }), "{error:?}");
        assert!(error.to_string().contains(file.to_str().unwrap()));
        assert_hidden(&error, token.expose());
        if !content.is_empty() {
            assert_hidden(&error, &content[..content.len().min(20)]);
        }
    }
}

#[test]
fn a_symbolic_link_or_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    store.rotate("real").unwrap();
    let tokens = dir.path().join("odigo-tokens");
    std::os::unix::fs::symlink(tokens.join("real"), tokens.join("link")).unwrap();
    assert!(matches!(
        store.load("link"),
        Err(TokenError::NotAFile { .. })
    ));
    fs::create_dir(tokens.join("dir")).unwrap();
    assert!(matches!(
        store.load("dir"),
        Err(TokenError::NotAFile { .. })
    ));
}

#[test]
fn an_unwritable_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // The state "directory" is a file: nothing can be created under it.
    let not_a_dir = dir.path().join("state");
    fs::write(&not_a_dir, "").unwrap();
    let store = TokenStore::new(&not_a_dir);
    let error = store.rotate("odigo").unwrap_err();
    assert!(matches!(error, TokenError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("odigo-tokens"), "{error}");
}

#[test]
fn an_existing_directory_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("odigo-tokens");
    fs::create_dir(&tokens).unwrap();
    fs::set_permissions(&tokens, fs::Permissions::from_mode(0o755)).unwrap();
    TokenStore::new(dir.path()).rotate("odigo").unwrap();
    assert_eq!(mode(&tokens), 0o700);
}

#[test]
fn debug_output_never_shows_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::new(dir.path());
    let token = store.rotate("odigo").unwrap();
    let text = token.expose();

    assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    assert_eq!(format!("{token:#?}"), "Token(<redacted>)");
    let hash = token.hash();
    let shown = format!("{hash:?}");
    assert!(!shown.contains(text));
    assert!(
        shown.starts_with("TokenHash(") && shown.len() < 30,
        "{shown}"
    );
    assert!(!shown.contains(&hash.to_hex()), "only a prefix of the hash");
    assert!(!format!("{store:?}").contains(text));

    let errors = [
        TokenError::BadHash,
        TokenError::EmptyName,
        TokenError::NameTooLong,
        TokenHash::from_hex(text).unwrap_err(),
        store.load("").unwrap_err(),
        TokenStore::new(dir.path().join("odigo-tokens/odigo"))
            .rotate("x")
            .unwrap_err(),
    ];
    for error in &errors {
        assert_hidden(error, text);
    }
}
