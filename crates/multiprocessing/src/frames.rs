//! Frames: how a value crosses a pipe from one process to another.
//!
//! A pipe carries bytes, not values, and it does not say where one message ends. Python's
//! `multiprocessing` pickles each object and writes its length in front of it
//! (`Connection.send`: a 4-byte big-endian length, then the pickle). We do the same with serde:
//! [`postcard`], a compact binary format, in place of pickle. (Not JSON: a 12 MB image would
//! become some 40 MB of digits and commas. Not bincode: it is no longer maintained.)
//!
//! Every process of the lesson speaks this: the pool and its workers, and the `Pipe` and `Queue`
//! examples.

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest frame we accept: a corrupted length must not make us allocate gigabytes.
pub const MAX_FRAME: usize = 1 << 30;

/// Why a frame could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the pipe failed: {0}")]
    Io(#[from] io::Error),
    #[error("the value could not be (de)serialized: {0}")]
    Serde(#[from] postcard::Error),
    #[error("a frame of {0} bytes is over the limit of {MAX_FRAME}: the stream is corrupted")]
    TooLong(usize),
    #[error("the pipe closed in the middle of a frame")]
    Truncated,
}

/// Writes `value` as one frame: its length (4 bytes, big-endian, as Python's `Connection`), then
/// its bytes. One `write` call for the whole frame, so that a reader never sees half of it
/// interleaved with another writer's.
// ANCHOR: write_frame
pub fn write_frame<T: Serialize + ?Sized>(
    pipe: &mut impl Write,
    value: &T,
) -> Result<(), FrameError> {
    let body = postcard::to_stdvec(value)?;
    if body.len() > MAX_FRAME {
        return Err(FrameError::TooLong(body.len()));
    }
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    pipe.write_all(&frame)?;
    pipe.flush()?;
    Ok(())
}
// ANCHOR_END: write_frame

/// The bytes [`write_frame`] would write, to write later: the pool measures a frame before it
/// decides whether it may wait in a worker's pipe.
pub fn encode_frame<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, FrameError> {
    let mut frame = Vec::new();
    write_frame(&mut frame, value)?;
    Ok(frame)
}

/// Reads one frame. `Ok(None)` when the pipe closed cleanly between two frames: the writer is
/// done (or dead; its exit status tells which).
pub fn read_frame<T: DeserializeOwned>(pipe: &mut impl Read) -> Result<Option<T>, FrameError> {
    let mut length = [0u8; 4];
    match read_all_or_nothing(pipe, &mut length)? {
        Filled::Nothing => return Ok(None),
        Filled::Part => return Err(FrameError::Truncated),
        Filled::All => {}
    }
    let length = u32::from_be_bytes(length) as usize;
    if length > MAX_FRAME {
        return Err(FrameError::TooLong(length));
    }
    let mut body = vec![0u8; length];
    match read_all_or_nothing(pipe, &mut body)? {
        Filled::All => Ok(Some(postcard::from_bytes(&body)?)),
        // An empty body is a whole frame only if it was meant to be empty.
        Filled::Nothing if length == 0 => Ok(Some(postcard::from_bytes(&body)?)),
        Filled::Nothing | Filled::Part => Err(FrameError::Truncated),
    }
}

enum Filled {
    All,
    Part,
    Nothing,
}

/// `read_exact`, telling a clean end of the stream (nothing read) from one in the middle.
fn read_all_or_nothing(pipe: &mut impl Read, buf: &mut [u8]) -> io::Result<Filled> {
    let mut read = 0;
    while read < buf.len() {
        match pipe.read(&mut buf[read..]) {
            Ok(0) if read == 0 => return Ok(Filled::Nothing),
            Ok(0) => return Ok(Filled::Part),
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Filled::All)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cross_in_order_and_the_end_is_clean() {
        let mut pipe = Vec::new();
        write_frame(&mut pipe, &("first", 1u32)).unwrap();
        write_frame(&mut pipe, &("second", 2u32)).unwrap();
        let mut reader = pipe.as_slice();
        let a: Option<(String, u32)> = read_frame(&mut reader).unwrap();
        let b: Option<(String, u32)> = read_frame(&mut reader).unwrap();
        let end: Option<(String, u32)> = read_frame(&mut reader).unwrap();
        assert_eq!(a, Some(("first".to_string(), 1)));
        assert_eq!(b, Some(("second".to_string(), 2)));
        assert_eq!(end, None);
    }

    #[test]
    fn a_frame_cut_short_is_an_error_not_an_end() {
        let mut pipe = Vec::new();
        write_frame(&mut pipe, &vec![7u8; 100]).unwrap();
        pipe.truncate(50);
        let result: Result<Option<Vec<u8>>, _> = read_frame(&mut pipe.as_slice());
        assert!(matches!(result, Err(FrameError::Truncated)), "{result:?}");
    }

    #[test]
    fn a_corrupted_length_is_refused() {
        let pipe = [0xFFu8, 0xFF, 0xFF, 0xFF, 1, 2, 3];
        let result: Result<Option<Vec<u8>>, _> = read_frame(&mut pipe.as_slice());
        assert!(matches!(result, Err(FrameError::TooLong(_))), "{result:?}");
    }
}
