//! The checks of coroutines-4, shared by `exercises` and `solutions`. A ticker task counts how
//! often it gets the thread while `checksum` runs; counts, not times, so never timing luck.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::harness::Check;
use crate::target::coroutines_4::checksum;

pub const CHECKS: &[Check] = &[
    Check {
        name: "the_ticker_keeps_ticking_while_a_long_checksum_runs",
        run: the_ticker_keeps_ticking_while_a_long_checksum_runs,
    },
    Check {
        name: "two_checksums_and_the_ticker_all_get_turns",
        run: two_checksums_and_the_ticker_all_get_turns,
    },
];

/// The sum `checksum` must return, computed here in one go.
fn expected(data: &[u64]) -> u64 {
    data.iter()
        .fold(0u64, |sum, &x| sum.wrapping_add(x.wrapping_mul(31)))
}

fn data(len: u64) -> Arc<Vec<u64>> {
    Arc::new(
        (0..len)
            .map(|x| x.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect(),
    )
}

/// Runs `work` on one thread beside a ticker; returns its value and the ticks during it.
fn beside_a_ticker<T>(work: impl Future<Output = T>) -> (T, u64) {
    // No clock at all is involved: the ticker's ticks are counted, never timed. (A paused clock
    // is no help here: `spawn_blocking`, one of the fixes, keeps it from advancing.)
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let ticks = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = tokio::spawn({
            let (ticks, stop) = (Arc::clone(&ticks), Arc::clone(&stop));
            async move {
                while !stop.load(Ordering::SeqCst) {
                    ticks.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                }
            }
        });
        // Let the ticker start before the work does.
        tokio::task::yield_now().await;
        let before = ticks.load(Ordering::SeqCst);
        let value = work.await;
        let during = ticks.load(Ordering::SeqCst) - before;
        stop.store(true, Ordering::SeqCst);
        let _ = ticker.await;
        (value, during)
    })
}

fn the_ticker_keeps_ticking_while_a_long_checksum_runs() {
    let data = data(4_000_000);
    let (sum, ticks) = beside_a_ticker(checksum(Arc::clone(&data)));
    assert_eq!(
        sum,
        expected(&data),
        "checksum must still return the same sum"
    );
    assert!(
        ticks >= 3,
        "the ticker ticked {ticks} time(s) while checksum ran: it held the thread from start to \
         end. Let the other tasks run while it works"
    );
}

fn two_checksums_and_the_ticker_all_get_turns() {
    let (a, b) = (data(2_000_000), data(3_000_000));
    let ((sum_a, sum_b), ticks) =
        beside_a_ticker(async { tokio::join!(checksum(Arc::clone(&a)), checksum(Arc::clone(&b))) });
    assert_eq!((sum_a, sum_b), (expected(&a), expected(&b)), "both sums");
    assert!(
        ticks >= 3,
        "the ticker ticked {ticks} time(s) while two checksums ran"
    );
}
