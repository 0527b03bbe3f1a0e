//! Provider specs (api-surface §2.11, scope `providers:read`): a small built-in spec store so
//! `provider_specs.*` can be exercised offline. Not derived from the config.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::Extension;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::Ctx;
use crate::util::{hex, ok_json, rfc3339, ApiError, ApiResult};
use crate::vault::Vault;

/// (operation_id, method, path_template, summary)
type Op = (&'static str, &'static str, &'static str, &'static str);

/// (kind, provider_id, title, spec_version, source_url, operations)
type Spec = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static [Op]);

const SPECS: &[Spec] = &[
    (
        "oauth",
        "google",
        "Google Calendar and Gmail (dev-vault subset)",
        "v3",
        "https://www.googleapis.com/discovery/v1/apis/calendar/v3/rest",
        &[
            ("calendar.events.list", "GET", "/calendar/v3/calendars/{calendarId}/events", "List events"),
            ("calendar.events.insert", "POST", "/calendar/v3/calendars/{calendarId}/events", "Create an event"),
            ("calendar.events.delete", "DELETE", "/calendar/v3/calendars/{calendarId}/events/{eventId}", "Delete an event"),
            ("gmail.users.messages.send", "POST", "/gmail/v1/users/{userId}/messages/send", "Send a message"),
        ],
    ),
    (
        "oauth",
        "github",
        "GitHub REST (dev-vault subset)",
        "2022-11-28",
        "https://api.github.com",
        &[
            ("repos/get", "GET", "/repos/{owner}/{repo}", "Get a repository"),
            ("issues/create", "POST", "/repos/{owner}/{repo}/issues", "Create an issue"),
        ],
    ),
    (
        "managed",
        "stripe-production",
        "Stripe API (dev-vault subset)",
        "2024-06-20",
        "https://api.stripe.com",
        &[
            ("GetCustomers", "GET", "/v1/customers", "List customers"),
            ("PostCharges", "POST", "/v1/charges", "Create a charge"),
            ("PostRefunds", "POST", "/v1/refunds", "Create a refund"),
        ],
    ),
    ("managed", "resend", "Resend API (dev-vault subset)", "1", "https://api.resend.com", &[("send-email", "POST", "/emails", "Send an email")]),
];

/// When the built-in specs were "ingested" (fixed, so responses are stable).
const INGESTED_AT: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const MAX_LIMIT: u64 = 500;
const MAX_SEARCH_CHARS: usize = 200;
const MAX_OPERATION_ID_CHARS: usize = 512;

fn spec_json(s: &Spec) -> Value {
    let (kind, id, title, version, url, ops) = *s;
    let mut h = Sha256::new();
    for (op, m, p, _) in ops {
        h.update(format!("{op} {m} {p}\n").as_bytes());
    }
    json!({
        "provider_kind": kind,
        "provider_id": id,
        "version": 1,
        "provenance": "dev-vault",
        "source_url": url,
        "content_hash": format!("sha256:{}", hex(&h.finalize())),
        "operation_count": ops.len(),
        "fetched_at": rfc3339(INGESTED_AT),
        "changed_at": rfc3339(INGESTED_AT),
        "title": title,
        "spec_version": version,
    })
}

fn check_kind(kind: &str) -> Result<(), ApiError> {
    if kind == "oauth" || kind == "managed" {
        Ok(())
    } else {
        Err(ApiError::invalid("kind must be oauth or managed"))
    }
}

fn find(kind: &str, provider_id: &str) -> Result<&'static Spec, ApiError> {
    check_kind(kind)?;
    SPECS
        .iter()
        .find(|s| s.0 == kind && s.1 == provider_id)
        .ok_or_else(|| ApiError::detail(404, "provider_spec_not_found", format!("No {kind} spec for {provider_id:?}")))
}

fn pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref().map(alter_protocol::canonical::form_decode).unwrap_or_default()
}

fn get_param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

/// `GET /sdk/provider-specs[?kind=oauth|managed]` → `{items, total}`.
pub async fn list(Extension(ctx): Extension<Ctx>, RawQuery(q): RawQuery) -> ApiResult {
    ctx.require("providers:read")?;
    let p = pairs(&q);
    let kind = get_param(&p, "kind");
    if let Some(k) = kind {
        check_kind(k)?;
    }
    let items: Vec<Value> = SPECS.iter().filter(|s| kind.is_none_or(|k| s.0 == k)).map(spec_json).collect();
    Ok(ok_json(json!({"total": items.len(), "items": items})))
}

