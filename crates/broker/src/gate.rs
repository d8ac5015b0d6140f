//! `Gate`: tasks report to it when they start and finish when it lets them, with a deadline.
//!
//! futures-api's `Gates` keeps one connection per task id; a broker can run one task twice, so
//! this one keeps every arrival, and waiting for one ends with an error after `patience` instead
//! of hanging (a task that never comes is the failure the lesson is about).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use futures_api::tasks::Task;

/// A listener on a free port of 127.0.0.1, and the tasks waiting at it.
pub struct Gate {
    listener: TcpListener,
    arrived: Vec<(u64, TcpStream)>,
}

impl Gate {
    pub fn new() -> io::Result<Gate> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        // Polled, so that waiting has a deadline (std has no accept timeout).
        listener.set_nonblocking(true)?;
        Ok(Gate {
            listener,
            arrived: Vec::new(),
        })
    }

    /// A task that waits here as `id` and answers `id`.
    pub fn task(&self, id: u64) -> io::Result<Task> {
        Ok(Task::Gate {
            addr: self.listener.local_addr()?,
            id,
        })
    }

    /// Waits at most `patience` for one more task to arrive, and says which.
    pub fn next_arrival(&mut self, patience: Duration) -> io::Result<u64> {
        let deadline = Instant::now() + patience;
        loop {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false)?;
                    let mut said = [0u8; 8];
                    stream.read_exact(&mut said)?;
                    let id = u64::from_le_bytes(said);
                    self.arrived.push((id, stream));
                    return Ok(id);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("no task arrived at the gate within {patience:?}"),
                        ));
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Lets every task at the gate finish.
    pub fn open_all(&mut self) {
        for (_, mut stream) in self.arrived.drain(..) {
            // A task whose worker was killed has no one reading: nothing to let through.
            let _ = stream.write_all(&[1]);
        }
    }
}
