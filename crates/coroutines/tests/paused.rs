//! The loop-lag monitor, cancellation and the chef on a paused clock: tokio's own scheduler with
//! virtual time, so every figure below is exact and the same on every machine.

use std::time::Duration;

use coroutines::cancel::{
    HandleFates, receive_frames, timeout_then_cleanup, what_handles_do_when_dropped,
};
use coroutines::chef::{Kitchen, idle_while_ready, serve};
use coroutines::lag::{LagMonitor, Lags};
use lesson_kit::Trace;
use tokio::time::{Instant, advance, sleep};

#[test]
fn lags_are_measured_from_each_ticks_due_time() {
    let start = Instant::now();
    let mut lags = Lags::new(Duration::from_millis(1));
    lags.record(start, start);
    lags.record(start, start + Duration::from_millis(3));
    lags.record(
        start + Duration::from_millis(5),
        start + Duration::from_millis(4),
    );
    assert_eq!(lags.lags_s, [0.0, 0.003, 0.0], "an early wake-up is no lag");
    assert_eq!(lags.max_s(), 0.003);
    assert_eq!(lags.later_than(Duration::from_millis(2)), 1);
}

#[tokio::test(start_paused = true)]
async fn the_monitor_sees_a_stall_as_one_late_tick() {
    let monitor = LagMonitor::start(
        Duration::from_millis(1),
        Trace::virtual_time(),
        "monitor".into(),
        Instant::now(),
    );
    sleep(Duration::from_millis(10)).await;
    // A blocking call, on a paused clock: the clock moves 200 ms while no task can run.
    let stalled = tokio::spawn(async { advance(Duration::from_millis(200)).await });
    stalled.await.unwrap();
    sleep(Duration::from_millis(10)).await;
    let lags = monitor.stop().await;
    assert_eq!(
        lags.later_than(Duration::from_millis(100)),
        1,
        "{:?}",
        lags.lags_s
    );
    assert!(lags.max_s() >= 0.19, "{}", lags.max_s());
    assert!(lags.lags_s.len() >= 20, "it kept ticking before and after");
}

#[tokio::test(start_paused = true)]
async fn a_timeout_drops_the_future_and_its_cleanup_runs_first() {
    let log = timeout_then_cleanup(Duration::from_millis(100), Duration::from_secs(1)).await;
    assert_eq!(log, ["cleanup ran (Drop)", "timed out"]);
    let log = timeout_then_cleanup(Duration::from_secs(1), Duration::from_millis(100)).await;
    assert_eq!(
        log,
        ["cleanup ran (Drop)", "finished"],
        "Drop runs on success too"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_join_handle_detaches_and_a_dropped_join_set_aborts() {
    let fates = what_handles_do_when_dropped(Duration::from_millis(100)).await;
    assert_eq!(
        fates,
        HandleFates {
            join_handle_dropped: true,
            join_set_dropped: false,
            aborted: false
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_read_that_is_not_cancel_safe_tears_frames_inside_select_and_the_fix_does_not() {
    let gap = Duration::from_millis(10);
    let lossy = receive_frames(false, 20, gap, Duration::from_millis(15)).await;
    let safe = receive_frames(true, 20, gap, Duration::from_millis(15)).await;
    assert!(lossy.torn > 0, "{lossy:?}");
    assert_eq!((safe.whole, safe.torn), (20, 0), "{safe:?}");
    // Without a heartbeat to cancel it, the lossy read loses nothing: the loss is the cancelling.
    let alone = receive_frames(false, 20, gap, Duration::from_secs(3600)).await;
    assert_eq!(alone.torn, 0, "{alone:?}");
}

#[test]
fn the_chefs_evening_on_a_paused_clock() {
    let runtime = coroutines::runtime::paused().unwrap();
    let trace = Trace::virtual_time();
    let kitchen = Kitchen {
        tables: 3,
        courses: 2,
        work: Duration::ZERO,
        cooking: Duration::from_millis(100),
    };
    let service = runtime.block_on(serve(kitchen, &trace, Instant::now()));
    assert_eq!(service.ready_waits.len(), 6, "every dish served");
    assert_eq!(service.threads.len(), 1, "by one chef on one thread");
    let idle = idle_while_ready(&service.chef_busy, &service.ready_waits);
    assert!(idle.iter().all(|&s| s == 0.0), "{idle:?}");
    let mut data = trace.snapshot();
    // The chef's lane names the thread it ran on, which differs between test runners.
    for name in data
        .lanes
        .iter_mut()
        .chain(data.spans.iter_mut().map(|s| &mut s.lane))
    {
        if name.starts_with("chef on ") {
            *name = "chef".into();
        }
    }
    let spans: Vec<String> = data
        .spans
        .iter()
        .map(|s| {
            format!(
                "{:<8} {:<16} {:>5.3}–{:.3} s",
                s.lane,
                s.state.describe(),
                s.start_s,
                s.end_s
            )
        })
        .collect();
    let timeline = lesson_kit::render::terminal::timeline(
        &data,
        lesson_kit::render::terminal::TerminalOptions::plain(),
    );
    insta::assert_snapshot!(format!("{timeline}\n{}", spans.join("\n")));
}
