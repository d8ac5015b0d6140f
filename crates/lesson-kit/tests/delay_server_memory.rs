//! A client that asks for a big body and never reads it costs the server a little memory, not the
//! body. A file of its own, so a process of its own: it reads the memory of the whole process.
#![cfg(target_os = "linux")]

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use lesson_kit::DelayServer;
use lesson_kit::server::MAX_BYTES;

/// This process's resident memory, from `/proc/self/statm` (its second field, in pages).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm's second field is a number");
    // Safety: sysconf only reads a system setting.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page_size).expect("a positive page size")
}

#[test]
fn clients_that_never_read_a_big_body_do_not_make_the_server_hold_it() {
    const CLIENTS: usize = 8;
    let server = DelayServer::start().expect("server starts");
    let before = resident_bytes();
    // Eight requests for the largest body, whose answers nobody reads: a server that built each
    // body before sending it would now hold 8 × 64 MiB.
    let request = format!("GET /bytes/{MAX_BYTES} HTTP/1.1\r\nHost: x\r\n\r\n");
    let _clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| {
            let mut client = TcpStream::connect(server.addr()).expect("connect");
            client.write_all(request.as_bytes()).expect("write");
            client
        })
        .collect();
    // Every handler has returned its response once all requests were counted and none is in
    // flight; from then on only the body is being sent (or not, since nobody reads).
    let answered = (0..400).any(|_| {
        thread::sleep(Duration::from_millis(50));
        server.requests() == CLIENTS as u64 && server.in_flight() == 0
    });
    assert!(answered, "the server did not answer within 20 s");
    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < MAX_BYTES,
        "the server grew by {} MiB for clients that read nothing",
        grown >> 20
    );
}
