//! The delay server: it waits as asked, counts overlap exactly, fails cleanly on bad input, only
//! ever listens on loopback, and hangs up on clients that hold a connection without using it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::DelayServer;
use lesson_kit::server::ServerOptions;

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client with rustls builds")
}

#[test]
fn waits_at_least_the_delay_asked_for() {
    let server = DelayServer::start().expect("server starts");
    let started = Instant::now();
    let response = client()
        .get(server.delay_url(Duration::from_millis(150)))
        .send()
        .expect("request succeeds");
    // A lower bound only: the server must not answer early. How much later it answers is timing.
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().expect("body"), "waited 150 ms\n");
}

#[test]
fn peak_in_flight_is_exact_for_overlapping_requests() {
    const N: usize = 8;
    let server = DelayServer::start().expect("server starts");
    // Each request waits 300 ms, and all are sent after one barrier: they overlap unless the
    // server serialises them, which is what this test would catch.
    let url = server.delay_url(Duration::from_millis(300));
    let barrier = Arc::new(Barrier::new(N));
    let handles: Vec<_> = (0..N)
        .map(|_| {
            let (url, barrier) = (url.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                let client = client();
                barrier.wait();
                client.get(&url).send().map(|r| r.status().as_u16())
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("no panic").expect("request"), 200);
    }
    assert_eq!(server.requests(), N as u64);
    assert_eq!(server.peak_in_flight(), N as u64);
    assert_eq!(server.in_flight(), 0);
}

#[test]
fn sequential_requests_never_overlap() {
    let server = DelayServer::start().expect("server starts");
    let client = client();
    for _ in 0..3 {
        client
            .get(server.delay_url(Duration::from_millis(10)))
            .send()
            .expect("request");
    }
    assert_eq!(server.requests(), 3);
    assert_eq!(server.peak_in_flight(), 1);
    server.reset_counts();
    assert_eq!((server.requests(), server.peak_in_flight()), (0, 0));
}

#[test]
fn the_truncated_route_gives_the_client_an_error_not_a_hang() {
    let server = DelayServer::start().expect("server starts");
    let result = client()
        .get(server.truncated_url())
        .send()
        .and_then(|r| r.bytes());
    let error = result.expect_err("a body cut short must be an error");
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "unexpected error kind: {error:?}"
    );
}

#[test]
fn bytes_and_status_routes_answer_as_asked() {
    let server = DelayServer::start().expect("server starts");
    let client = client();
    let body = client
        .get(server.bytes_url(5000, Duration::ZERO))
        .send()
        .and_then(|r| r.bytes())
        .expect("bytes");
    assert_eq!(body.len(), 5000);
    for code in [200, 404, 500, 503] {
        let status = client.get(server.status_url(code)).send().expect("status");
        assert_eq!(status.status().as_u16(), code);
    }
}

#[test]
fn bad_input_gets_404_and_400() {
    let server = DelayServer::start().expect("server starts");
    let client = client();
    let status = |path: &str| {
        client
            .get(server.url(path))
            .send()
            .expect("request")
            .status()
            .as_u16()
    };
    assert_eq!(status("/no/such/route"), 404);
    assert_eq!(status("/delay/soon"), 400);
    assert_eq!(status("/delay/-5"), 400);
    assert_eq!(status("/delay/999999999"), 400);
    assert_eq!(status("/bytes/ten"), 400);
    assert_eq!(status("/bytes/10?delay_ms=later"), 400);
    assert_eq!(status("/status/99"), 400);
    assert_eq!(status("/status/600"), 400);
}

#[test]
fn listens_on_loopback_only() {
    let server = DelayServer::start().expect("server starts");
    assert!(server.addr().ip().is_loopback());
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
}

#[test]
fn a_taken_port_is_an_error_that_says_what_to_do() {
    let first = DelayServer::start().expect("server starts");
    let error = DelayServer::start_on_port(first.addr().port())
        .err()
        .expect("the port is taken");
    let message = error.to_string();
    assert!(message.contains("--port"), "{message}");
}

