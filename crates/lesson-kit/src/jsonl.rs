//! JSON lines: one serde value per line, for a child process talking to its parent, or a file of
//! records written one at a time (the exercise checks' report).
//!
//! One JSON object per line, rather than one document at the end, so that a reader gets every
//! record written before a crash, and rather than a text protocol of our own, so that each record
//! is a typed struct on both sides. Python's equivalent is `print(json.dumps(event), flush=True)`
//! and `json.loads(line)` for each line.

use std::io::{self, BufRead, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a line could not be read as the record expected.
#[derive(Debug, thiserror::Error)]
pub enum JsonlError {
    #[error("could not read line {line}: {source}")]
    Io { line: usize, source: io::Error },
    /// The line, kept so that the caller can show what was said instead.
    #[error("line {line} is not the record expected ({source}): {text}")]
    Unreadable {
        line: usize,
        text: String,
        source: serde_json::Error,
    },
}

/// Writes `value` as one line of JSON, in one write, then flushes: a reader on the other end of a
/// pipe sees whole lines, as soon as they are said.
pub fn write<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Reads each non-blank line of `input` as a `T`, in order. A line that is not a `T` is an error
/// for that line only: the lines after it are still read.
pub fn read<T: DeserializeOwned>(
    input: impl BufRead,
) -> impl Iterator<Item = Result<T, JsonlError>> {
    input
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|(line, text)| {
            let text = text.map_err(|source| JsonlError::Io { line, source })?;
            serde_json::from_str(&text).map_err(|source| JsonlError::Unreadable {
                line,
                text,
                source,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Event {
        threads: u64,
        note: String,
    }

    #[test]
    fn what_is_written_is_read_back_one_record_a_line() {
        let mut out = Vec::new();
        let events = [
            Event {
                threads: 1,
                note: "one\nline".into(),
            },
            Event {
                threads: 2,
                note: String::new(),
            },
        ];
        for event in &events {
            write(&mut out, event).expect("writes to a Vec");
        }
        assert_eq!(
            out.iter().filter(|&&b| b == b'\n').count(),
            2,
            "a newline in a string is escaped"
        );
        let read: Vec<Event> = read(&out[..])
            .collect::<Result<_, _>>()
            .expect("reads back");
        assert_eq!(read, events);
    }

    #[test]
    fn an_unreadable_line_is_an_error_naming_it_and_the_rest_is_read() {
        let text = "{\"threads\":1,\"note\":\"\"}\nnot an event\n\n{\"threads\":3,\"note\":\"\"}\n";
        let results: Vec<Result<Event, JsonlError>> = read(text.as_bytes()).collect();
        assert_eq!(results.len(), 3, "the blank line is skipped");
        match &results[1] {
            Err(JsonlError::Unreadable { line, text, .. }) => {
                assert_eq!((*line, text.as_str()), (2, "not an event"));
            }
            other => panic!("expected an unreadable line, got {other:?}"),
        }
        assert_eq!(results[2].as_ref().map(|e| e.threads).ok(), Some(3));
    }
}
