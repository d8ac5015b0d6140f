//! The delay server: it waits as asked, counts overlap exactly, fails cleanly on bad input, and
//! only ever listens on loopback.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use lesson_kit::DelayServer;

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
