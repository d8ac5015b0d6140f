//! The protocol's properties, checked on the virtual-time model. Every run is deterministic, so
//! each test also snapshots its timeline (tests/snapshots/): a change to the protocol shows up as
//! a diff a reviewer can read.

use std::fmt::Write;
use std::time::Duration;

use gil_sim::Mode;
use gil_sim::model::{self, ModelConfig, Simulation, ThreadSpec};
use lesson_kit::render::terminal::{TerminalOptions, timeline};
use lesson_kit::{State, TraceData};

const MS: Duration = Duration::from_millis(1);
const US: Duration = Duration::from_micros(1);

/// Fixed costs, so that no snapshot depends on the machine: 1 µs per checkpoint makes 1,000
/// checkpoints one millisecond.
fn config() -> ModelConfig {
    ModelConfig {
        cores: 2,
        switch_interval: MS,
        checkpoint_cost: US,
        wake_latency: 10 * US,
        signal_cost: 2 * US,
        timer_slack: 50 * US,
        ticks_per_checkpoint: 3,
        // The herd's CPU has tests of its own (below); the snapshots show the protocol alone.
        recheck_cost: Duration::ZERO,
        ..ModelConfig::default()
    }
}

/// The run's figures, its timeline as the terminal draws it, and its spans in microseconds.
fn describe(run: &Simulation) -> String {
    let mut out = format!(
        "total {:?}, switches {}, drop requests {}, re-takes {}\nfinish {:?}\nGIL waits {:?}\n\n",
        run.total, run.switches, run.drop_requests, run.retakes, run.finish_times, run.gil_waits
    );
    let data = run.trace.snapshot();
    out.push_str(&timeline(&data, TerminalOptions::plain()));
    out.push('\n');
    for span in &data.spans {
        let _ = writeln!(
            out,
            "{:<10} {:<20} {:>9.1} µs → {:>9.1} µs",
            span.lane,
            span.state.describe(),
            span.start_s * 1e6,
            span.end_s * 1e6
        );
    }
    out
}

/// Seconds during which two different lanes were both running.
fn overlap_of_running_spans(data: &TraceData) -> f64 {
    let running: Vec<_> = data
        .spans
        .iter()
        .filter(|s| s.state == State::Running)
        .collect();
    let mut overlap = 0.0;
    for a in &running {
        for b in &running {
            if a.lane < b.lane {
                overlap += (a.end_s.min(b.end_s) - a.start_s.max(b.start_s)).max(0.0);
            }
        }
    }
    overlap
}

fn waits_for_gil(run: &Simulation) -> usize {
    let data = run.trace.snapshot();
    data.spans
        .iter()
        .filter(|s| s.state == State::WaitingForGil)
        .count()
}

#[test]
fn a_lone_thread_never_drops_the_gil() {
    let run = model::simulate(&config(), &[ThreadSpec::cpu(20_000)]);
    assert_eq!(run.switches, 0);
    assert_eq!(run.drop_requests, 0);
    assert_eq!(run.total, 20 * MS, "nothing but its own work");
    insta::assert_snapshot!(describe(&run));
}

#[test]
fn two_cpu_threads_switch_about_once_per_interval() {
    let run = model::simulate(&config(), &[ThreadSpec::cpu(5_000), ThreadSpec::cpu(5_000)]);
    // One hand-over per interval (plus timer slack and a wake-up) of the 10 ms of work.
    let intervals = run.total.as_secs_f64() / config().switch_interval.as_secs_f64();
    assert!(
        (run.switches as f64) <= intervals && (run.switches as f64) >= 0.8 * intervals - 1.0,
        "{} switches in {intervals:.1} intervals",
        run.switches
    );
    // Every switch but the one when a thread finishes was asked for.
    assert_eq!(run.drop_requests, run.switches - 1);
    insta::assert_snapshot!(describe(&run));
}

#[test]
fn forced_switching_stops_an_immediate_retake() {
    let threads = [ThreadSpec::cpu(4_000), ThreadSpec::cpu(4_000)];
    let forced = model::simulate(&config(), &threads);
    let unforced = model::simulate(
        &ModelConfig {
            force_switching: false,
            ..config()
        },
        &threads,
    );
    assert_eq!(forced.retakes, 0);
    assert!(forced.switches >= 3, "forced: {} switches", forced.switches);
    // Without it the dropper is back in take_gil before the waiter wakes, and wins every time:
    // the waiter only gets the GIL when the first thread is done.
    assert!(
        unforced.retakes >= 3,
        "unforced: {} re-takes",
        unforced.retakes
    );
    assert_eq!(unforced.switches, 1);
    insta::assert_snapshot!(format!(
        "with FORCE_SWITCHING\n{}\nwithout\n{}",
        describe(&forced),
        describe(&unforced)
    ));
}

