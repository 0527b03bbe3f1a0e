//! The one structured error value of the protocol (design rule 5).
//!
//! Every failure, local or from the backend, becomes a [`ProtocolError`]: the error class of
//! `api-surface.md` §3.2 (the JS layer owns the class hierarchy and builds the class named by
//! [`ErrorClass::name`]), a stable machine `code`, the message, the HTTP status when there was one,
//! `details` (the parsed backend body, as the official SDK exposes it) and `fields` (the structured
//! attributes of that class, snake_case; JS camel-cases them).

use serde_json::{Map, Value};

macro_rules! error_classes {
    ($( $variant:ident => $parent:expr ),* $(,)?) => {
        /// Error classes of `api-surface.md` §3.2 (0.29.0, complete tree).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorClass { $( $variant ),* }

        impl ErrorClass {
            /// Every class, parents before children (the order of the tree).
            pub const ALL: &'static [ErrorClass] = &[ $( ErrorClass::$variant ),* ];

            /// The class name as exported to JS and as named by the official SDKs.
            pub fn name(self) -> &'static str {
                match self { $( ErrorClass::$variant => stringify!($variant) ),* }
            }

            /// The parent class; `None` only for `AlterSDKError`.
            pub fn parent(self) -> Option<ErrorClass> {
                match self { $( ErrorClass::$variant => $parent ),* }
            }
        }
    };
}

use ErrorClass as C;

error_classes! {
    AlterSDKError => None,
    AlterValueError => Some(C::AlterSDKError),
    MemoryIsolationError => Some(C::AlterSDKError),
    BackendError => Some(C::AlterSDKError),
    BlockedDestinationError => Some(C::BackendError),
    ReAuthRequiredError => Some(C::BackendError),
    GrantExpiredError => Some(C::ReAuthRequiredError),
    GrantRevokedError => Some(C::ReAuthRequiredError),
    CredentialRevokedError => Some(C::ReAuthRequiredError),
    GrantDeletedError => Some(C::ReAuthRequiredError),
    GrantNotFoundError => Some(C::BackendError),
    AgentDelegationMissingError => Some(C::GrantNotFoundError),
    AmbiguousGrantError => Some(C::BackendError),
    NoDelegatedGrantError => Some(C::BackendError),
    PolicyViolationError => Some(C::BackendError),
    StepUpRequiredError => Some(C::PolicyViolationError),
    RedactDischargeFailedError => Some(C::PolicyViolationError),
    RestrictedGrantRequiresProxyError => Some(C::BackendError),
    GrantNotDelegableError => Some(C::BackendError),
    ServerFeatureUnsupportedError => Some(C::BackendError),
    SiblingLabelConflictError => Some(C::BackendError),
    CredentialIdRequiredError => Some(C::BackendError),
    EndUserCredentialNotAssignableError => Some(C::BackendError),
    InsufficientScopeError => Some(C::BackendError),
    TokenRefreshInProgressError => Some(C::BackendError),
    QuotaExceededError => Some(C::BackendError),
    RateLimitError => Some(C::BackendError),
    AgentError => Some(C::BackendError),
    InvalidKeyError => Some(C::AgentError),
    AgentNotFoundError => Some(C::AgentError),
    CallerAgentMismatchError => Some(C::AgentError),
    CallerAgentResolutionError => Some(C::AgentError),
    AgentNameExistsError => Some(C::AgentError),
    AgentConcurrentUpdateError => Some(C::AgentError),
    MeRequiresAgentKeyError => Some(C::AgentError),
    KeyRevokedError => Some(C::AgentError),
    KeyExpiredError => Some(C::AgentError),
    KeyRotationExpiredError => Some(C::AgentError),
    KeyInactiveError => Some(C::AgentError),
    KeyAppNotFoundError => Some(C::AgentError),
    AgentInactiveError => Some(C::AgentError),
    AgentRevokedError => Some(C::AgentError),
    IdempotencyKeyBodyMismatchError => Some(C::AgentError),
    IdempotencyKeyAgentRevokedError => Some(C::AgentError),
    IdempotencyKeyAgentInactiveError => Some(C::AgentError),
    AgentCannotMintSubagentsError => Some(C::AgentError),
    KeyAlreadyRevokedError => Some(C::AgentError),
    KeyNotFoundError => Some(C::AgentError),
    LastActiveKeyError => Some(C::AgentError),
    AgentKeyLimitError => Some(C::AgentError),
    ConnectFlowError => Some(C::AlterSDKError),
    ConnectDeniedError => Some(C::ConnectFlowError),
    ConnectConfigError => Some(C::ConnectFlowError),
    ConnectTimeoutError => Some(C::ConnectFlowError),
    ProviderAPIError => Some(C::AlterSDKError),
    ScopeReauthRequiredError => Some(C::ProviderAPIError),
    ProviderUnauthorizedError => Some(C::ProviderAPIError),
    NetworkError => Some(C::AlterSDKError),
    TimeoutError => Some(C::NetworkError),
    ApprovalError => Some(C::AlterSDKError),
    ApprovalDeniedError => Some(C::ApprovalError),
    ApprovalExpiredError => Some(C::ApprovalError),
    ApprovalTimeoutError => Some(C::ApprovalError),
    ApprovalExecutionFailedError => Some(C::ApprovalError),
    // alter-edge: `confirmAudit` and the vault did not accept the call's audit row.
    AuditNotConfirmedError => Some(C::BackendError),
}

