//! Accepting connections. `axum::serve` gives hyper no timer, so a client that sends its
//! request head slowly holds a connection for ever; here hyper's HTTP/1 server runs with a
//! header-read timeout, and the listener accepts no more than `max_connections` at once
//! (further clients wait in the kernel's backlog instead of costing memory). Answers are
//! compressed (brotli or gzip, as the client accepts) when they are not already.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;
use tower_http::compression::{CompressionLayer, CompressionLevel};

pub async fn run(
    listener: TcpListener,
    router: Router,
    max_connections: usize,
    header_read_timeout: Duration,
) {
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    let router = router.layer(compression());
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                eprintln!("attest-server: cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            // Who is connecting, for throttling failed sign-ins per client.
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let mut router = router.clone();
            async move { Ok::<_, Infallible>(router.call(req).await.unwrap_or_else(|e| match e {})) }
        });
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

/// A reviewer's first pull is ~170 KB of JSON: about a second on a slow mobile link sent as
/// it is, a tenth of that compressed. The app's precompressed files already carry their
/// encoding and pass through untouched. Level 5: brotli's and gzip's default levels cost
/// far more server time for a few percent of size on answers made per request.
fn compression() -> CompressionLayer {
    CompressionLayer::new().quality(CompressionLevel::Precise(5))
}
