//! Who is on the other end of the socket. The address is the socket peer
//! (trusted proxies come with the network access control work).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use http::header;
use kura::audit::ClientInfo;

pub async fn client_info(mut req: Request, next: Next) -> Response {
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect::<String>());
    req.extensions_mut().insert(ClientInfo { ip, user_agent });
    next.run(req).await
}
