//! A pipeline on channels: three fetchers → one parser → one writer, with a bounded queue.
//!
//! Python: `queue.Queue(maxsize=4)` between fetcher threads and a parser thread, and another
//! between the parser and a writer thread. `mpsc::sync_channel(4)` is that queue: `send` blocks
//! while 4 pages wait, like `put`, so fetchers that run ahead wait instead of filling memory.
//!
//! Run it: `cargo run -p threading --example 10_channel_pipeline`

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use lesson_kit::DelayServer;
use threading::{Client, fetch};

fn main() -> anyhow::Result<()> {
    let server = DelayServer::start()?;
    let urls: Vec<String> = (0..12)
        .map(|i| server.bytes_url(1000 + i, Duration::from_millis(20)))
        .collect();
    let client = Client::new(Duration::from_secs(10))?;

    // ANCHOR: pipeline
    let (to_parser, pages) = mpsc::sync_channel(4); // queue.Queue(maxsize=4)
    let (to_writer, lines) = mpsc::sync_channel(4);
    thread::scope(|s| {
        for chunk in urls.chunks(4) {
            let to_parser = to_parser.clone(); // each fetcher's own sender
            let client = &client;
            s.spawn(move || {
                for url in chunk {
                    let page = fetch(client, url);
                    // Blocks while 4 pages wait: the fetcher slows to the
                    // parser's pace.
                    to_parser.send(page).unwrap();
                }
            });
        }
        // The parser's loop ends when the last fetcher's sender is gone.
        drop(to_parser);
        s.spawn(move || {
            for page in pages {
                let line = match page.outcome {
                    Ok(bytes) => format!("{}: {bytes} bytes", page.url),
                    Err(error) => format!("{}: {error}", page.url),
                };
                to_writer.send(line).unwrap();
            }
        });
        for line in lines {
            println!("{line}"); // the writer: one thread owns the output
        }
    });
    // ANCHOR_END: pipeline
    Ok(())
}
