//! Fetching: results in order, every kind of failure reported per URL, and the proof of overlap.
//!
//! No test reads a stopwatch: overlap is proved by the server's count of requests in flight.

use std::net::TcpListener;
use std::time::Duration;

use lesson_kit::{DelayServer, Trace, finish_within};
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
        assert!(
            matches!(
                results[4].outcome,
                Err(FetchError::Truncated { .. } | FetchError::Closed)
            ),
            "{:?}",
            results[4].outcome
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
