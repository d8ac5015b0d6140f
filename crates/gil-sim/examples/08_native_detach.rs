//! Native code that keeps the GIL runs one call at a time; the same code inside `py.detach` runs
//! on every core.
//!
//! Mirrors: `hashlib.sha256(big_buffer)` on threads (it releases the GIL for buffers over 2 KiB),
//! against a C extension that never calls `Py_BEGIN_ALLOW_THREADS`.
//! Run it: `cargo run -p gil-sim --example 08_native_detach`

use std::time::Instant;

use gil_sim::{Interpreter, Mode, Python, work};

fn main() {
    let data = vec![7u8; 64 * 1024];
    for detach in [false, true] {
        let interp = Interpreter::new(Mode::Cpython312);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for i in 0..4 {
                let (interp, data) = (&interp, &data);
                scope.spawn(move || {
                    Python::attach(interp, &format!("thread {i}"), |py| {
                        // ANCHOR: native
                        if detach {
                            py.detach(|| work::native_hash(data, 300))
                        } else {
                            work::native_hash(data, 300)
                        }
                        // ANCHOR_END: native
                    })
                });
            }
        });
        let how = if detach { "released" } else { "held" };
        println!("4 native calls, GIL {how}: {:?}", started.elapsed());
    }
}