/// `GET /sdk/provider-specs/{kind}/{provider_id}` → `ProviderSpec`.
pub async fn get(State(_v): State<Arc<Vault>>, Extension(ctx): Extension<Ctx>, Path((kind, provider_id)): Path<(String, String)>) -> ApiResult {
    ctx.require("providers:read")?;
    Ok(ok_json(spec_json(find(&kind, &provider_id)?)))
}

fn op_json(o: &Op) -> Value {
    json!({"operation_id": o.0, "method": o.1, "path_template": o.2, "summary": o.3})
}

/// `GET /sdk/provider-specs/{kind}/{provider_id}/operations?limit&offset[&search]` →
/// `SpecOperationsPage` (search: case-insensitive substring of id, path or summary).
pub async fn operations(Extension(ctx): Extension<Ctx>, Path((kind, provider_id)): Path<(String, String)>, RawQuery(q): RawQuery) -> ApiResult {
    ctx.require("providers:read")?;
    let spec = find(&kind, &provider_id)?;
    let p = pairs(&q);
    let num = |k: &str, default: u64, min: u64, max: u64| -> Result<u64, ApiError> {
        match get_param(&p, k) {
            None => Ok(default),
            Some(s) => s.parse::<u64>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| ApiError::invalid(format!("{k} must be an integer in {min}..={max}"))),
        }
    };
    let limit = num("limit", 100, 1, MAX_LIMIT)?;
    let offset = num("offset", 0, 0, u64::MAX)?;
    let search = match get_param(&p, "search") {
        None => None,
        Some(s) if !s.is_empty() && s.chars().count() <= MAX_SEARCH_CHARS => Some(s.to_lowercase()),
        Some(_) => return Err(ApiError::invalid(format!("search must be 1..={MAX_SEARCH_CHARS} characters"))),
    };
    let matching: Vec<&Op> = spec
        .5
        .iter()
        .filter(|o| search.as_deref().is_none_or(|s| [o.0, o.2, o.3].iter().any(|f| f.to_lowercase().contains(s))))
        .collect();
    let total = matching.len() as u64;
    let items: Vec<Value> = matching.into_iter().skip(offset.min(usize::MAX as u64) as usize).take(limit as usize).map(op_json).collect();
    let has_more = offset.saturating_add(items.len() as u64) < total;
    Ok(ok_json(json!({"items": items, "total": total, "limit": limit, "offset": offset, "has_more": has_more, "spec": spec_json(spec)})))
}

/// `GET /sdk/provider-specs/{kind}/{provider_id}/operation?operation_id=…` → `SpecOperationDetail`.
pub async fn operation(Extension(ctx): Extension<Ctx>, Path((kind, provider_id)): Path<(String, String)>, RawQuery(q): RawQuery) -> ApiResult {
    ctx.require("providers:read")?;
    let spec = find(&kind, &provider_id)?;
    let p = pairs(&q);
    let id = match get_param(&p, "operation_id") {
        Some(s) if !s.trim().is_empty() && s.chars().count() <= MAX_OPERATION_ID_CHARS && !s.chars().any(char::is_control) => s,
        _ => return Err(ApiError::invalid(format!("operation_id must be 1..={MAX_OPERATION_ID_CHARS} characters without control characters"))),
    };
    let Some(o) = spec.5.iter().find(|o| o.0 == id) else {
        return Err(ApiError::detail(404, "operation_not_found", format!("No operation {id:?} in this spec")));
    };
    let params: Vec<Value> = o
        .2
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let mut out = op_json(o);
    if let Some(m) = out.as_object_mut() {
        m.insert("params_schema".into(), Value::from(params));
        m.insert("request_schema".into(), if o.1 == "GET" || o.1 == "DELETE" { Value::Null } else { json!({"type": "object"}) });
        m.insert("response_schema".into(), json!({"type": "object"}));
        m.insert("spec".into(), spec_json(spec));
    }
    Ok(ok_json(out))
}
