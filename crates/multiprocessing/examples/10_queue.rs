//! A `Queue`: one process puts messages, another takes them, in order.
//!
//! Python: `q = Queue()`; the producer calls `q.put(msg)`, the consumer `q.get()`, and a `None`
//! says "no more". Here the queue is a pipe one way; its end is the sentinel.
//! Run it: `cargo run -p multiprocessing --example 10_queue`

use std::io::{self, BufReader};
use std::process::{Command, Stdio};

use multiprocessing::frames::{read_frame, write_frame};
use serde::{Deserialize, Serialize};

/// A message on the queue: a struct, not a tuple, so that both sides agree on its fields.
#[derive(Debug, Serialize, Deserialize)]
struct Progress {
    image: u32,
    percent: u8,
}

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some("producer") {
        return producer();
    }
    // ANCHOR: consumer
    let mut producer = Command::new(std::env::current_exe()?)
        .arg("producer")
        .stdout(Stdio::piped())
        .spawn()?;
    let queue = producer.stdout.take().expect("asked for a pipe");
    let mut queue = BufReader::new(queue);
    while let Some(message) = read_frame::<Progress>(&mut queue)? {
        println!("got {message:?}");
    }
    producer.wait()?;
    // ANCHOR_END: consumer
    Ok(())
}

fn producer() -> anyhow::Result<()> {
    // ANCHOR: producer
    let mut queue = io::stdout().lock();
    for image in 1..=3 {
        for percent in [0, 50, 100] {
            write_frame(&mut queue, &Progress { image, percent })?;
        }
    }
    // ANCHOR_END: producer
    Ok(())
}
