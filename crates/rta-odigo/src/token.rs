//! The URL token: the only authentication of Odigo's push channel (`specs/odigo.md`,
//! "Configuration").
//!
//! ```
//! use rta_odigo::{Token, TokenStore};
//!
//! # fn main() -> Result<(), rta_odigo::TokenError> {
//! # let dir = tempfile::tempdir().unwrap();
//! let store = TokenStore::new(dir.path()); // the engine's state directory
//! let token = store.rotate("odigo-paris")?; // the old token, if any, stops working here
//! let url_segment = token.expose().to_owned(); // shown once to the customer
//! drop(token); // only the hash is kept
//!
//! let hash = store.load("odigo-paris")?.expect("just stored");
//! assert!(hash.verifies(url_segment.as_bytes()));
//! assert!(!hash.verifies(b"guess"));
//! # Ok(())
//! # }
//! ```
//!
//! ## Decisions
//! - **Generation**: 32 bytes (256 bits) from the OS random source (`getrandom`), written as
//!   base64url without padding: 43 characters of `A-Z a-z 0-9 - _`, safe in a URL path.
//! - **Secrecy**: [`Token`] has no `Display`, `Serialize` or `Clone`; its `Debug` is
//!   `Token(<redacted>)`. Only [`Token::expose`] gives the text, for the one time it is shown.
//!   No error of this module carries token text or file content.
//! - **Storage**: only the SHA-256 of the token text ([`TokenHash`]) is kept. The token has
//!   256 bits of entropy, so an unsalted fast hash is enough: a stolen hash file cannot be
//!   inverted by guessing. [`TokenHash`]'s `Debug` shows a 6-byte prefix of the hash, which
//!   identifies a token version in diagnostics and reveals nothing about the token.
//! - **Comparison**: [`TokenHash::verifies`] hashes the candidate and compares the two digests
//!   with `subtle`'s constant-time equality (`==` on two hashes is constant-time too). Hashing
//!   first also means the time taken depends on the candidate's length only, which the
//!   sender already knows.
//! - **Files** ([`TokenStore`]): `<dir>/odigo-tokens/<name>`, one per integration, holding the
//!   hash in hex and a newline. The name is the integration name with everything but
//!   `a-z 0-9 - _` percent-encoded (upper-case hex digits): no `/`, no `.` (so no `..`, and
//!   temporary files, which end in `.tmp`, never clash), one file per name even on a
//!   case-insensitive file system. The directory is made `0700`, files `0600`; a file found
//!   with any other mode, or not holding a hash, is refused on load rather than trusted.
//! - **Rotation** writes a temporary file (random name, created `0600`, never readable by
//!   others even for an instant), syncs it, renames it over the old file and syncs the
//!   directory: a crash leaves the old token or the new one, never a torn file. A crash between
//!   the creation and the rename may leave a `*.tmp` file behind; it is never read.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq as _;

/// Random bytes in a token: 256 bits, twice the spec's minimum.
const TOKEN_BYTES: usize = 32;
/// The sub-directory of the state directory holding the hash files.
const TOKEN_DIR: &str = "odigo-tokens";
/// The longest file name most file systems take.
const MAX_FILE_NAME: usize = 255;
/// What [`TokenStore`] appends to a file name for its temporary files: a dot (never in an
/// encoded name), 16 random hex digits, `.tmp`.
const TEMP_SUFFIX_LEN: usize = 1 + 16 + 4;
/// A hash file: 64 hex digits and a newline. Anything longer is refused without reading it
/// all.
const HASH_FILE_LEN: usize = 65;

/// A URL token, as generated: shown once, then only its [`hash`](Token::hash) is kept.
pub struct Token(String);

impl Token {
    /// A new token: 32 bytes from the OS random source, base64url without padding (43
    /// characters).
    pub fn generate() -> Result<Token, TokenError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(TokenError::Random)?;
        Ok(Token(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    /// The token text, to show once (the customer pastes it into Odigo's notification URL).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored and compared.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.0.as_bytes())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The SHA-256 of a token's text: what is stored and compared.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    fn of(text: &[u8]) -> TokenHash {
        TokenHash(Sha256::digest(text).into())
    }

    /// Whether `candidate` (a path segment, as received) is the token: its hash is compared
    /// with this one in constant time.
    pub fn verifies(&self, candidate: &[u8]) -> bool {
        *self == TokenHash::of(candidate)
    }

    /// 64 lower-case hex digits, for storage.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Reads [`to_hex`](TokenHash::to_hex)'s form (either case).
    pub fn from_hex(text: &str) -> Result<TokenHash, TokenError> {
        let text = text.as_bytes();
        if text.len() != 64 {
            return Err(TokenError::BadHash);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            *byte = (hex_digit(pair[0]).ok_or(TokenError::BadHash)? << 4)
                | hex_digit(pair[1]).ok_or(TokenError::BadHash)?;
        }
        Ok(TokenHash(bytes))
    }
}

/// Constant-time, so that no comparison of hashes, wherever it is made, leaks by its timing.
impl PartialEq for TokenHash {
    fn eq(&self, other: &TokenHash) -> bool {
        self.0[..].ct_eq(&other.0[..]).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", hex(&self.0[..6]))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The token hashes of the Odigo integrations, one file each under `<dir>/odigo-tokens/`.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
}

impl TokenStore {
    /// A store in the engine's state directory `dir` (created on the first
    /// [`rotate`](TokenStore::rotate)).
    pub fn new(dir: impl Into<PathBuf>) -> TokenStore {
        TokenStore {
            dir: dir.into().join(TOKEN_DIR),
        }
    }

