//! Fetching: results in order, every kind of failure reported per URL, and the proof of overlap.
//!
//! No test reads a stopwatch: overlap is proved by the server's count of requests in flight.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use lesson_kit::{DelayServer, Trace, finish_within};
use threading::fetch::{URL_SHOWN_CHARS, short_url};
use threading::{Client, FetchError, FetchResult, fetch_all_sequential, fetch_all_threaded};

/// Runs `test` on its own thread and fails if it takes longer than a minute: a test of threads
/// that deadlocked would otherwise hang the whole suite.
fn with_timeout<T: Send + 'static>(test: impl FnOnce() -> T + Send + 'static) -> T {
    finish_within("this test", Duration::from_secs(60), test)
}

fn client() -> Client {
    Client::new(Duration::from_secs(20)).expect("a client with rustls builds")
}

/// A port on 127.0.0.1 with nothing listening: bind one, note it, close it.
fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/nothing-here")
}

/// The path of a URL and what happened to it, without the server's port: stable for snapshots.
fn summary(results: &[FetchResult]) -> String {
    results
        .iter()
        .map(|r| {
            let path = r.url.splitn(4, '/').nth(3).unwrap_or("");
            match &r.outcome {
                Ok(bytes) => format!("/{path}: ok, {bytes} bytes"),
                Err(reason) => format!("/{path}: {reason}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn results_come_back_in_the_order_of_the_urls_not_of_finishing() {
    with_timeout(|| {
        let server = DelayServer::start().expect("server starts");
        // The first URL is the slowest, so the threads finish in the reverse order.
        let urls: Vec<String> = [300, 200, 100, 0]
            .iter()
            .map(|&ms| server.bytes_url(ms + 1, Duration::from_millis(ms)))
            .collect();
        let results = fetch_all_threaded(&client(), &urls, &Trace::new());
        let urls_back: Vec<&str> = results.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls_back,
            urls.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let sizes: Vec<_> = results.iter().map(|r| r.outcome.clone()).collect();
        assert_eq!(sizes, vec![Ok(301), Ok(201), Ok(101), Ok(1)]);
    });
}

#[test]
fn sequential_and_threaded_fetches_get_the_same_results() {
    with_timeout(|| {
        let server = DelayServer::start().expect("server starts");
        let urls: Vec<String> = (1..=5)
            .map(|n| server.bytes_url(n * 10, Duration::from_millis(20)))
            .collect();
        let client = client();
        let one_by_one = fetch_all_sequential(&client, &urls, &Trace::new());
        let together = fetch_all_threaded(&client, &urls, &Trace::new());
        assert_eq!(summary(&one_by_one), summary(&together));
        assert!(together.iter().all(FetchResult::is_ok));
    });
}

#[test]
fn n_threads_have_n_requests_in_flight_at_once() {
    with_timeout(|| {
        let server = DelayServer::start().expect("server starts");
        // A long delay: every thread has sent its request long before the first answer comes.
        let urls: Vec<String> = (0..20)
            .map(|_| server.delay_url(Duration::from_millis(1500)))
            .collect();
        let results = fetch_all_threaded(&client(), &urls, &Trace::new());
        assert!(results.iter().all(FetchResult::is_ok));
        assert_eq!(server.peak_in_flight(), 20);
        assert_eq!(server.requests(), 20);
    });
}

#[test]
fn one_thread_never_has_more_than_one_request_in_flight() {
    with_timeout(|| {
        let server = DelayServer::start().expect("server starts");
        let urls: Vec<String> = (0..3)
            .map(|_| server.delay_url(Duration::from_millis(50)))
            .collect();
        let results = fetch_all_sequential(&client(), &urls, &Trace::new());
        assert!(results.iter().all(FetchResult::is_ok));
        assert_eq!(server.peak_in_flight(), 1);
    });
}

#[test]
fn each_failing_url_is_reported_with_its_reason_and_the_others_complete() {
    let report = with_timeout(|| {
        let server = DelayServer::start().expect("server starts");
        let urls = vec![
            server.delay_url(Duration::from_millis(10)),
            server.status_url(404),
            server.status_url(500),
            refused_url(),
            server.truncated_url(),
            server.bytes_url(7, Duration::ZERO),
        ];
        let results = fetch_all_threaded(&client(), &urls, &Trace::new());
        assert_eq!(results[1].outcome, Err(FetchError::Status(404)));
        assert_eq!(results[2].outcome, Err(FetchError::Status(500)));
        assert_eq!(results[3].outcome, Err(FetchError::Refused));
        // The server promises 1024 bytes and sends 100: a body cut short, with how much arrived.
        assert_eq!(
            results[4].outcome,
            Err(FetchError::Truncated {
                received: 100,
                expected: "1024".to_string()
            })
        );
        assert_eq!(results[5].outcome, Ok(7));
        summary(&results)
    });
    // `summary` keeps paths, not ports, so the report is the same on every run.
    insta::assert_snapshot!(report);
}

#[test]
fn a_url_slower_than_the_client_timeout_times_out_and_the_rest_complete() {
    with_timeout(|| {
        let server = DelayServer::start().expect("server starts");
        let client = Client::new(Duration::from_millis(200)).expect("client builds");
        let urls = vec![
            server.delay_url(Duration::from_millis(10)),
            server.delay_url(Duration::from_secs(5)),
            server.delay_url(Duration::from_millis(20)),
        ];
        let results = fetch_all_threaded(&client, &urls, &Trace::new());
        assert!(results[0].is_ok() && results[2].is_ok());
        assert_eq!(
            results[1].outcome,
            Err(FetchError::Timeout(Duration::from_millis(200)))
        );
        assert_eq!(
            results[1].outcome.as_ref().unwrap_err().to_string(),
            "timed out: no complete answer within 200 ms"
        );
    });
}

#[test]
fn a_string_that_is_not_a_url_is_reported_not_panicked_on() {
    with_timeout(|| {
        let results = fetch_all_sequential(&client(), &["not a url".to_string()], &Trace::new());
        assert!(matches!(results[0].outcome, Err(FetchError::BadUrl(_))));
    });
}

/// A hand-written HTTP server on 127.0.0.1 that answers one request with `head` at once, then
/// sends `body` one byte every `pause`. It stops when the client hangs up or the body is sent, and
/// the returned receiver says which (true: the whole body went out).
fn slow_server(
    head: String,
    body: Vec<u8>,
    pause: Duration,
) -> (String, std::sync::mpsc::Receiver<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/slow", listener.local_addr().expect("an address"));
    let (finished, finished_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        // Read the request head (small, one read is enough on loopback) before answering.
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let mut sent_all = stream.write_all(head.as_bytes()).is_ok();
        for byte in &body {
            std::thread::sleep(pause);
            // A client that gave up closed its socket: the second write after that fails.
            if stream
                .write_all(&[*byte])
                .and_then(|()| stream.flush())
                .is_err()
            {
                sent_all = false;
                break;
            }
        }
        let _ = finished.send(sent_all);
    });
    (url, finished_rx)
}

#[test]
fn the_timeout_bounds_a_body_that_trickles_in() {
    with_timeout(|| {
        // 40 bytes, one every half second: 20 s in all, 20 times the client's timeout. Each read
        // gets a byte well within the timeout, so only a deadline for the whole fetch stops it.
        let body = vec![b'x'; 40];
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
        let (url, server_finished) = slow_server(head, body, Duration::from_millis(500));
        let client = Client::new(Duration::from_secs(1)).expect("client builds");
        let result = threading::fetch(&client, &url);
        assert_eq!(
            result.outcome,
            Err(FetchError::Timeout(Duration::from_secs(1)))
        );
        // The fetch gave up before the server was done: it ended by timing out, not by waiting.
        let sent_all = server_finished
            .recv_timeout(Duration::from_secs(30))
            .expect("the server stops once the client hangs up");
        assert!(
            !sent_all,
            "the server sent its whole body to a timed-out client"
        );
    });
}

#[test]
fn a_silent_server_that_promised_a_huge_body_is_a_timeout_not_a_cut_connection() {
    with_timeout(|| {
        // A terabyte announced, 3 bytes sent, then silence (the next byte comes after a minute).
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nabc".to_string();
        let (url, _server) = slow_server(head, vec![b'x'], Duration::from_secs(60));
        let client = Client::new(Duration::from_millis(300)).expect("client builds");
        let result = threading::fetch(&client, &url);
        assert_eq!(
            result.outcome,
            Err(FetchError::Timeout(Duration::from_millis(300)))
        );
    });
}

#[test]
fn a_one_millisecond_timeout_is_reported_as_a_timeout() {
    with_timeout(|| {
        // The head comes at once, the body 100 ms later: no complete answer can come within 1 ms,
        // whether the head arrives in time or not.
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".to_string();
        let (url, _server) = slow_server(head, b"ok".to_vec(), Duration::from_millis(100));
        let client = Client::new(Duration::from_millis(1)).expect("client builds");
        let result = threading::fetch(&client, &url);
        assert_eq!(
            result.outcome,
            Err(FetchError::Timeout(Duration::from_millis(1)))
        );
    });
}

#[test]
fn a_long_url_is_shortened_in_messages() {
    with_timeout(|| {
        // A 100 KB URL (too long for HTTP's parser, so it fails before connecting): the message
        // names the URL by its start and then says why.
        let url = format!("{}/{}", refused_url(), "a".repeat(100_000));
        let result = threading::fetch(&client(), &url);
        let reason = result
            .outcome
            .clone()
            .expect_err("no server takes this URL");
        assert_eq!(result.url, url, "the result keeps the whole URL");
        let shown = short_url(&url);
        assert_eq!(shown.chars().count(), URL_SHOWN_CHARS + 1);
        assert!(url.starts_with(shown.trim_end_matches('…')));
        assert_eq!(result.to_string(), format!("{shown}: {reason}"));
        assert!(
            result.to_string().len() < 500,
            "{}",
            result.to_string().len()
        );
    });
}

#[test]
fn a_short_url_is_shown_whole_and_a_cut_never_splits_a_character() {
    assert_eq!(
        short_url("http://127.0.0.1:8000/delay/300"),
        "http://127.0.0.1:8000/delay/300"
    );
    let exactly = "h".repeat(URL_SHOWN_CHARS);
    assert_eq!(short_url(&exactly), exactly);
    // Two-byte characters around the cut: a byte-based cut would panic here.
    let accented = "é".repeat(URL_SHOWN_CHARS + 5);
    assert_eq!(
        short_url(&accented),
        format!("{}…", "é".repeat(URL_SHOWN_CHARS))
    );
}
