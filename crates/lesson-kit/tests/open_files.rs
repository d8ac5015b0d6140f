//! `ensure_open_files` on this process's real limits. A file of its own, so a process of its own:
//! it lowers and raises the limit of the process it runs in, which no other test must see.
#![cfg(unix)]
// `rlim_t` is `u64` on Linux and macOS but not on every Unix: the casts are for the others.
#![allow(clippy::unnecessary_cast)]

use lesson_kit::os::{LimitError, ensure_open_files};

/// The soft and hard limits on open files, as `ulimit -Sn` and `ulimit -Hn` print them.
fn limits() -> (u64, u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // Safety: `limit` is a valid rlimit for getrlimit to write into.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    (limit.rlim_cur as u64, limit.rlim_max as u64)
}

fn set_soft_limit(soft: u64) {
    let (_, hard) = limits();
    let limit = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // Safety: `limit` is a valid rlimit that setrlimit only reads; lowering a soft limit is allowed.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

#[test]
fn a_low_soft_limit_is_raised_and_a_need_above_the_hard_limit_says_what_to_run() {
    let (_, hard) = limits();
    let infinity: libc::rlim_t = libc::RLIM_INFINITY;
    // The shell's usual 1,024 shrunk to 64, with a need of 200: as `--count 100` under a low limit.
    if hard >= 200 {
        set_soft_limit(64);
        ensure_open_files(200).expect("the hard limit leaves room for 200");
        let (soft, _) = limits();
        assert!(soft >= 200, "the soft limit is still {soft}");
    }
    // One more than the hard limit: no process can raise itself that far, so the error says how.
    if hard != infinity as u64 {
        let needed = hard + 1;
        match ensure_open_files(needed) {
            Err(error @ LimitError::TooFewOpenFiles { .. }) => {
                let message = error.to_string();
                assert!(
                    message.contains(&format!("`ulimit -n {needed}`")),
                    "{message}"
                );
            }
            other => panic!("expected TooFewOpenFiles, got {other:?}"),
        }
    }
    // A need already met changes nothing.
    let before = limits();
    ensure_open_files(10).expect("10 open files are always allowed");
    assert_eq!(limits(), before);
}
