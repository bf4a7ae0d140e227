//! Pages are checked before they render: a visitor who may not see a page is
//! sent to the right one (the rule is `kura_app::routes::redirect_for`).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::Method;
use kura_app::routes::redirect_for;
use kura_app::ssr::{visitor_of, CurrentActor};

pub async fn page_guard(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let visitor = req.extensions().get::<CurrentActor>().and_then(|a| a.0.as_ref()).map(visitor_of);
    match redirect_for(req.uri().path(), visitor) {
        Some(to) => Redirect::to(to).into_response(),
        None => next.run(req).await,
    }
}
