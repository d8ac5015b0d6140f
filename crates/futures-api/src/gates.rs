//! `Gates`: hold tasks running until the caller lets each one finish, in any process.
//!
//! A test of "cancel fails once running" or "as_completed yields the fastest first" must know
//! that a task is running, and decide when it ends. Sleeping for "long enough" would make the
//! test depend on the machine's speed. Instead each [`Task::Gate`] connects to this listener on
//! 127.0.0.1 when it starts (the caller *sees* it running) and returns when the caller writes one
//! byte back (the caller *chooses* when it ends). A socket works across processes, which a
//! channel or a `Barrier` would not.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use crate::tasks::Task;

/// A listener the gate tasks report to, and their connections, by id.
pub struct Gates {
    listener: TcpListener,
    /// Tasks that have arrived and wait for their gate to open.
    waiting: HashMap<u64, TcpStream>,
}

impl Gates {
    /// A listener on a free port of 127.0.0.1.
    pub fn new() -> io::Result<Self> {
        Ok(Gates {
            listener: TcpListener::bind("127.0.0.1:0")?,
            waiting: HashMap::new(),
        })
    }

    /// A task that waits at gate `id` and answers `id`.
    pub fn task(&self, id: u64) -> Task {
        Task::Gate {
            addr: self.addr(),
            id,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Blocks until task `id` has started (it is at its gate). Only ask for a task that will
    /// start: one that was cancelled never comes.
    pub fn wait_for(&mut self, id: u64) -> io::Result<()> {
        while !self.waiting.contains_key(&id) {
            let (mut stream, _) = self.listener.accept()?;
            let mut said = [0u8; 8];
            stream.read_exact(&mut said)?;
            self.waiting.insert(u64::from_le_bytes(said), stream);
        }
        Ok(())
    }

    /// Blocks until any one more task has started, and says which.
    pub fn next_arrival(&mut self) -> io::Result<u64> {
        let (mut stream, _) = self.listener.accept()?;
        let mut said = [0u8; 8];
        stream.read_exact(&mut said)?;
        let id = u64::from_le_bytes(said);
        self.waiting.insert(id, stream);
        Ok(id)
    }

    /// How many tasks are at their gates now (arrived and not yet let through).
    pub fn held(&self) -> usize {
        self.waiting.len()
    }

    /// Lets task `id` finish, first waiting for it to arrive.
    pub fn open(&mut self, id: u64) -> io::Result<()> {
        self.wait_for(id)?;
        if let Some(mut stream) = self.waiting.remove(&id) {
            stream.write_all(&[1])?;
        }
        Ok(())
    }
}
