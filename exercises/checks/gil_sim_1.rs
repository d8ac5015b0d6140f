//! The checks of gil-sim-1, shared by `exercises` and `solutions`.

use std::time::Duration;

use gil_sim::{Interpreter, Mode};
use lesson_kit::DelayServer;

use crate::harness::Check;
use crate::target::gil_sim_1::fetch_all_under_gil;

pub const CHECKS: &[Check] = &[Check {
    name: "requests_overlap_under_the_gil_and_results_keep_their_order",
    run: requests_overlap_under_the_gil_and_results_keep_their_order,
}];

fn requests_overlap_under_the_gil_and_results_keep_their_order() {
    let server = DelayServer::start().expect("the check's local server starts");
    let interp = Interpreter::new(Mode::Cpython312);
    let delays = [300, 250, 200, 150];
    let urls: Vec<String> = delays
        .iter()
        .map(|&ms| server.delay_url(Duration::from_millis(ms)))
        .collect();
    let results = fetch_all_under_gil(&interp, &urls);
    let peak = server.peak_in_flight();
    assert_eq!(
        peak,
        urls.len() as u64,
        "the server saw at most {peak} of {} requests at once: a thread is holding the GIL while \
         it waits on the network",
        urls.len()
    );
    let bodies: Vec<String> = results
        .into_iter()
        .map(|r| r.expect("every fetch should succeed"))
        .collect();
    let expected: Vec<String> = delays
        .iter()
        .map(|ms| format!("waited {ms} ms\n"))
        .collect();
    assert_eq!(bodies, expected, "results must be in the order of the URLs");
}
