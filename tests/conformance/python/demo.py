"""Fixed values of dev-vault/demo.toml, as documented in dev-vault/README.md."""

# Keys
APP_KEY = "alter_rk_demoappallscopesaaaaaa_hoz64e"          # demo-full, all scopes
LEGACY_APP_KEY = "alter_key_legacyDemoAppKey_00000000000000000000001"  # app "legacy"
REVOKED_KEY = "alter_rk_demoapprevokedaaaaaaaa_4w3vqo"
EXPIRED_KEY = "alter_rk_demoappexpiredaaaaaaaa_nwmfue"
UNKNOWN_KEY = "alter_rk_demoappunknownaaaaaaaa_jb6drt"      # valid syntax, not registered


def grant(nn: int) -> str:
    return f"6a000000-0000-4000-8000-{nn:012d}"


GRANT_GOOGLE_ALICE = grant(1)
GRANT_GOOGLE_BOB = grant(2)
GRANT_GITHUB_ALICE = grant(5)
LEGACY_APP_GRANT = grant(7)          # system google grant of app "legacy"
GRANT_TO_REVOKE = grant(8)           # dropbox, dedicated to revoke_grant
GRANT_STRIPE = grant(10)             # managed secret, Authorization: Bearer
GRANT_RESEND = grant(11)             # managed secret, X-Api-Key
GRANT_QUERY_PARAM = grant(12)        # weather-api: header + query param api_key
QUERY_PARAM_PROVIDER = "weather-api"
GRANT_APPROVAL = grant(13)           # stripe-payouts: proxy -> 202 pending
APPROVAL_PROVIDER = "stripe-payouts"
APPROVAL_METHOD = "POST"
GRANT_REVOKED = grant(20)
GRANT_EXPIRED = grant(21)
GRANT_DELETED = grant(22)
GRANT_REFRESHING = grant(23)
GRANT_POLICY_DENY = grant(30)        # microsoft, policy deny-microsoft
POLICY_DENY_TAIL = ""
UNKNOWN_GRANT = "6a000000-0000-4000-8000-0000000000ff"

# carol has two google accounts -> 409 ambiguous_grant in provider mode
TWO_ACCOUNT_USER = "carol"
TWO_ACCOUNT_GRANTS = [grant(3), grant(4)]
TWO_ACCOUNT_SECOND_ACCOUNT = "carol@home.example"

AGENT_NAME = "email-assistant"
AGENT_ID = "a9e00000-0000-4000-8000-000000000001"
AGENT_KEY = "alter_ak_emailassistantaaaaaaaa_ofxaxb"        # email-assistant
OTHER_AGENT_KEY = "alter_ak_researchagentaaaaaaaaa_2y5km7"  # research-agent, no delegations
ALICE_APP_USER_ID = "1e000000-0000-4000-8000-000000000001"
GRANT_SCOPE_FLAGGED = grant(24)      # hubspot: 403 scope_mismatch
GRANT_PROXY_ONLY = grant(26)         # asana: 403 restricted_grant_requires_proxy; proxy works

# Agent delegations: the id the vault resolves an agent's request to -> the parent grant whose
# credential the provider receives (README "Grants" table).
DELEGATION_PARENT = {
    "6d000000-0000-4000-8000-000000000001": grant(1),
    "6d000000-0000-4000-8000-000000000002": grant(2),
    "6d000000-0000-4000-8000-000000000003": grant(11),
}
DEPRECATED_KEY = "alter_rk_demoappdeprecatedaaaaa_psamog"   # works, X-Alter-Key-Deprecated: true
PAUSED_AGENT_KEY = "alter_ak_pausedbotaaaaaaaaaaaaa_4g6q7k"  # 401 agent_inactive

# {"token_contract_violation": <field>} fault values (dev-vault/README.md "Fault injection").
TOKEN_CONTRACT_FIELDS = [
    "access_token", "grant_id", "missing_grant_id", "token_type", "expires_in", "expires_at",
    "scopes", "provider_id", "scope_mismatch", "injection_header", "injection_format",
    "additional_credentials", "additional_injections",
]
NO_AUDIT_KEY = "alter_rk_demoappnoauditaaaaaaaa_ko4lpc"      # tokens:retrieve, proxy:execute, grants:read
