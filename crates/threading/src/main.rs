//! `cargo run -p threading`: the threading lesson. (Being built.)

fn main() {
    println!("Threading: the lesson plan");
    println!("  1. waiting   - fetch N URLs sequentially, then one thread each");
    println!("  2. computing - CPU-bound tasks on Rust threads, and under a simulated GIL");
    println!(
        "  3. shared    - a counter shared by many threads: lost updates and how to avoid them"
    );
    println!("  4. cost      - what a thread costs, and how many this machine runs at once");
    println!();
    println!(
        "This lesson is not written yet: nothing above has been measured, so no figures are shown."
    );
}
