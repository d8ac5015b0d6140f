//! `cargo run -p broker`: the tour of the broker lesson. `cargo run -p broker -- worker --redis
//! redis://HOST:PORT`: a worker, on this machine or any other.

use std::process::ExitCode;

use clap::Parser;
use futures_api::tasks::Task;

#[derive(Parser)]
struct Worker {
    #[command(flatten)]
    args: broker::worker::WorkerArgs,
}

fn main() -> ExitCode {
    let mut args = std::env::args();
    if args.nth(1).as_deref() == Some("worker") {
        let worker = Worker::parse_from(std::env::args().skip(1));
        return match broker::worker::run::<Task>(&worker.args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("broker worker: {e}");
                ExitCode::FAILURE
            }
        };
    }
    ExitCode::SUCCESS
}
