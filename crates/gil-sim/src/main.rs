//! `cargo run -p gil-sim`: a GIL you can watch — the guided tour (being moved to lesson-kit's
//! `Tour`: the experiments are re-added one by one in the one shape).

use std::process::ExitCode;

use lesson_kit::Tour;

fn main() -> ExitCode {
    Tour::<()>::new("gil-sim", "gil-sim: a GIL you can watch").main(|(): ()| Ok(()))
}
