//! The checks of threading-1, shared by `exercises` and `solutions`.

use std::net::TcpListener;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use lesson_kit::DelayServer;
use reqwest::blocking::Client;

use crate::harness::Check;
use crate::target::threading_1::{fetch_all, fetch_one};

pub const CHECKS: &[Check] = &[
    Check {
        name: "every_request_is_in_flight_at_once",
        run: every_request_is_in_flight_at_once,
    },
    Check {
        name: "results_keep_the_order_of_the_urls",
        run: results_keep_the_order_of_the_urls,
    },
    Check {
        name: "each_failure_is_reported_for_its_url_and_the_rest_complete",
        run: each_failure_is_reported_for_its_url_and_the_rest_complete,
    },
    Check {
        name: "a_thread_that_panics_becomes_an_err_for_its_url",
        run: a_thread_that_panics_becomes_an_err_for_its_url,
    },
];

fn server() -> DelayServer {
    DelayServer::start().expect("the check's local server starts")
}

/// `fetch_all` over the network, as a program would call it.
fn fetch_all_over_http(urls: &[String]) -> Vec<Result<String, String>> {
    let client = Client::new();
    fetch_all(urls, |url| fetch_one(&client, url))
}

fn every_request_is_in_flight_at_once() {
    let server = server();
    let urls: Vec<String> = (0..5)
        .map(|_| server.delay_url(Duration::from_millis(300)))
        .collect();
    let results = fetch_all_over_http(&urls);
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
}

fn results_keep_the_order_of_the_urls() {
    let server = server();
    // The slowest first: results in finishing order would come back reversed.
    let delays = [400, 300, 200, 100, 0];
    let urls: Vec<String> = delays
        .iter()
        .map(|&ms| server.delay_url(Duration::from_millis(ms)))
        .collect();
    let bodies: Vec<String> = fetch_all_over_http(&urls)
        .into_iter()
        .map(|r| r.expect("every fetch should succeed"))
        .collect();
    let expected: Vec<String> = delays
        .iter()
        .map(|ms| format!("waited {ms} ms\n"))
        .collect();
    assert_eq!(bodies, expected, "results must be in the order of the URLs");
}

fn each_failure_is_reported_for_its_url_and_the_rest_complete() {
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
    let results = fetch_all_over_http(&urls);
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
        results[1]
            .as_ref()
            .is_err_and(|error| error.contains("404")),
        "a 404 says 404: {:?}",
        results[1]
    );
}

/// A bug in one fetch, here a panic, costs that URL only: the task says so in the stub.
fn a_thread_that_panics_becomes_an_err_for_its_url() {
    let urls: Vec<String> = ["first", "buggy", "last"].map(String::from).to_vec();
    let fetch = |url: &str| {
        if url == "buggy" {
            panic!("a bug while fetching {url}");
        }
        Ok(format!("the body of {url}"))
    };
    let Ok(results) = panic::catch_unwind(AssertUnwindSafe(|| fetch_all(&urls, fetch))) else {
        panic!(
            "fetch_all panicked because one of its threads did: a panicking thread must become \
             an Err for its URL, and the other URLs' results must still come back"
        );
    };
    assert_eq!(results.len(), urls.len(), "one result per URL");
    assert_eq!(results[0].as_deref(), Ok("the body of first"));
    assert_eq!(results[2].as_deref(), Ok("the body of last"));
    let error = results[1]
        .as_ref()
        .expect_err("the URL whose thread panicked must get an Err");
    assert!(
        error.contains("buggy"),
        "the error for the thread that panicked must name its URL: {error}"
    );
}
