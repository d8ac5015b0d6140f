//! `delay-server | head -1`: a binary whose reader goes away ends quietly, as `cat` does, instead
//! of panicking with "failed printing to stdout: Broken pipe".
#![cfg(unix)]

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use lesson_kit::finish_within;

#[test]
fn the_delay_server_ends_quietly_when_its_output_pipe_is_closed() {
    let (status, stderr) = finish_within(
        "delay-server on a closed pipe",
        Duration::from_secs(60),
        || {
            // A pipe whose reading end is closed before the server starts: its very first line goes
            // to a reader that is gone, as `head -1` is gone by the second.
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            let mut child = Command::new(env!("CARGO_BIN_EXE_delay-server"))
                .args(["--port", "0"])
                .stdout(writer)
                .stderr(Stdio::piped())
                .spawn()
                .expect("delay-server starts");
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .expect("stderr is piped")
                .read_to_string(&mut stderr)
                .expect("stderr is text");
            (child.wait().expect("delay-server ends"), stderr)
        },
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.is_empty(),
        "nothing on stderr, as with `cat`: {stderr}"
    );
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}");
}