#[test]
fn a_detached_thread_lets_the_others_run() {
    let cpu = ThreadSpec::cpu(5_000);
    let detached = model::simulate(
        &config(),
        &[ThreadSpec::new().native_detached(5 * MS), cpu.clone()],
    );
    let holding = model::simulate(
        &config(),
        &[ThreadSpec::new().native_holding_gil(5 * MS), cpu],
    );
    // Detached: the native call and the countdown run side by side on the two cores.
    assert!(
        detached.total < 6 * MS,
        "detached took {:?}",
        detached.total
    );
    assert_eq!(detached.gil_waits[1], Duration::ZERO);
    // Holding: the countdown waits for the whole call, drop request or not.
    assert!(holding.total >= 10 * MS, "holding took {:?}", holding.total);
    assert!(holding.gil_waits[1] >= 5 * MS);
    insta::assert_snapshot!(format!(
        "native call inside py.detach\n{}\nnative call holding the GIL\n{}",
        describe(&detached),
        describe(&holding)
    ));
}

#[test]
fn free_threaded_threads_never_wait_and_share_the_cores() {
    let threads = vec![ThreadSpec::cpu(3_000); 4];
    let run = model::simulate(&config().with_mode(Mode::FreeThreaded), &threads);
    assert_eq!(waits_for_gil(&run), 0);
    assert_eq!(run.switches, 0);
    // Four threads of 3 ms on two cores: 6 ms.
    assert_eq!(run.total, 6 * MS);
    let per_interpreter = model::simulate(&config().with_mode(Mode::PerInterpreter), &threads);
    assert_eq!(per_interpreter.total, run.total);
    insta::assert_snapshot!(describe(&run));
}

#[test]
fn the_legacy_gil_is_retaken_by_the_thread_that_released_it() {
    let legacy = config().with_mode(Mode::Legacy);
    let run = model::simulate(&legacy, &[ThreadSpec::cpu(2_000), ThreadSpec::cpu(2_000)]);
    let sequential = model::simulate(&legacy, &[ThreadSpec::cpu(4_000)]);
    // A release every 101 ticks at 3 ticks per checkpoint: every 33.666 µs of work, 59 times
    // while the other thread waited. The releaser took the lock back every time; the only
    // hand-over is when it finished.
    assert_eq!(run.retakes, 59);
    assert_eq!(run.switches, 1);
    assert_eq!(run.drop_requests, 0);
    // Each of those releases had to wake the sleeping waiter, who then failed to get the lock:
    // the holder paid the wake-up call every time, and two threads are slower than one.
    assert_eq!(sequential.total, 4 * MS, "alone, nobody to wake");
    assert_eq!(run.finish_times[0], 2 * MS + 59 * config().signal_cost);
    assert!(run.total > sequential.total + 59 * config().signal_cost);
    insta::assert_snapshot!(describe(&run));
}

#[test]
fn a_legacy_timeline_never_shows_two_threads_running_at_once() {
    // The waiter wins the lock only if it wakes before the releaser is done signalling.
    let config = ModelConfig {
        wake_latency: US,
        signal_cost: 5 * US,
        ..config().with_mode(Mode::Legacy)
    };
    let run = model::simulate(&config, &[ThreadSpec::cpu(500), ThreadSpec::cpu(500)]);
    assert!(run.switches > 2, "{} switches", run.switches);
    assert_eq!(overlap_of_running_spans(&run.trace.snapshot()), 0.0);
}

#[test]
fn a_real_free_threaded_build_pays_its_overhead_on_every_thread() {
    let threads = vec![ThreadSpec::cpu(3_000); 2];
    let ideal = model::simulate(&config().with_mode(Mode::FreeThreaded), &threads);
    let t313 = model::simulate(&config().with_mode(Mode::FreeThreaded313), &threads);
    let t314 = model::simulate(&config().with_mode(Mode::FreeThreaded314), &threads);
    assert_eq!(ideal.total, 3 * MS);
    assert_eq!(t313.total, 4200 * US, "40 % slower");
    assert_eq!(t314.total, 3240 * US, "8 % slower");
    // Native code is C: it pays nothing.
    let native = [ThreadSpec::new().native_detached(MS)];
    assert_eq!(
        model::simulate(&config().with_mode(Mode::FreeThreaded313), &native).total,
        MS
    );
}

#[test]
fn an_io_thread_waits_about_an_interval_behind_a_cpu_thread() {
    let alone = model::convoy_latency(&config(), 0);
    let one = model::convoy_latency(&config(), 1);
    let shorter = model::convoy_latency(&config().with_switch_interval(100 * US), 1);
    assert_eq!(alone, Duration::ZERO);
    // The interval, the timer's slack, a checkpoint and a wake-up.
    assert!(one >= MS && one <= MS + 100 * US, "{one:?}");
    assert!(shorter < one / 5, "{shorter:?}");
    insta::assert_snapshot!(format!(
        "alone {alone:?}\n1 CPU thread {one:?}\n100 µs interval {shorter:?}"
    ));
}

