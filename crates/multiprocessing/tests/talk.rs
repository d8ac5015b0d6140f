//! Shared memory: a block one process creates and another opens is the same memory.

use multiprocessing::talk::SharedMemory;

#[test]
fn a_block_opened_by_name_is_the_same_memory_and_is_removed_by_its_creator() {
    let name = format!("multiprocessing-test-{}", std::process::id());
    let mut created = SharedMemory::create(&name, 4096).expect("creates");
    assert_eq!(created.len(), 4096);
    assert!(
        created.buf().iter().all(|&b| b == 0),
        "a new block is zeroed"
    );
    created.buf_mut()[..5].copy_from_slice(b"hello");
    {
        let mut opened = SharedMemory::open(&name).expect("opens");
        assert_eq!(&opened.buf()[..5], b"hello");
        opened.buf_mut()[0] = b'j';
    }
    assert_eq!(
        &created.buf()[..5],
        b"jello",
        "the change is seen through the other mapping"
    );
    assert!(
        SharedMemory::create(&name, 16).is_err(),
        "the name is taken"
    );
    drop(created);
    assert!(SharedMemory::open(&name).is_err(), "its creator removed it");
}

/// `multiprocessing | head -1`: the lesson ends quietly, as `cat` does, not with a "Broken pipe" panic.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_lesson_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let (status, stderr) = lesson_kit::finish_within(
        "the lesson on a closed pipe",
        std::time::Duration::from_secs(60),
        || {
            lesson_kit::os::run_with_closed_stdout(
                std::process::Command::new(env!("CARGO_BIN_EXE_multiprocessing"))
                    .args(["talking", "--repeat", "1"]),
            )
            .expect("the lesson starts")
        },
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}: {stderr}");
}
