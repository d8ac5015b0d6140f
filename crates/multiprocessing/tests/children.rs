//! The lesson's own child processes (`--child NAME`) accept only their own typed frames: bytes
//! that are not a request end them with an error, and they do nothing for it.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use lesson_kit::finish_within;
use multiprocessing::frames::{read_frame, write_frame};
use multiprocessing::start::{ForkRequest, Forked};

const LIMIT: Duration = Duration::from_secs(60);

fn fork_server() -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_multiprocessing"))
        .args(["--child", "fork-server"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fork server starts")
}

#[test]
fn the_fork_server_refuses_bytes_that_are_not_a_request_and_forks_nothing() {
    for junk in [&b"junk\n"[..], b"f", b"\x00\x00\x00\x02zz"] {
        let output = finish_within("fork server on junk", LIMIT, move || {
            let mut server = fork_server();
            let mut stdin = server.stdin.take().expect("piped");
            stdin.write_all(junk).expect("written");
            drop(stdin);
            server.wait_with_output().expect("it ends")
        });
        assert!(!output.status.success(), "{junk:?}: {:?}", output.status);
        assert!(
            output.stdout.is_empty(),
            "{junk:?}: it answered {:?}",
            output.stdout
        );
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.starts_with("fork server: "), "{junk:?}: {said}");
    }
}

#[test]
fn the_fork_server_answers_each_request_with_the_forked_pid() {
    let (answers, status) = finish_within("fork server", LIMIT, || {
        let mut server = fork_server();
        let mut stdin = server.stdin.take().expect("piped");
        let mut stdout = server.stdout.take().expect("piped");
        let mut answers = Vec::new();
        for _ in 0..3 {
            write_frame(&mut stdin, &ForkRequest::Fork).expect("sent");
            let forked: Option<Forked> = read_frame(&mut stdout).expect("a frame");
            answers.push(forked.expect("an answer").pid);
        }
        drop(stdin);
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).expect("read");
        assert!(rest.is_empty(), "nothing after the last answer");
        (answers, server.wait().expect("it ends"))
    });
    assert!(status.success(), "{status:?}");
    assert_eq!(answers.len(), 3);
    assert!(answers.iter().all(|&pid| pid > 0), "{answers:?}");
}
