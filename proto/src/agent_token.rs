//! Agent credentials. The control plane keeps a secret in its data directory and gives each
//! agent a token naming what it may watch (its scope) with an HMAC of that scope: the control
//! plane checks a token without keeping a list, and a token for one load balancer or VPC opens
//! nothing else. Tokens travel as `authorization: Bearer <token>` on the Agent service.

use std::fmt;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The file in the data directory that holds the secret (64 hex digits, mode 0600).
pub const SECRET_FILE: &str = "agent-secret";
/// The gRPC metadata key of the token.
pub const METADATA_KEY: &str = "authorization";

/// What a token lets its agent do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Anything: the agents inside `plemu up`, the Docker orchestrator, an operator's agents.
    All,
    /// A provider agent serving this load balancer alone.
    Provider {
        /// The load balancer's ARN.
        load_balancer_arn: String,
    },
    /// A consumer agent serving the endpoints of this VPC alone.
    Consumer {
        /// The VPC.
        vpc_id: String,
    },
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// No `authorization: Bearer` metadata.
    #[error("no agent token: agents must send `authorization: Bearer <token>`")]
    Missing,
    /// Not a token plemu made with this secret.
    #[error("the agent token is not valid for this control plane")]
    Invalid,
}

/// The control plane's secret: 32 random bytes. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct AgentSecret([u8; 32]);

/// A token as an agent sends it. Its `Debug` shows the scope only.
#[derive(Clone, PartialEq, Eq)]
pub struct AgentToken(String);

// === impl Scope ===

impl Scope {
    fn encode(&self) -> String {
        match self {
            Self::All => "*".into(),
            Self::Provider { load_balancer_arn } => format!("provider {load_balancer_arn}"),
            Self::Consumer { vpc_id } => format!("consumer {vpc_id}"),
        }
    }

    fn decode(s: &str) -> Option<Self> {
        match s.split_once(' ') {
            None if s == "*" => Some(Self::All),
            Some(("provider", arn)) => Some(Self::Provider {
                load_balancer_arn: arn.into(),
            }),
            Some(("consumer", vpc)) => Some(Self::Consumer { vpc_id: vpc.into() }),
            _ => None,
        }
    }
}

// === impl AgentSecret ===

impl AgentSecret {
    /// A new random secret.
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The secret kept in `dir`, made and written (mode 0600) the first time.
    ///
    /// # Errors
    /// When the file cannot be read or written, or holds something else than 64 hex digits.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Self> {
        let path = dir.join(SECRET_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => from_hex(text.trim())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .map(Self)
                .ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} is not 64 hex digits", path.display()),
                    )
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = Self::random();
                write_private(&path, &to_hex(&secret.0))?;
                Ok(secret)
            }
            Err(e) => Err(e),
        }
    }

    /// A token for `scope`.
    pub fn mint(&self, scope: &Scope) -> AgentToken {
        let scope = scope.encode();
        let mac = self.mac(scope.as_bytes()).finalize().into_bytes();
        AgentToken(format!("v1.{}.{}", to_hex(scope.as_bytes()), to_hex(&mac)))
    }

    /// The scope of `token`, if this secret made it (compared in constant time).
    ///
    /// # Errors
    /// [`TokenError::Invalid`] when it did not.
    pub fn verify(&self, token: &str) -> Result<Scope, TokenError> {
        let mut parts = token.split('.');
        let (Some("v1"), Some(scope), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let scope = from_hex(scope).ok_or(TokenError::Invalid)?;
        let mac = from_hex(mac).ok_or(TokenError::Invalid)?;
        self.mac(&scope)
            .verify_slice(&mac)
            .map_err(|_| TokenError::Invalid)?;
        std::str::from_utf8(&scope)
            .ok()
            .and_then(Scope::decode)
            .ok_or(TokenError::Invalid)
    }

    /// The scope of the token in `metadata`.
    ///
    /// # Errors
    /// [`TokenError::Missing`] without one, [`TokenError::Invalid`] for a bad one.
    pub fn check(&self, metadata: &tonic::metadata::MetadataMap) -> Result<Scope, TokenError> {
        let value = metadata.get(METADATA_KEY).ok_or(TokenError::Missing)?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(TokenError::Missing)?;
        self.verify(token.trim())
    }

    fn mac(&self, data: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(data);
        mac
    }
}

impl fmt::Debug for AgentSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentSecret(****)")
    }
}

// === impl AgentToken ===

impl AgentToken {
    /// The token as text (what `PLEMU_AGENT_TOKEN` holds).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Adds the token to `request`'s metadata.
    pub fn attach<T>(&self, request: &mut tonic::Request<T>) {
        if let Ok(v) = format!("Bearer {}", self.0).parse() {
            request.metadata_mut().insert(METADATA_KEY, v);
        }
    }

    /// A request for `message` carrying this token.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(message);
        self.attach(&mut r);
        r
    }
}

impl From<String> for AgentToken {
    fn from(s: String) -> Self {
        Self(s.trim().to_string())
    }
}

impl std::str::FromStr for AgentToken {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.trim().to_string()))
    }
}

impl fmt::Debug for AgentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = self
            .0
            .split('.')
            .nth(1)
            .and_then(from_hex)
            .and_then(|b| String::from_utf8(b).ok());
        write!(f, "AgentToken({}, ****)", scope.as_deref().unwrap_or("?"))
    }
}

/// A request for `message` carrying `token`, if any.
pub fn request<T>(token: Option<&AgentToken>, message: T) -> tonic::Request<T> {
    match token {
        Some(t) => t.request(message),
        None => tonic::Request::new(message),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_scope_and_nothing_else_passes() {
        let secret = AgentSecret::random();
        let arn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a/0123";
        for scope in [
            Scope::All,
            Scope::Provider {
                load_balancer_arn: arn.into(),
            },
            Scope::Consumer {
                vpc_id: "vpc-1".into(),
            },
        ] {
            let token = secret.mint(&scope);
            assert_eq!(secret.verify(token.expose()), Ok(scope.clone()));
            assert!(!format!("{token:?}").contains(token.expose().rsplit('.').next().unwrap()));
            // Another control plane's secret, a changed scope, a cut token: refused.
            assert_eq!(
                AgentSecret::random().verify(token.expose()),
                Err(TokenError::Invalid)
            );
            let forged = token.expose().replacen("v1.", "v1.2a", 1);
            assert_eq!(secret.verify(&forged), Err(TokenError::Invalid));
            assert_eq!(
                secret.verify(&token.expose()[..20]),
                Err(TokenError::Invalid)
            );
        }
        assert_eq!(format!("{secret:?}"), "AgentSecret(****)");
    }

    #[test]
    fn metadata_and_the_secret_file() {
        let dir = tempfile_dir();
        let a = AgentSecret::load_or_create(&dir).unwrap();
        let b = AgentSecret::load_or_create(&dir).unwrap();
        let token = a.mint(&Scope::All);
        assert_eq!(
            b.verify(token.expose()),
            Ok(Scope::All),
            "the same secret after a restart"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let req = token.request(());
        assert_eq!(a.check(req.metadata()), Ok(Scope::All));
        assert_eq!(
            a.check(tonic::Request::new(()).metadata()),
            Err(TokenError::Missing)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("plemu-secret-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
