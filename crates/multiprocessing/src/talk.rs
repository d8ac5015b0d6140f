//! Talking between processes: the mirrors of Python's `Pipe`, `Queue` and `shared_memory`.
//!
//! Processes share no memory by default, so whatever they exchange is either *sent* (serialized,
//! written into a pipe, read and deserialized on the other side: a copy) or *shared* (one block
//! of memory mapped into both processes: no copy, but also no protection from each other).
//!
//! - A pipe with frames on it is Python's `Pipe()`: `send` and `recv` at both ends.
//! - A pipe that one process only writes and another only reads is a `Queue` (Python's adds a
//!   feeder thread and a lock so that many processes can share one).
//! - [`SharedMemory`] is `multiprocessing.shared_memory.SharedMemory`: on Linux both are a file in
//!   `/dev/shm` (memory, not disk) that each process maps.
//!
//! The other end of each is [`talk_main`], this program started as `--child talk`.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use lesson_kit::cleanup::Scratch;
use memmap2::MmapMut;
use serde::{Deserialize, Serialize};

use crate::frames::{FrameError, read_frame, write_frame};
use crate::images::fnv1a;

/// The child command that answers [`Request`]s.
pub const TALK: &str = "talk";

/// The byte a child writes over the first byte of data it was given: did the parent see it?
pub const MARK: u8 = 0xAB;

/// What the parent asks of the `talk` child, one frame each.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    /// Send this straight back: a `Pipe`'s round trip (`conn.send(conn.recv())`).
    Echo(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Checksum these bytes, then mark the copy received: what sending data costs.
    Sum(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Open the shared memory `name`, checksum its first `len` bytes, and mark it: what sharing
    /// data costs.
    SumShared { name: String, len: usize },
    /// Put `count` messages of `size` bytes on the queue (this child's stdout), then `Done`.
    Produce { count: u64, size: usize },
}

/// What the `talk` child answers.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Echo(#[serde(with = "serde_bytes")] Vec<u8>),
    Sum(u64),
    /// One message of a `Produce`.
    Item(#[serde(with = "serde_bytes")] Vec<u8>),
    Done,
    Failed(String),
}

/// `<program> --child talk`: answers requests from stdin on stdout until stdin closes.
pub fn talk_main(_args: Vec<OsString>) -> ExitCode {
    let (mut requests, mut replies) = (io::stdin().lock(), io::stdout().lock());
    match serve(&mut requests, &mut replies) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("talk: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(requests: &mut impl io::Read, replies: &mut impl io::Write) -> Result<(), FrameError> {
    while let Some(request) = read_frame::<Request>(requests)? {
        match request {
            Request::Echo(bytes) => write_frame(replies, &Reply::Echo(bytes))?,
            Request::Sum(mut bytes) => {
                let sum = fnv1a(&bytes);
                if let Some(first) = bytes.first_mut() {
                    *first = MARK; // Our own copy: the parent will not see this.
                }
                write_frame(replies, &Reply::Sum(sum))?;
            }
            Request::SumShared { name, len } => {
                let reply = match SharedMemory::open(&name) {
                    Ok(mut shared) => {
                        let len = len.min(shared.len());
                        let sum = fnv1a(&shared.buf()[..len]);
                        if let Some(first) = shared.buf_mut().first_mut() {
                            *first = MARK; // The parent's memory too: it will see this.
                        }
                        Reply::Sum(sum)
                    }
                    Err(error) => Reply::Failed(format!("could not open {name}: {error}")),
                };
                write_frame(replies, &reply)?;
            }
            Request::Produce { count, size } => {
                for i in 0..count {
                    write_frame(replies, &Reply::Item(vec![i as u8; size]))?;
                }
                write_frame(replies, &Reply::Done)?;
            }
        }
    }
    Ok(())
}

/// A named block of memory that several processes map: Python's
/// `multiprocessing.shared_memory.SharedMemory`. The process that creates it removes it when it
/// drops it (Python's `unlink()`); the others only unmap it (`close()`).
pub struct SharedMemory {
    name: String,
    path: PathBuf,
    map: MmapMut,
    owner: bool,
    /// A block made by [`SharedMemory::create_for_this_run`]: lesson-kit removes it when this is
    /// dropped, and also when the run is interrupted or, after a SIGKILL, at the next start.
    scratch: Option<Scratch>,
}

impl SharedMemory {
    /// `SharedMemory(name, create=True, size=size)`: a new block, filled with zeros.
    pub fn create(name: &str, size: usize) -> io::Result<Self> {
        let path = Self::path_of(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.set_len(size as u64)?;
        Self::map(name, path, &file, true)
    }

    /// A new block named for this run (`/dev/shm/multiprocessing-PURPOSE-PID-N`), which nothing
    /// leaves behind: not an error, not Ctrl-C, not a SIGKILL (the next start sweeps it). Python's
    /// `SharedMemory` is removed only by `unlink()`: an interrupted run leaks it.
    pub fn create_for_this_run(purpose: &str, size: usize) -> io::Result<Self> {
        let scratch = lesson_kit::cleanup::shm_file(purpose)?;
        let name = scratch
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| io::Error::other("a shared-memory file with no name"))?;
        let file = OpenOptions::new().read(true).write(true).open(&*scratch)?;
        file.set_len(size as u64)?;
        let mut block = Self::map(&name, scratch.to_path_buf(), &file, false)?;
        block.scratch = Some(scratch);
        Ok(block)
    }

    /// `SharedMemory(name)`: the block another process created.
    pub fn open(name: &str) -> io::Result<Self> {
        let path = Self::path_of(name);
        let file = OpenOptions::new().read(true).write(true).open(&path)?;
        Self::map(name, path, &file, false)
    }

    fn map(name: &str, path: PathBuf, file: &fs::File, owner: bool) -> io::Result<Self> {
        // Safety: mapping a file is undefined behaviour if the file shrinks while mapped, or if
        // another process writes the bytes while Rust holds a reference to them. The block is a
        // file only this lesson knows, created at its final size and never resized; and the
        // lesson's processes take turns (the parent reads only after the child has answered).
        let map = unsafe { MmapMut::map_mut(file)? };
        Ok(SharedMemory {
            name: name.to_string(),
            path,
            map,
            owner,
            scratch: None,
        })
    }

    /// Where a block lives: `/dev/shm` (memory) on Linux, the temporary folder elsewhere.
    fn path_of(name: &str) -> PathBuf {
        let shm = PathBuf::from("/dev/shm");
        let dir = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        dir.join(name)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `shm.buf`: the bytes, as this process sees them.
    pub fn buf(&self) -> &[u8] {
        &self.map
    }

    pub fn buf_mut(&mut self) -> &mut [u8] {
        &mut self.map
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        if self.owner {
            let _ = fs::remove_file(&self.path);
        }
    }
}
