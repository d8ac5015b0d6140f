//! `cargo run -p multiprocessing`: the guided tour of the multiprocessing lesson.

use std::process::ExitCode;

use lesson_kit::Tour;
use multiprocessing::Task;
use multiprocessing::pool::{WORKER, worker_main};

fn main() -> ExitCode {
    Tour::<()>::new("multiprocessing", "Multiprocessing: processes are for computing")
        // A pool's worker is this program again: the mirror of `if __name__ == "__main__":`.
        .child(WORKER, worker_main::<Task>)
        .main(|()| Ok(()))
}