#[test]
fn the_io_loop_trace_shows_io_waits_and_gil_waits() {
    let threads = [
        ThreadSpec::io_loop(3, 2 * MS).named("I/O"),
        ThreadSpec::cpu(8_000).named("CPU"),
    ];
    let run = model::simulate(&config(), &threads);
    assert_eq!(run.wake_latencies[0].len(), 3);
    // The first two answers come back while the CPU thread computes: an interval each. The
    // last comes after it has finished: no wait.
    assert!(run.wake_latencies[0][..2].iter().all(|&wait| wait >= MS));
    assert_eq!(run.wake_latencies[0][2], Duration::ZERO);
    insta::assert_snapshot!(describe(&run));
}

#[test]
fn the_same_inputs_give_the_same_run() {
    let threads = vec![ThreadSpec::cpu(3_000); 3];
    let first = model::simulate(&config(), &threads);
    let second = model::simulate(&config(), &threads);
    assert_eq!(first.trace, second.trace);
    assert_eq!(first.total, second.total);
}

#[test]
fn a_timed_out_waiter_takes_its_recheck_from_the_holders_core() {
    // One core: every nanosecond of CPU is on the critical path. The waiter times out once (at
    // 1 ms), sets the drop request and gets the GIL; its re-check is 100 µs of that one core.
    let one_core = ModelConfig {
        cores: 1,
        timer_slack: Duration::ZERO,
        ..config()
    };
    let threads = [ThreadSpec::cpu(3_000), ThreadSpec::cpu(1)];
    let free = model::simulate(&one_core, &threads);
    let charged = model::simulate(
        &ModelConfig {
            recheck_cost: 100 * US,
            ..one_core.clone()
        },
        &threads,
    );
    assert_eq!(free.drop_requests, 1);
    assert_eq!(charged.drop_requests, 1);
    assert_eq!(charged.total, free.total + 100 * US);
}

#[test]
fn a_herd_of_waiters_slows_the_holder_once_per_interval() {
    // 200 threads of 100 µs each wake at once: 20 ms of work, one at a time. Every 1 ms all the
    // waiters' timers run out together and each re-checks for 10 µs: up to 199 × 10 µs of CPU
    // on two cores, which the holder shares.
    let threads = vec![ThreadSpec::cpu(100); 200];
    let free = model::simulate(&config(), &threads);
    let herd = ModelConfig {
        recheck_cost: 10 * US,
        ..config()
    };
    let charged = model::simulate(&herd, &threads);
    // Without the herd: the work and at most a wake-up per hand-over (a waiter whose timer runs
    // out while the GIL lies free takes it without being woken).
    assert!(free.total > 20 * MS && free.total <= 20 * MS + 199 * config().wake_latency);
    // With it: the same hand-overs, and the holder's core shared with a burst of re-checks about
    // every millisecond; a burst of n waiters costs the holder about n × 10 µs / 2 cores.
    assert_eq!(charged.switches, free.switches);
    let lost = charged.total - free.total;
    assert!(lost > 5 * MS && lost < 20 * MS, "{lost:?}");
}

#[test]
fn a_legacy_release_costs_the_releaser_one_system_call() {
    // 20 ns per iteration, a release every 33⅔ iterations (673 ns of work), 200 ns of system
    // call each time the other thread waits: at most (673 + 200) / 673 ≈ 1.30 times the
    // sequential time, less when the woken waiter takes the lock during the releaser's call
    // (the call then overlaps the new holder's work). The waiter's 10 µs wake-up is not the
    // releaser's to pay: charged to it, two threads would be 1 + 10 / 0.673 ≈ 16 times slower.
    let legacy = ModelConfig {
        checkpoint_cost: Duration::from_nanos(20),
        signal_cost: Duration::from_nanos(200),
        ..config().with_mode(Mode::Legacy)
    };
    let n = 100_000;
    let two = model::simulate(&legacy, &[ThreadSpec::cpu(n), ThreadSpec::cpu(n)]);
    let one = model::simulate(&legacy, &[ThreadSpec::cpu(2 * n)]);
    let ratio = two.total.as_secs_f64() / one.total.as_secs_f64();
    let period = 20.0 * 101.0 / 3.0;
    // Here the woken waiter always lands while the holder computes, so the holder pays a call
    // per release for its whole countdown and then the other runs alone: 1 + 200 / 673 / 2.
    assert_eq!(two.switches, 1);
    let half = 1.0 + 200.0 / period / 2.0;
    assert!(
        ratio >= half - 0.01 && ratio <= (period + 200.0) / period,
        "{ratio}"
    );
}
