//! The checks of threading-2, shared by `exercises` and `solutions`.

use std::time::Duration;

use lesson_kit::DelayServer;

use crate::harness::Check;
use crate::target::threading_2::fetch_bounded;

pub const CHECKS: &[Check] = &[
    Check {
        name: "never_more_than_k_in_flight_and_k_at_once",
        run: never_more_than_k_in_flight_and_k_at_once,
    },
    Check {
        name: "a_bound_of_one_is_sequential",
        run: a_bound_of_one_is_sequential,
    },
    Check {
        name: "results_keep_the_order_of_the_urls_and_failures_their_place",
        run: results_keep_the_order_of_the_urls_and_failures_their_place,
    },
];

fn server() -> DelayServer {
    DelayServer::start().expect("the check's local server starts")
}

/// 9 URLs of 200 ms each, fetched with the given bound: returns the server's peak in flight.
fn peak_for(max_in_flight: usize) -> u64 {
    let server = server();
    let urls: Vec<String> = (0..9)
        .map(|_| server.delay_url(Duration::from_millis(200)))
        .collect();
    let results = fetch_bounded(&urls, max_in_flight);
    assert_eq!(results.len(), 9, "one result per URL");
    assert!(
        results.iter().all(Result::is_ok),
        "every fetch should succeed: {results:?}"
    );
    server.peak_in_flight()
}

fn never_more_than_k_in_flight_and_k_at_once() {
    let peak = peak_for(3);
    assert!(
        peak <= 3,
        "{peak} requests were in flight at once, more than the bound of 3"
    );
    assert_eq!(
        peak, 3,
        "only {peak} requests overlapped: the 3 workers did not run together"
    );
}

fn a_bound_of_one_is_sequential() {
    assert_eq!(
        peak_for(1),
        1,
        "with a bound of 1, requests must not overlap"
    );
}

fn results_keep_the_order_of_the_urls_and_failures_their_place() {
    let server = server();
    let urls = vec![
        server.delay_url(Duration::from_millis(300)),
        server.status_url(500),
        server.delay_url(Duration::from_millis(0)),
        server.delay_url(Duration::from_millis(200)),
        server.status_url(404),
    ];
    let results = fetch_bounded(&urls, 2);
    assert_eq!(results.len(), urls.len(), "one result per URL");
    assert_eq!(
        results[0].as_deref(),
        Ok("waited 300 ms\n"),
        "results must be in the order of the URLs"
    );
    assert_eq!(
        results[2].as_deref(),
        Ok("waited 0 ms\n"),
        "results must be in the order of the URLs"
    );
    assert_eq!(
        results[3].as_deref(),
        Ok("waited 200 ms\n"),
        "results must be in the order of the URLs"
    );
    for i in [1, 4] {
        let error = results[i].as_ref().expect_err("this URL must fail");
        assert!(
            error.contains(&urls[i]),
            "the error for {} must name it: {error}",
            urls[i]
        );
    }
}
