//! Shared by the tests: a fixed Report, and throwaway workspaces on disk.

#![allow(dead_code)] // each test file uses a different part

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lesson_kit::{
    Claim, Figure, Machine, Outcome, Report, Run, Samples, Source, Timing, Trace, Verdict,
};

/// A report with one measured-looking experiment and one modelled (virtual-time) one, with fixed
/// figures so that its rendering can be snapshot-tested.
pub fn fixed_report() -> Report {
    let mut report = Report::new("threading", "Threading: fixed fixture");
    report.machine = Machine::example();

    let trace = Trace::virtual_time();
    trace.record("thread 1", lesson_kit::State::Running, 0.0, 0.005);
    trace.record("thread 1", lesson_kit::State::WaitingForGil, 0.005, 0.010);
    trace.record("thread 2", lesson_kit::State::WaitingForGil, 0.0, 0.005);
    trace.record("thread 2", lesson_kit::State::Running, 0.005, 0.010);

    report.experiments.push(
        Outcome::new("waiting", "Waiting with threads")
            .intro("Three downloads from the local delay server.")
            .run(Run::timed("sequential", &timing(&[900, 904], &[3, 3])))
            .run(
                Run::timed("3 threads", &timing(&[301, 303], &[4, 4]))
                    .figure("peak in flight", Figure::Count(3)),
            )
            .speedups_against("sequential")
            .finding("3 threads took 301 ms against 900 ms one after another.")
            .claim(
                Claim::new("Threads speed up waiting.", Source::ARTICLE)
                    .measured("2.99× with 3 threads.")
                    .verdict(Verdict::Holds),
            ),
    );
    report.experiments.push(
        Outcome::new("model", "Two CPU threads under the GIL")
            .run(Run::new("2 threads", Duration::from_millis(10)))
            .trace(trace)
            .finding("The two threads took turns."),
    );
    report
}

/// Wall and CPU times of repeated runs, in milliseconds.
fn timing(wall_ms: &[u64], cpu_ms: &[u64]) -> Timing {
    let ms = |v: &[u64]| Samples::seconds(v.iter().map(|&m| Duration::from_millis(m)));
    Timing {
        wall: ms(wall_ms),
        cpu: Some(ms(cpu_ms)),
    }
}

/// A fresh empty directory under the system temp dir, unique to this test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("mdbook-lesson-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("file has a parent")).expect("create dirs");
    fs::write(path, text).expect("write file");
}

/// A tiny workspace: lesson `demo` (depending on `helper` and `lesson-kit`), plus `book/`.
pub fn fake_workspace(name: &str) -> PathBuf {
    let root = temp_dir(name);
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\n",
    );
    write(&root.join("Cargo.lock"), "# lock v1\n");
    write(
        &root.join("crates/demo/Cargo.toml"),
        "[package]\nname = \"demo\"\n\n[dependencies]\nlesson-kit.workspace = true\nhelper = { path = \"../helper\" }\n",
    );
    write(&root.join("crates/demo/src/main.rs"), "fn main() {}\n");
    write(
        &root.join("crates/helper/Cargo.toml"),
        "[package]\nname = \"helper\"\n",
    );
    write(&root.join("crates/helper/src/lib.rs"), "pub fn help() {}\n");
    write(
        &root.join("crates/lesson-kit/Cargo.toml"),
        "[package]\nname = \"lesson-kit\"\n",
    );
    write(&root.join("crates/lesson-kit/src/lib.rs"), "// kit\n");
    write(
        &root.join("crates/other/Cargo.toml"),
        "[package]\nname = \"other\"\n",
    );
    write(&root.join("crates/other/src/main.rs"), "fn main() {}\n");
    write(&root.join("book/book.toml"), "[book]\n");
    root
}
