//! The router (every route of README "SDK endpoints", "Mock providers", "Admin API"), the JSON
//! normalisation of framework errors, and the accept loop (HTTP/1.1, with per-connection abort
//! for the `drop_connection` fault).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::faults::ConnAbort;
use crate::util::ApiError;
use crate::vault::Vault;
use crate::{admin, auth, faults, mock, sdk_agents, sdk_core, sdk_grants, sdk_keys, sdk_more, sdk_proxy, sdk_specs};

/// Unknown `/sdk/*` routes (reached after authentication).
async fn sdk_not_found() -> Response {
    ApiError::detail(404, "not_found", "No such SDK endpoint").into_response()
}

async fn not_found() -> Response {
    ApiError::detail(404, "not_found", "No such endpoint").into_response()
}

/// Turns framework-generated non-JSON errors (405, extractor rejections…) into the SDK-mappable
/// `{"detail":{"error","message"}}` shape. Mock provider answers are left alone.
async fn normalize(req: Request, next: Next) -> Response {
    let is_mock = req.uri().path().starts_with("/mock/");
    // Access log (stderr) when ALTER_DEV_VAULT_LOG is set: method, path without the query (a query
    // may carry an injected credential), status, latency. Never headers or bodies.
    let log = std::env::var_os("ALTER_DEV_VAULT_LOG").is_some_and(|v| !v.is_empty());
    let (method, path, started) = (req.method().clone(), req.uri().path().to_string(), std::time::Instant::now());
    let resp = normalize_inner(is_mock, next.run(req).await).await;
    if log {
        eprintln!("alter-dev-vault: {method} {path} {} {}ms", resp.status().as_u16(), started.elapsed().as_millis());
    }
    resp
}

async fn normalize_inner(is_mock: bool, resp: Response) -> Response {
    let status = resp.status();
    if is_mock || status.as_u16() < 400 || resp.extensions().get::<faults::Injected>().is_some() {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let code = match status.as_u16() {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_request",
        _ => "error",
    };
    let message = if text.trim().is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    let mut out = ApiError::detail(status.as_u16(), code, message).into_response();
    for (k, v) in parts.headers.iter() {
        if k != axum::http::header::CONTENT_TYPE && k != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

pub fn router(vault: Arc<Vault>) -> Router {
    let sdk = Router::new()
        .route("/sdk/token", post(sdk_core::token))
        .route("/sdk/oauth/audit/api-call", post(sdk_core::audit))
        .route("/sdk/grants/{grant_id}/report-scope-mismatch", post(sdk_core::report_scope_mismatch))
        .route("/sdk/auth/verify-token", post(sdk_core::verify_token))
        .route("/sdk/scopes", get(sdk_core::scopes))
        .route("/sdk/proxy", post(sdk_proxy::proxy))
        .route("/sdk/approvals/{id}", get(sdk_proxy::approval_status))
        .route("/sdk/approvals/{id}/result", get(sdk_proxy::approval_result_route))
        .route("/sdk/grants/list", post(sdk_grants::list))
        .route("/sdk/oauth/grants/{grant_id}/revoke", post(sdk_grants::revoke))
        .route("/sdk/grants/{grant_id}/delegate", post(sdk_grants::delegate))
        .route("/sdk/grants/{grant_id}/delegations/{agent}", axum::routing::delete(sdk_grants::revoke_delegation))
        .route("/sdk/oauth/connect/session", post(sdk_grants::connect_session))
        .route("/sdk/oauth/connect/session/poll", post(sdk_grants::connect_poll))
        .route("/sdk/managed-secrets/{id}/grants", post(sdk_grants::create_managed_secret_grant))
        .route("/sdk/managed-secrets/connect/session", post(sdk_more::managed_secret_connect_session))
        .route("/sdk/grants/{grant_id}/mint", post(sdk_more::mint_grant))
        .route("/sdk/auth/session", post(sdk_more::auth_session))
        .route("/sdk/auth/poll", post(sdk_more::auth_poll))
        .route("/sdk/oauth/provider-catalog", get(sdk_more::provider_catalog))
        .route("/sdk/spans", post(sdk_more::emit_spans))
        .route("/sdk/identity/resolve", post(sdk_more::identity_resolve))
        .route("/sdk/provider-specs", get(sdk_specs::list))
        .route("/sdk/provider-specs/{kind}/{provider_id}", get(sdk_specs::get))
        .route("/sdk/provider-specs/{kind}/{provider_id}/operations", get(sdk_specs::operations))
        .route("/sdk/provider-specs/{kind}/{provider_id}/operation", get(sdk_specs::operation))
        .route("/sdk/keys/derive", post(sdk_keys::derive))
        .route("/sdk/keys/{key_id}/rotate", post(sdk_keys::rotate))
        .route("/sdk/keys/{key_id}", axum::routing::delete(sdk_keys::revoke))
        .route("/sdk/agents", get(sdk_agents::list).post(sdk_agents::create))
        .route("/sdk/agents/me", get(sdk_agents::me))
        .route("/sdk/agents/{id}", get(sdk_agents::get).patch(sdk_agents::update).delete(sdk_agents::delete))
        .route("/sdk/agents/{id}/keys", get(sdk_agents::list_keys).post(sdk_agents::mint_key))
        .route("/sdk/agents/{id}/keys/{key_id}/{action}", patch(sdk_agents::key_deprecation))
        .route("/sdk/agents/{id}/keys/{key_id}", axum::routing::delete(sdk_agents::revoke_key))
        .route("/sdk", any(sdk_not_found))
        .route("/sdk/{*rest}", any(sdk_not_found))
        .layer(from_fn_with_state(vault.clone(), auth::authenticate));
    let admin = Router::new()
        .route("/admin/health", get(admin::health))
        .route("/admin/approvals", get(admin::approvals))
        .route("/admin/approvals/{id}/{action}", post(admin::decide_approval))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/mock/calls", get(admin::mock_calls))
        .route("/admin/spans", get(admin::spans))
        .route("/admin/idp/token", post(admin::idp_token))
        .route("/admin/faults", post(admin::add_fault).delete(admin::clear_faults))
        .route("/admin/connect/{token}/{action}", post(admin::connect_action))
        .route("/admin/auth/{token}/{action}", post(admin::auth_action))
        .route("/auth/{token}", get(admin::auth_page))
        .route("/admin/reset", post(admin::reset))
        .route("/approvals/{id}", get(admin::approval_page))
        .route("/connect/{token}", get(admin::connect_page))
        .route("/idp/.well-known/jwks.json", get(admin::jwks))
        .route("/idp/.well-known/openid-configuration", get(admin::openid_configuration));
    Router::new()
        .merge(sdk)
        .merge(admin)
        .route("/mock/{provider}", any(mock::route))
        .route("/mock/{provider}/{*rest}", any(mock::route))
        .fallback(not_found)
        .layer(from_fn_with_state(vault.clone(), faults::apply))
        .layer(from_fn(normalize))
        .with_state(vault)
}

/// Serves HTTP/1.1 on `listener` until the process ends.
pub async fn serve(listener: TcpListener, app: Router) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("alter-dev-vault: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let abort = Arc::new(Notify::new());
            let handle = ConnAbort(abort.clone());
            let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                let handle = handle.clone();
                async move {
                    let mut req = req.map(Body::new);
                    req.extensions_mut().insert(handle);
                    Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|never| match never {}))
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = abort.notified() => {}
            }
        });
    }
}

/// Helper for handlers that need the vault from state only.
pub type VaultState = State<Arc<Vault>>;
