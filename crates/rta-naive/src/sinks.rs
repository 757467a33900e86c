//! The subscribers: a TCP server of MessagePack frames and an SSE server, each subscriber its
//! own unbounded queue, each event serialized for each subscriber.

use crate::core::{Core, Queue};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Accepts MessagePack subscribers.
pub(crate) async fn serve_msgpack(listener: TcpListener, core: Arc<Core>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(msgpack_subscriber(stream, core.clone()));
            }
            Err(error) => tracing::warn!(%error, "naive msgpack: accept failed"),
        }
    }
}

/// One frame: the 4-byte big-endian length, then the map.
fn frame(value: &Value) -> Vec<u8> {
    let payload = rmp_serde::to_vec_named(value).expect("a JSON value always encodes");
    let length = u32::try_from(payload.len()).expect("an event is far below 4 GiB");
    let mut frame = length.to_be_bytes().to_vec();
    frame.extend_from_slice(&payload);
    frame
}

/// The hello line (its filter is not applied: every subscriber gets every event), the
/// `subscribed` frame, then one frame per event, each written as soon as it is taken.
async fn msgpack_subscriber(stream: TcpStream, core: Arc<Core>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut hello = String::new();
    if read.read_line(&mut hello).await.unwrap_or(0) == 0 {
        return;
    }
    if !hello.trim().is_empty() && serde_json::from_str::<Value>(&hello).is_err() {
        let refusal = json!({"type": "error", "message": "the hello is not JSON"});
        let _ = write.write_all(&frame(&refusal)).await;
        return;
    }
    let mut queue = core.subscribe();
    if write
        .write_all(&frame(&json!({"type": "subscribed"})))
        .await
        .is_err()
    {
        return;
    }
    let mut scratch = [0u8; 1024];
    loop {
        tokio::select! {
            event = queue.recv() => {
                let Some(event) = event else { return };
                if write.write_all(&frame(&event)).await.is_err() {
                    return;
                }
            }
            // The subscriber closed its side: stop.
            read = read.read(&mut scratch) => {
                if !matches!(read, Ok(1..)) {
                    return;
                }
            }
        }
    }
}

type SseBody = BoxBody<Bytes, Infallible>;

/// Serves `GET /events` (the query is accepted and not applied), `404` elsewhere.
pub(crate) async fn serve_sse(listener: TcpListener, core: Arc<Core>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "naive SSE: accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let core = core.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = sse_response(&request, &core);
                async move { Ok::<_, Infallible>(response) }
            });
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "naive SSE: connection ended with an error");
            }
        });
    }
}

fn sse_response(request: &Request<Incoming>, core: &Core) -> Response<SseBody> {
    if request.method() != Method::GET || request.uri().path() != "/events" {
        let mut response = Response::new(Full::new(Bytes::from("not found\n")).boxed());
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    let queue = core.subscribe();
    let events = futures::stream::unfold(queue, |mut queue: Queue| async move {
        let event = queue.recv().await?;
        Some((Ok(Frame::data(sse_message(&event))), queue))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(StreamBody::new(events).boxed())
        .expect("a valid response")
}

/// `id: <seq>`, `event: <type>`, `data: <the JSON>`, blank line: what rta's SSE sink sends.
fn sse_message(event: &Value) -> Bytes {
    let kind = event["type"].as_str().unwrap_or("event");
    let json = serde_json::to_string(event).expect("a JSON value always serializes");
    Bytes::from(format!(
        "id: {}\nevent: {kind}\ndata: {json}\n\n",
        event["seq"]
    ))
}
