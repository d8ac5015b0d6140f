//! The fix: keep what was already read outside the future that `select!` may drop, so that a
//! cancelled read resumes where it stopped. Every frame arrives whole.
//!
//! cargo run -p coroutines --example 08_select_cancel_safe

use std::time::Duration;

use tokio::sync::mpsc;

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
    // ANCHOR: safe
    // Cancel-safe: the head lives in the loop's `head`, not inside the future.
    async fn read_frame(
        halves: &mut mpsc::Receiver<String>,
        head: &mut Option<String>,
    ) -> Option<(String, String)> {
        if head.is_none() {
            *head = Some(halves.recv().await?); // `recv` itself is cancel-safe
        }
        let body = halves.recv().await?;
        Some((head.take()?, body))
    }

    let mut head = None;
    loop {
        tokio::select! {
            frame = read_frame(&mut halves, &mut head) => match frame {
                Some(frame) => println!("frame {frame:?}"),
                None => break,
            },
            _ = heartbeat.tick() => println!("heartbeat"),
        }
    }
    // ANCHOR_END: safe
}