#[test]
fn dropping_the_server_does_not_wait_for_idle_connections() {
    let server = DelayServer::start().expect("server starts");
    // An idle keep-alive connection held open by a client: a graceful shutdown would wait for it.
    let mut idle = TcpStream::connect(server.addr()).expect("connect");
    idle.write_all(b"GET /delay/0 HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut first_bytes = [0u8; 12];
    idle.read_exact(&mut first_bytes).expect("response starts");
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        drop(server);
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("dropping the server returns even with a connection open");
}

/// A server that hangs up on idle clients after 300 ms instead of the default 15 s, so that the
/// tests of that defence are short. The limit is not judged: tests wait far longer than it.
fn impatient_server() -> DelayServer {
    DelayServer::start_with(ServerOptions {
        idle_timeout: Duration::from_millis(300),
        ..ServerOptions::default()
    })
    .expect("server starts")
}

/// Everything the server sends on `stream` until it closes the connection. Panics if the
/// connection is still open after 20 s: a server that keeps idle clients would do that.
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a read timeout");
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => received,
        // Closed with a reset rather than an orderly end: closed all the same.
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => received,
        Err(error) => panic!("the server still holds the connection after 20 s ({error})"),
    }
}

/// Splits a raw HTTP response into its head (lower-cased) and its body.
fn head_and_body(response: &[u8]) -> (String, &[u8]) {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..end]).to_lowercase();
    (head, &response[end + 4..])
}

#[test]
fn a_client_that_connects_and_says_nothing_is_hung_up_on() {
    let server = impatient_server();
    let mut idle = TcpStream::connect(server.addr()).expect("connect");
    read_until_closed(&mut idle);
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_kept_alive_connection_is_closed_once_idle() {
    let server = impatient_server();
    let mut client = TcpStream::connect(server.addr()).expect("connect");
    // HTTP/1.1 keeps the connection open after the answer, for a next request that never comes.
    client
        .write_all(b"GET /delay/0 HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let response = read_until_closed(&mut client);
    let (head, body) = head_and_body(&response);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(body, b"waited 0 ms\n");
}

#[test]
fn a_client_sending_its_request_a_byte_at_a_time_is_hung_up_on() {
    let server = impatient_server();
    let mut slowloris = TcpStream::connect(server.addr()).expect("connect");
    slowloris
        .write_all(b"GET /delay/0 HTTP/1.1\r\n")
        .expect("write");
    // A header that never ends, one byte every 50 ms: each byte is progress, but the head is never
    // complete. Once the server has closed, a write fails (at the latest the second one after).
    let hung_up = (0..400).any(|_| {
        thread::sleep(Duration::from_millis(50));
        slowloris.write_all(b"x").is_err()
    });
    assert!(hung_up, "the server was still reading the head after 20 s");
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_request_longer_than_the_idle_timeout_is_still_answered() {
    // Idle means waiting for a request, not answering one: a 900 ms delay outlasts the 300 ms
    // idle timeout and must still arrive whole.
    let server = impatient_server();
    let response = client()
        .get(server.delay_url(Duration::from_millis(900)))
        .send()
        .and_then(|r| r.text())
        .expect("a slow answer still arrives");
    assert_eq!(response, "waited 900 ms\n");
}

#[test]
fn the_truncated_route_sends_part_of_the_body_it_announces() {
    let server = DelayServer::start().expect("server starts");
    let mut client = TcpStream::connect(server.addr()).expect("connect");
    client
        .write_all(b"GET /truncated HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let response = read_until_closed(&mut client);
    let (head, body) = head_and_body(&response);
    assert!(head.contains("content-length: 1024"), "{head}");
    assert_eq!(body.len(), 100, "a body cut short, not an empty reply");
}

#[test]
fn a_bytes_body_comes_whole_with_its_length_announced() {
    // More than one of the pieces the server sends a body in, and not a multiple of their size.
    const N: usize = 200_001;
    let server = DelayServer::start().expect("server starts");
    let mut client = TcpStream::connect(server.addr()).expect("connect");
    client
        .write_all(
            format!("GET /bytes/{N} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .expect("write");
    let response = read_until_closed(&mut client);
    let (head, body) = head_and_body(&response);
    assert!(head.contains(&format!("content-length: {N}")), "{head}");
    assert_eq!(body.len(), N);
    assert!(body.iter().all(|&b| b == b'x'));
}
