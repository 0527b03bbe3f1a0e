//! The router (every route of README "SDK endpoints", "Mock providers", "Admin API"), the JSON
//! normalisation of framework errors, and the socket server (HTTP/1.1: per-connection abort for
//! the `drop_connection` fault, the Host check, read timeouts and the connection cap).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post};
use axum::Router;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::dest::{is_loopback_name, normalize_host};
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

/// Limits of the socket server (`serve`): they guard a vault left running on a laptop.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Connections served at once.
    pub max_connections: usize,
    /// Bound on reading the request headers, and separately the body.
    pub read_timeout: Duration,
    /// Largest request body read (a larger one gets 413).
    pub max_body_bytes: usize,
    /// Accepted `Host` names (normalised) besides the loopback names; `None`: any Host.
    pub host_names: Option<Vec<String>>,
}

impl ServeOptions {
    /// From `[server]`, plus the bind host and `--allow-host` names.
    pub fn from_config(cfg: &crate::config::ServerCfg, bind_host: &str, extra_hosts: &[String]) -> ServeOptions {
        let names: Vec<&String> = cfg.allowed_host_headers.iter().chain(extra_hosts).collect();
        let host_names = if names.iter().any(|n| n.as_str() == "*") {
            None
        } else {
            let mut list: Vec<String> = names.iter().filter_map(|n| normalize_host(n).ok()).collect();
            // The bind host as given (`0.0.0.0`, a LAN address or a name), in URL or bare form.
            let bare = bind_host.trim_start_matches('[').trim_end_matches(']');
            list.extend(normalize_host(bind_host).ok().or_else(|| normalize_host(&format!("[{bare}]")).ok()));
            Some(list)
        };
        ServeOptions {
            max_connections: cfg.max_connections,
            read_timeout: Duration::from_secs(cfg.read_timeout_secs),
            max_body_bytes: cfg.max_body_bytes,
            host_names,
        }
    }
}

/// The name part of a `Host` header, normalised (`None` if malformed).
fn host_header_name(value: &str) -> Option<String> {
    let name = if value.starts_with('[') {
        value.get(..=value.find(']')?)?
    } else {
        value.split(':').next().unwrap_or("")
    };
    normalize_host(name).ok()
}

/// DNS-rebinding protection: the request must name the vault by a loopback name, the bind host or
/// a configured name. A page on another origin that rebinds its name to 127.0.0.1 still sends its
/// own name as `Host`.
fn host_refusal(req: &hyper::Request<hyper::body::Incoming>, opts: &ServeOptions) -> Option<Response> {
    let allowed = opts.host_names.as_ref()?;
    let raw = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()));
    let name = raw.as_deref().and_then(host_header_name);
    if name.as_deref().is_some_and(|n| is_loopback_name(n) || allowed.iter().any(|a| a == n)) {
        return None;
    }
    let shown: String = raw.as_deref().unwrap_or("").chars().filter(|c| !c.is_control()).take(100).collect();
    let message = match raw {
        None => "The request has no Host header. The dev vault answers only requests addressed to localhost, 127.0.0.1 or [::1] (DNS-rebinding protection).".to_string(),
        Some(_) => format!(
            "Host {shown:?} is not a name of this dev vault: it answers only requests addressed to localhost, 127.0.0.1, [::1] or its --host (DNS-rebinding protection). To accept this name, start it with --allow-host NAME or add the name to [server] allowed_host_headers."
        ),
    };
    Some(closing(ApiError::detail(403, "host_not_allowed", message)))
}

/// An error answer after which the connection is closed.
fn closing(e: ApiError) -> Response {
    let mut resp = e.into_response();
    resp.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    resp
}

/// Reads the whole request body within `read_timeout` and `max_body_bytes`: a client that sends
/// headers and then stalls gets 408 and is dropped instead of holding a connection forever.
async fn read_body(body: hyper::body::Incoming, opts: &ServeOptions) -> Result<axum::body::Bytes, Response> {
    let limited = http_body_util::Limited::new(body, opts.max_body_bytes);
    match tokio::time::timeout(opts.read_timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            Err(closing(ApiError::detail(413, "payload_too_large", format!("Request body exceeds {} bytes", opts.max_body_bytes))))
        }
        Ok(Err(_)) => Err(closing(ApiError::detail(400, "bad_request", "The request body could not be read"))),
        Err(_) => Err(closing(ApiError::detail(
            408,
            "request_timeout",
            format!("The request body did not arrive within {} s", opts.read_timeout.as_secs()),
        ))),
    }
}

/// Serves HTTP/1.1 on `listener` until the process ends, within `opts`.
pub async fn serve(listener: TcpListener, app: Router, opts: ServeOptions) {
    let opts = Arc::new(opts);
    let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    // Woken when a connection waits for a slot: idle keep-alive connections then close.
    let shed = Arc::new(Notify::new());
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("alter-dev-vault: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(s) => s,
            Err(_) => loop {
                shed.notify_waiters();
                tokio::select! {
                    s = slots.clone().acquire_owned() => match s {
                        Ok(s) => break s,
                        Err(_) => return,
                    },
                    // Asks again: connections busy at the first call may be idle now.
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            },
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, app.clone(), opts.clone(), shed.clone(), slot));
    }
}

async fn connection(stream: tokio::net::TcpStream, app: Router, opts: Arc<ServeOptions>, shed: Arc<Notify>, _slot: OwnedSemaphorePermit) {
    let abort = Arc::new(Notify::new());
    let handle = ConnAbort(abort.clone());
    let svc_opts = opts.clone();
    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let app = app.clone();
        let handle = handle.clone();
        let opts = svc_opts.clone();
        async move {
            if let Some(refused) = host_refusal(&req, &opts) {
                return Ok::<_, Infallible>(refused);
            }
            let (parts, body) = req.into_parts();
            let bytes = match read_body(body, &opts).await {
                Ok(b) => b,
                Err(resp) => return Ok(resp),
            };
            let mut req = axum::http::Request::from_parts(parts, Body::from(bytes));
            req.extensions_mut().insert(handle);
            Ok(app.oneshot(req).await.unwrap_or_else(|never| match never {}))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(opts.read_timeout)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    let shed_call = shed.notified();
    tokio::pin!(shed_call);
    shed_call.as_mut().enable();
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = abort.notified() => return,
        // At the connection cap: close now if idle, else after the response in flight.
        _ = &mut shed_call => conn.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = abort.notified() => {}
    }
}

/// Helper for handlers that need the vault from state only.
pub type VaultState = State<Arc<Vault>>;
