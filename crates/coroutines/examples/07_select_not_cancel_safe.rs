//! A read that is not cancel-safe inside a `select!` loop loses data. Each frame arrives in two
//! halves; a heartbeat wins the `select!` between them and the half already read is dropped.
//! Python's closest trap: `asyncio.wait_for(reader.readexactly(n), …)` timing out mid-read.
//!
//! cargo run -p coroutines --example 07_select_not_cancel_safe

use std::time::Duration;

use tokio::sync::mpsc::{self, Receiver};

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (send, mut halves) = mpsc::channel(8);
    tokio::spawn(async move {
        for frame in 0..5 {
            for half in ["head", "body"] {
                let _ = send.send(format!("{frame}:{half}")).await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let mut heartbeat = tokio::time::interval(Duration::from_millis(15));
    // ANCHOR: lossy
    // Not cancel-safe: dropped between its two `recv`s, it drops the
    // head it already took.
    async fn read_frame(rx: &mut Receiver<String>) -> Option<(String, String)> {
        let head = rx.recv().await?;
        let body = rx.recv().await?;
        Some((head, body))
    }

    loop {
        tokio::select! {
            frame = read_frame(&mut halves) => match frame {
                Some(frame) => println!("frame {frame:?}"),
                None => break,
            },
            // Winning, the heartbeat drops the read in progress.
            _ = heartbeat.tick() => println!("heartbeat"),
        }
    }
    // ANCHOR_END: lossy
}
