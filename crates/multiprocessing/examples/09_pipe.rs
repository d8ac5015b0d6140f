//! A `Pipe` between two processes: values sent as frames, both ways.
//!
//! Python: `parent, child = Pipe()`, then `parent.send(obj)` and `child.recv()`. A pipe carries
//! bytes, so each value is serialized and written with its length in front (pickle, in Python;
//! serde and postcard here), and read back whole on the other side.
//! Run it: `cargo run -p multiprocessing --example 09_pipe`

use std::io::{self, BufReader};
use std::process::{Command, Stdio};

use multiprocessing::frames::{read_frame, write_frame};

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("child") {
        return child();
    }
    // ANCHOR: parent
    let mut child = Command::new(std::env::current_exe()?)
        .arg("child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut to_child = child.stdin.take().expect("asked for a pipe");
    let from_child = child.stdout.take().expect("asked for a pipe");
    let mut from_child = BufReader::new(from_child);
    for word in ["ping", "hello", "bye"] {
        write_frame(&mut to_child, word)?;
        let answer: Option<String> = read_frame(&mut from_child)?;
        println!("sent {word:?}, got back {answer:?}");
    }
    drop(to_child); // the child sees the end of its input, and exits
    child.wait()?;
    // ANCHOR_END: parent
    Ok(())
}

fn child() -> anyhow::Result<()> {
    // ANCHOR: child
    let mut from_parent = io::stdin().lock();
    let mut to_parent = io::stdout().lock();
    while let Some(word) = read_frame::<String>(&mut from_parent)? {
        write_frame(&mut to_parent, &word.to_uppercase())?;
    }
    // ANCHOR_END: child
    Ok(())
}