    /// The stored hash of `integration`'s token; `None` when it has none yet.
    pub fn load(&self, integration: &str) -> Result<Option<TokenHash>, TokenError> {
        let path = self.path(integration)?;
        let metadata = match fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(TokenError::io(&path, "reading", error)),
        };
        // A symbolic link could point the check below at another file than the one read.
        if !metadata.file_type().is_file() {
            return Err(TokenError::NotAFile { path });
        }
        let mode = metadata.permissions().mode() & 0o7777;
        if mode != 0o600 {
            return Err(TokenError::Permissions { path, mode });
        }
        let mut content = Vec::with_capacity(HASH_FILE_LEN);
        File::open(&path)
            .and_then(|file| {
                file.take(HASH_FILE_LEN as u64 + 1)
                    .read_to_end(&mut content)
            })
            .map_err(|error| TokenError::io(&path, "reading", error))?;
        std::str::from_utf8(&content)
            .ok()
            .and_then(|text| text.strip_suffix('\n'))
            .and_then(|text| TokenHash::from_hex(text).ok())
            .map(Some)
            .ok_or(TokenError::Corrupt { path })
    }

    /// Generates a new token for `integration` and stores its hash in place of the old one,
    /// which stops verifying. The token is returned to be shown once.
    pub fn rotate(&self, integration: &str) -> Result<Token, TokenError> {
        let path = self.path(integration)?;
        let token = Token::generate()?;
        self.create_dir()?;
        let temp = self.temp_path(&path)?;
        let written = write_new(&temp, format!("{}\n", token.hash().to_hex()).as_bytes())
            .and_then(|()| fs::rename(&temp, &path));
        if let Err(error) = written {
            // Best effort: the temporary file holds no secret, only a hash never installed.
            let _ = fs::remove_file(&temp);
            return Err(TokenError::io(&path, "writing", error));
        }
        sync_dir(&self.dir)?;
        Ok(token)
    }

    /// Forgets `integration`'s token: `false` when it had none.
    pub fn remove(&self, integration: &str) -> Result<bool, TokenError> {
        let path = self.path(integration)?;
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir).map(|()| true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(TokenError::io(&path, "removing", error)),
        }
    }

    /// The file of `integration`'s hash (see the module's decisions for the encoding).
    fn path(&self, integration: &str) -> Result<PathBuf, TokenError> {
        if integration.is_empty() {
            return Err(TokenError::EmptyName);
        }
        let mut name = String::with_capacity(integration.len());
        for byte in integration.bytes() {
            if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_' {
                name.push(char::from(byte));
            } else {
                name.push('%');
                name.push_str(&hex(&[byte]).to_ascii_uppercase());
            }
        }
        if name.len() + TEMP_SUFFIX_LEN > MAX_FILE_NAME {
            return Err(TokenError::NameTooLong);
        }
        Ok(self.dir.join(name))
    }

    /// A fresh temporary name beside `path` (random, so that concurrent rotations, even by
    /// two processes, never write the same file).
    fn temp_path(&self, path: &Path) -> Result<PathBuf, TokenError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(TokenError::Random)?;
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{}.tmp", hex(&nonce)));
        Ok(PathBuf::from(name))
    }

    fn create_dir(&self) -> Result<(), TokenError> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            // The mode given above is masked by the umask, and an existing directory keeps
            // its own: set it explicitly.
            .and_then(|()| fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)))
            .map_err(|error| TokenError::io(&self.dir, "creating", error))
    }
}

/// Creates `path` (which must not exist) readable by its owner only, writes `content` and
/// syncs it.
fn write_new(path: &Path, content: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    // As for the directory: the umask may have removed bits of 0600 (never added any).
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(content)?;
    file.sync_all()
}

/// Makes a rename or removal in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), TokenError> {
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|error| TokenError::io(dir, "syncing", error))
}

/// Token errors. None carries token text or the content of a file.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the OS random source failed: {0}")]
    Random(getrandom::Error),
    #[error("a token hash is 64 hexadecimal digits")]
    BadHash,
    #[error("an integration name must not be empty")]
    EmptyName,
    #[error("the integration name is too long for a token file name")]
    NameTooLong,
    #[error("{action} {path:?}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
    #[error(
        "{path:?} has mode {mode:o}, expected 600: refused (fix its owner and mode, or rotate the token)"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path:?} is not a regular file: refused")]
    NotAFile { path: PathBuf },
    #[error("{path:?} does not hold a token hash (64 hex digits and a newline): rotate the token")]
    Corrupt { path: PathBuf },
}

impl TokenError {
    fn io(path: &Path, action: &'static str, source: io::Error) -> TokenError {
        TokenError::Io {
            path: path.to_owned(),
            action,
            source,
        }
    }
}
