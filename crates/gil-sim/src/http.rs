//! A minimal HTTP/1.1 client on `std::net::TcpStream`, for talking to lesson-kit's `DelayServer`.
//!
//! Why not reqwest? Because the convoy effect depends on *how many times* a thread gives up the
//! GIL and has to queue for it again. CPython's `socket` module releases the GIL around each
//! `connect`, `sendall` and `recv`; with a client of our own, each of those calls sits in its own
//! `py.detach` exactly where CPython would release the GIL, and the Python twins (`python/`) make
//! the same calls.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::Python;

/// The longest a socket call waits: far beyond the longest delay a lesson asks for (3 s).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What can go wrong talking to the local server.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{url} is not an http://host:port/path URL")]
    BadUrl { url: String },
    #[error("talking to {url}: {source}")]
    Io { url: String, source: io::Error },
}

/// An open connection to one server, kept alive between requests (HTTP/1.1's default).
pub struct Connection {
    stream: TcpStream,
    host: String,
    /// Bytes read past the end of the previous answer (none, with this server; kept for safety).
    pending: Vec<u8>,
}

/// Splits `http://127.0.0.1:8000/delay/5` into `("127.0.0.1:8000", "/delay/5")`.
pub fn split_url(url: &str) -> Result<(&str, &str), HttpError> {
    let bad = || HttpError::BadUrl { url: url.into() };
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let slash = rest.find('/').ok_or_else(bad)?;
    Ok(rest.split_at(slash))
}

impl Connection {
    /// `socket.create_connection((host, port))`.
    pub fn open(host: &str) -> io::Result<Self> {
        let stream = TcpStream::connect(host)?;
        // Small requests must leave at once, as Python's do (it does not batch `sendall`s).
        stream.set_nodelay(true)?;
        // A server that stops answering makes a failed request, not a lesson that hangs.
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(READ_TIMEOUT))?;
        Ok(Connection {
            stream,
            host: host.to_string(),
            pending: Vec::new(),
        })
    }

    /// `sock.sendall(b"GET path HTTP/1.1 …")`.
    pub fn send_get(&mut self, path: &str) -> io::Result<()> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
        self.stream.write_all(request.as_bytes())
    }

    /// `sock.recv(…)` until one whole answer has arrived; returns its body.
    pub fn read_answer(&mut self) -> io::Result<String> {
        let mut buffer = std::mem::take(&mut self.pending);
        let mut chunk = [0u8; 4096];
        loop {
            if let Some((body_start, body_len)) = parse_head(&buffer)?
                && buffer.len() >= body_start + body_len
            {
                self.pending = buffer.split_off(body_start + body_len);
                let body = String::from_utf8_lossy(&buffer[body_start..]).into_owned();
                return Ok(body);
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection mid-answer",
                ));
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

/// If `buffer` holds a whole head: where the body starts and how long it is (Content-Length).
fn parse_head(buffer: &[u8]) -> io::Result<Option<(usize, usize)>> {
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&buffer[..end]);
    let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
    if !head.starts_with("HTTP/1.1 200") {
        return Err(invalid("the answer was not 200 OK"));
    }
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .ok_or_else(|| invalid("the answer has no Content-Length"))?;
    Ok(Some((end + 4, length)))
}

/// One GET on a fresh connection, with no interpreter involved: the body of the answer.
pub fn get(url: &str) -> Result<String, HttpError> {
    let (host, path) = split_url(url)?;
    let io = |source| HttpError::Io {
        url: url.into(),
        source,
    };
    let mut connection = Connection::open(host).map_err(io)?;
    connection.send_get(path).map_err(io)?;
    connection.read_answer().map_err(io)
}

/// One GET from a Python thread on a fresh connection, the GIL released around every blocking
/// socket call as CPython does: `connect`, `sendall`, `recv`.
pub fn get_detached(py: Python<'_>, url: &str) -> Result<String, HttpError> {
    let (host, path) = split_url(url)?;
    let io = |source| HttpError::Io {
        url: url.into(),
        source,
    };
    let mut connection = py.detach(|| Connection::open(host)).map_err(io)?;
    py.detach(|| connection.send_get(path)).map_err(io)?;
    py.detach(|| connection.read_answer()).map_err(io)
}