impl ErrorClass {
    /// True when `self` is `ancestor` or descends from it.
    pub fn is_a(self, ancestor: ErrorClass) -> bool {
        let mut cur = Some(self);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = c.parent();
        }
        false
    }

    /// Look a class up by its exported name.
    pub fn from_name(name: &str) -> Option<ErrorClass> {
        ErrorClass::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// Stable codes for errors raised locally (backend errors carry the backend's `error` code).
pub mod codes {
    pub const INVALID_ARGUMENT: &str = "invalid_argument";
    pub const INVALID_API_KEY_FORMAT: &str = "invalid_api_key_format";
    pub const INVALID_BASE_URL: &str = "invalid_base_url";
    pub const CLIENT_CLOSED: &str = "client_closed";
    pub const USER_TOKEN_GETTER_FAILED: &str = "user_token_getter_failed";
    pub const MALFORMED_RESPONSE: &str = "malformed_response";
    pub const NETWORK_ERROR: &str = "network_error";
    pub const TIMEOUT: &str = "timeout";
    pub const PROVIDER_ERROR: &str = "provider_error";
    pub const BACKEND_ERROR: &str = "backend_error";
    pub const UNSUPPORTED: &str = "unsupported";
}

/// The structured error value. It never holds a credential: constructors take only messages and
/// fields the caller has already checked to be credential-free.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolError {
    pub class: ErrorClass,
    /// Stable machine code: the backend `error` value when there is one, else one of [`codes`].
    pub code: String,
    pub message: String,
    /// HTTP status of the response that caused it (backend or provider), if any.
    pub status: Option<u16>,
    /// The parsed backend body (`detail` envelope unwrapped) plus `status_code`, or local context.
    pub details: Map<String, Value>,
    /// Class-specific attributes (`retry_after`, `candidates`, `policy_error`, `hint`...), snake_case.
    pub fields: Map<String, Value>,
}

impl ProtocolError {
    pub fn new(class: ErrorClass, code: impl Into<String>, message: impl Into<String>) -> Self {
        ProtocolError {
            class,
            code: code.into(),
            message: message.into(),
            status: None,
            details: Map::new(),
            fields: Map::new(),
        }
    }

    /// `AlterValueError`: a client-side argument validation failure.
    pub fn value(message: impl Into<String>) -> Self {
        Self::new(
            ErrorClass::AlterValueError,
            codes::INVALID_ARGUMENT,
            message,
        )
    }

    /// `AlterSDKError` with a local code.
    pub fn sdk(code: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::AlterSDKError, code, message)
    }

    /// `BackendError` for a malformed 2xx body (fails closed).
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorClass::BackendError, codes::MALFORMED_RESPONSE, message)
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn with_field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.to_string(), value.into());
        self
    }

    /// The error as one JSON object: `{class, code, message, status, details, fields}`, the shape
    /// the SDK hands to the JS error factory.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("class".into(), Value::from(self.class.name()));
        m.insert("code".into(), Value::from(self.code.clone()));
        m.insert("message".into(), Value::from(self.message.clone()));
        m.insert(
            "status".into(),
            self.status.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("details".into(), Value::Object(self.details.clone()));
        m.insert("fields".into(), Value::Object(self.fields.clone()));
        Value::Object(m)
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Like Python's str(err): the message only; details may be sensitive.
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProtocolError {}

pub type Result<T> = std::result::Result<T, ProtocolError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_is_rooted_and_acyclic() {
        for &c in ErrorClass::ALL {
            assert!(
                c.is_a(ErrorClass::AlterSDKError),
                "{} not under root",
                c.name()
            );
            assert_eq!(ErrorClass::from_name(c.name()), Some(c));
        }
        assert!(ErrorClass::GrantExpiredError.is_a(ErrorClass::BackendError));
        assert!(!ErrorClass::ConnectConfigError.is_a(ErrorClass::BackendError));
        assert!(ErrorClass::TimeoutError.is_a(ErrorClass::NetworkError));
    }

    #[test]
    fn parents_come_first() {
        for (i, &c) in ErrorClass::ALL.iter().enumerate() {
            if let Some(p) = c.parent() {
                let pi = ErrorClass::ALL.iter().position(|&x| x == p).unwrap();
                assert!(pi < i, "{} listed before its parent", c.name());
            }
        }
    }
}
