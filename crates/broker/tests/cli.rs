//! The command line: `--help`, a worker's bad input, and a machine without redis-server.

use std::process::Command;

fn broker() -> Command {
    Command::new(env!("CARGO_BIN_EXE_broker"))
}

#[test]
fn help_lists_the_experiments_and_the_worker() {
    let out = broker().arg("--help").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["cost", "images", "killed-worker", "worker --redis"] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
}

#[test]
fn a_worker_without_a_url_is_refused() {
    let out = broker().arg("worker").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--redis"));
}

#[test]
fn a_worker_with_a_bad_url_says_which() {
    let out = broker()
        .args(["worker", "--redis", "nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Redis at nope"));
}

#[test]
fn a_worker_of_an_unknown_queue_is_refused() {
    let out = broker()
        .args([
            "worker",
            "--redis",
            "redis://127.0.0.1:1",
            "--queue",
            "emails",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn without_redis_server_the_tour_says_how_to_install_it_and_runs_the_rest() {
    // No redis-server on this PATH (an empty one): the process pool's side still runs.
    let out = broker()
        .args(["killed-worker", "--repeat", "1"])
        .env("PATH", "")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("apt-get install redis-server"), "{text}");
}
