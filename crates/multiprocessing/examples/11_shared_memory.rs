//! Shared memory: one block of memory, mapped by two processes. Nothing is copied.
//!
//! Python: `shm = SharedMemory(create=True, size=n)` in one process, `SharedMemory(name)` in the
//! other, and both read and write `shm.buf`. On Linux both are a file in /dev/shm.
//! Run it: `cargo run -p multiprocessing --example 11_shared_memory`

use std::process::Command;

use multiprocessing::images::generate;
use multiprocessing::talk::SharedMemory;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let name = args.next().unwrap_or_default();
        return child(&name);
    }
    // ANCHOR: parent
    let image = generate(1, 512);
    let name = format!("shared-image-{}", std::process::id());
    let mut shared = SharedMemory::create(&name, image.pixels.len())?;
    shared.buf_mut().copy_from_slice(&image.pixels);
    // Only the name travels to the child; the pixels stay where they are.
    Command::new(std::env::current_exe()?)
        .args(["child", &name])
        .status()?;
    let inverted = shared
        .buf()
        .iter()
        .zip(&image.pixels)
        .all(|(&s, &p)| s == 255 - p);
    println!(
        "the child inverted all {} bytes in place: {inverted}",
        shared.len()
    );
    // ANCHOR_END: parent
    Ok(())
}

fn child(name: &str) -> anyhow::Result<()> {
    // ANCHOR: child
    let mut shared = SharedMemory::open(name)?;
    for byte in shared.buf_mut() {
        *byte = 255 - *byte;
    }
    // ANCHOR_END: child
    Ok(())
}
