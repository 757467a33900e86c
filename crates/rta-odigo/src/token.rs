//! The URL token: the only authentication of the push channel. (Owner: the token.)

/// A URL token, as generated: shown once, then only its hash is kept.
pub struct Token(String);

/// The SHA-256 of a token: what is stored and compared.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl Token {
    /// A new token from the OS random source.
    pub fn generate() -> Result<Token, TokenError> {
        todo!("token")
    }

    /// The token text, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        todo!("token")
    }
}

impl TokenHash {
    /// Whether `candidate` (a path segment) is the token, compared in constant time.
    pub fn verifies(&self, candidate: &[u8]) -> bool {
        let _ = (candidate, self.0);
        todo!("token")
    }
}

/// Token errors.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the OS random source failed")]
    Random,
}
