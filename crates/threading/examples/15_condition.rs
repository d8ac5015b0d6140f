//! A condition variable: a consumer sleeps until a producer has put an item in a queue.
//!
//! Python: `threading.Condition()` around a `collections.deque`; the consumer calls
//! `cond.wait_for(lambda: queue)` and the producer `cond.notify()`. Rust's `Condvar` pairs with
//! the `Mutex` that guards the queue, and `wait_while` re-checks the condition after every wake.
//!
//! Run it: `cargo run -p threading --example 15_condition`

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;

fn main() {
    // ANCHOR: condition
    let queue = Mutex::new(VecDeque::new());
    let not_empty = Condvar::new();
    thread::scope(|s| {
        s.spawn(|| {
            loop {
                let queue = queue.lock().unwrap();
                // Releases the lock while it sleeps; holds it again when it
                // wakes.
                let mut queue = not_empty
                    .wait_while(queue, |q| q.is_empty()) // `wait_for`
                    .unwrap();
                match queue.pop_front() {
                    Some(Some(item)) => println!("got {item}"),
                    _ => return, // `None`: no more items
                }
            }
        });
        for item in [Some("spam"), Some("eggs"), None] {
            queue.lock().unwrap().push_back(item);
            not_empty.notify_one(); // cond.notify()
        }
    });
    // ANCHOR_END: condition
}
