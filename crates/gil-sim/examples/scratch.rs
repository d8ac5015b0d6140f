use std::time::Duration;
use gil_sim::model::{self, *};
use gil_sim::Mode;
fn main() {
    let c = ModelConfig::default();
    let n = c.checkpoints_in(Duration::from_millis(50));
    for mode in Mode::ALL {
        let cfg = c.with_mode(mode);
        for k in [1usize, 2, 4] {
            let specs: Vec<_> = (0..k).map(|_| ThreadSpec::cpu(n)).collect();
            let t = std::time::Instant::now();
            let s = model::simulate(&cfg, &specs);
            println!("{mode} k={k} total={:?} switches={} drops={} retakes={} waits={:?} ({:?})", s.total, s.switches, s.drop_requests, s.retakes, s.gil_waits, t.elapsed());
        }
    }
    let nf = c.clone(); let nf = ModelConfig{force_switching:false, ..nf};
    let s = model::simulate(&nf, &[ThreadSpec::cpu(n), ThreadSpec::cpu(n)]);
    println!("noforce total={:?} switches={} drops={} retakes={}", s.total, s.switches, s.drop_requests, s.retakes);
    for iv in [5000u64, 1000, 100, 10] {
        let cfg = c.with_switch_interval(Duration::from_micros(iv));
        println!("convoy {iv}us: {:?} {:?} {:?} {:?}", model::convoy_latency(&cfg,0), model::convoy_latency(&cfg,1), model::convoy_latency(&cfg,2), model::convoy_latency(&cfg,4));
    }
    let t = std::time::Instant::now();
    let cal = model::calibrate::calibrated();
    println!("{cal:?} {:?}", t.elapsed());
}
