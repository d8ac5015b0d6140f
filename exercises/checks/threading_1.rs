//! The checks of threading-1, shared by `exercises` and `solutions`.

use std::net::TcpListener;
use std::time::Duration;

use lesson_kit::DelayServer;

use crate::harness::run_check;
use crate::target::threading_1::fetch_all;

// The hint is printed when a check fails, and shown in the book under the exercise.
const HINT: &str = include_str!("../hints/threading_1.md");

fn server() -> DelayServer {
    DelayServer::start().expect("the check's local server starts")
}

#[test]
fn every_request_is_in_flight_at_once() {
    run_check("threading-1", HINT, || {
        let server = server();
        let urls: Vec<String> = (0..5)
            .map(|_| server.delay_url(Duration::from_millis(300)))
            .collect();
        let results = fetch_all(&urls);
        assert!(
            results.iter().all(Result::is_ok),
            "every fetch should succeed: {results:?}"
        );
        assert_eq!(
            server.peak_in_flight(),
            5,
            "the server saw at most {} of the 5 requests at once: the fetches did not overlap",
            server.peak_in_flight()
        );
    });
}

#[test]
fn results_keep_the_order_of_the_urls() {
    run_check("threading-1", HINT, || {
        let server = server();
        // The slowest first: results in finishing order would come back reversed.
        let delays = [400, 300, 200, 100, 0];
        let urls: Vec<String> = delays
            .iter()
            .map(|&ms| server.delay_url(Duration::from_millis(ms)))
            .collect();
        let bodies: Vec<String> = fetch_all(&urls)
            .into_iter()
            .map(|r| r.expect("every fetch should succeed"))
            .collect();
        let expected: Vec<String> = delays
            .iter()
            .map(|ms| format!("waited {ms} ms\n"))
            .collect();
        assert_eq!(bodies, expected, "results must be in the order of the URLs");
    });
}

#[test]
fn each_failure_is_reported_for_its_url_and_the_rest_complete() {
    run_check("threading-1", HINT, || {
        let server = server();
        // A port with nothing listening: bind one, then let it go.
        let refused = {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
            format!("http://{}/", listener.local_addr().expect("address"))
        };
        let urls = vec![
            server.delay_url(Duration::from_millis(100)),
            server.status_url(404),
            server.truncated_url(),
            refused,
            server.delay_url(Duration::from_millis(100)),
        ];
        let results = fetch_all(&urls);
        assert_eq!(results.len(), urls.len(), "one result per URL");
        assert!(
            results[0].is_ok() && results[4].is_ok(),
            "the good URLs succeed: {results:?}"
        );
        for i in 1..=3 {
            let error = results[i].as_ref().expect_err("this URL must fail");
            assert!(
                error.contains(&urls[i]),
                "the error for {} must name it: {error}",
                urls[i]
            );
        }
        assert!(
            results[1].as_ref().unwrap_err().contains("404"),
            "a 404 says 404"
        );
    });
}
