//! The book as a reader sees it: every page of the built book opened in headless Chromium, in a
//! 1280-px window, and checked for what only a browser shows. `.ci/book-browser` runs it through
//! `cargo run -p mdbook-lesson -- browser-check`.
//!
//! A page fails when it does not load, logs a JavaScript error or fails to load a file, draws a
//! timeline of zero size, links to a page or `#fragment` that does not exist, wraps a figure inside
//! a table cell, holds a table wider than the text column, has a figure on sliders whose timeline
//! does not change when they move, has a figure of CPython beside Rust whose scrubber or zoom
//! does nothing, or holds a code block wider than its
//! column without a scrollbar (a Rust or Python listing, included from the sources, may not be
//! wider than the column at all). Each chapter's screenshot is saved for a human to look at.
//!
//! How: a copy of the book whose pages start with `probe.js`, and two runs of Chromium per page,
//! `--dump-dom` (the probe leaves its findings in the page) then `--screenshot`. Why not a
//! DevTools client crate (headless_chrome, chromiumoxide): either compiles the whole protocol's
//! generated types, minutes on this machine, for what two command-line flags and forty lines of
//! JavaScript do.

use std::collections::HashMap;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The script every page of the copy starts with.
const PROBE: &str = include_str!("browser/probe.js");

/// The reader's window: the width the issue was seen at.
pub const WIDTH: u32 = 1280;
/// Screenshots stop here: longer chapters are cut (Chromium's own limit is not much higher).
const MAX_SHOT_HEIGHT: u32 = 16_000;
/// How long one Chromium run may take before it is killed and the page counted as not loaded.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the probe found on one page.
#[derive(Debug, Default, Deserialize)]
pub struct PageReport {
    /// JavaScript errors, `console.error` calls and files that failed to load.
    pub errors: Vec<String>,
    /// Wrapped figures, wide tables and code blocks, empty timelines.
    pub problems: Vec<String>,
    /// Every `file:` link of the page, as the browser resolved it.
    pub links: Vec<String>,
    /// Every `id` (and `<a name>`) of the page.
    pub ids: Vec<String>,
    /// How many timelines the page draws.
    pub timelines: usize,
    /// How many figures on sliders the page has (each moved by the probe: see `stuckSliders`).
    #[serde(default)]
    pub sliders: usize,
    /// How many figures of CPython beside Rust on one axis (each scrubbed and zoomed by the
    /// probe: see `stuckScrubbers`).
    #[serde(default, rename = "sideBySide")]
    pub side_by_side: usize,
    /// The page's height in pixels, for its screenshot.
    pub height: u32,
}

/// The browser check's settings.
#[derive(Debug)]
pub struct Check {
    /// The built book (`book/book`).
    pub book: PathBuf,
    /// Where the chapters' screenshots go (`target/book-shots`).
    pub shots: PathBuf,
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// A scratch directory of our own: the probed copy and Chromium's profile. Removed at the end.
    pub scratch: PathBuf,
}

impl Check {
    /// Opens every page; returns each problem as "page: what".
    pub fn run(&self) -> Result<Vec<String>> {
        let pages = pages(&self.book)?;
        if pages.is_empty() {
            bail!(
                "no HTML under {}: build the book first (`mdbook build book`)",
                self.book.display()
            );
        }
        let copy = self.scratch.join("book");
        copy_probed(&self.book, &copy)?;
        fs::create_dir_all(&self.shots)
            .with_context(|| format!("creating {}", self.shots.display()))?;

        let mut reports = HashMap::new();
        let mut problems = Vec::new();
        for page in &pages {
            if interrupted() {
                bail!("interrupted: no Chromium left running");
            }
            let url = file_url(&copy.join(page));
            eprintln!("book-browser: {}", page.display());
            match self.dump_dom(&url) {
                Ok(report) => {
                    if is_chapter(page) {
                        let shot = self
                            .shots
                            .join(page.with_extension("png").file_name().unwrap_or_default());
                        if let Err(e) = self.screenshot(&url, report.height, &shot) {
                            problems.push(format!("{}: no screenshot: {e:#}", page.display()));
                        }
                    }
                    reports.insert(copy.join(page), report);
                }
                Err(e) => problems.push(format!("{}: did not load: {e:#}", page.display())),
            }
        }
        for (path, report) in &reports {
            let page = path.strip_prefix(&copy).unwrap_or(path).display();
            for error in &report.errors {
                problems.push(format!("{page}: {error}"));
            }
            // print.html repeats every chapter: its layout problems are theirs, already listed.
            if !path.ends_with("print.html") {
                for problem in &report.problems {
                    problems.push(format!("{page}: {problem}"));
                }
            }
            for link in &report.links {
                if let Some(broken) = broken_link(link, &reports) {
                    problems.push(format!("{page}: {broken}"));
                }
            }
        }
        // The GIL chapter's model on sliders: a build that lost it would otherwise pass unnoticed.
        if !reports.values().any(|report| report.sliders > 0) {
            problems.push(
                "no page has a figure on sliders (the GIL chapter's `{{#sliders gil-sim \
                 model-figure}}`)"
                    .to_string(),
            );
        }
        // The three chapters' CPython-beside-Rust timelines, likewise.
        if !reports.values().any(|report| report.side_by_side > 0) {
            problems.push(
                "no page has CPython's and Rust's timelines on one axis (`{{#side-by-side ...}}` \
                 in the threading, GIL and coroutines chapters)"
                    .to_string(),
            );
        }
        problems.sort();
        Ok(problems)
    }

    /// The probe's report on the page at `url`.
    fn dump_dom(&self, url: &str) -> Result<PageReport> {
        let out = self.scratch.join("dom.html");
        let mut command = self.chromium(&format!("--window-size={WIDTH},900"));
        command.arg("--dump-dom").arg(url);
        run_bounded(command, &out, &self.scratch)?;
        let dom = fs::read_to_string(&out).context("reading Chromium's --dump-dom output")?;
        let encoded = between(
            &dom,
            "<pre id=\"book-browser-report\" hidden=\"\">",
            "</pre>",
        )
        .context("the page never finished loading (the probe left no report)")?;
        let json = percent_decode(encoded)?;
        serde_json::from_str(&json).context("reading the probe's report")
    }

    /// A screenshot of the whole page, up to [`MAX_SHOT_HEIGHT`].
    fn screenshot(&self, url: &str, height: u32, shot: &Path) -> Result<()> {
        let height = height.clamp(600, MAX_SHOT_HEIGHT);
        let mut command = self.chromium(&format!("--window-size={WIDTH},{height}"));
        command
            .arg(format!("--screenshot={}", shot.display()))
            .arg("--hide-scrollbars")
            .arg(url);
        run_bounded(command, &self.scratch.join("shot.log"), &self.scratch)?;
        if !shot.is_file() {
            bail!("Chromium wrote no {}", shot.display());
        }
        Ok(())
    }

    /// Chromium, headless, with nothing of its own running beside the page and a fresh profile.
    fn chromium(&self, window: &str) -> Command {
        let mut command = Command::new(&self.chromium);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-crash-reporter",
                "--disable-breakpad",
                "--allow-file-access-from-files",
                "--virtual-time-budget=5000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                self.scratch.join("profile").display()
            ))
            .arg(window);
        command
    }
}

/// Runs `command` with its stdout in `out`, for at most [`TIMEOUT`]; then kills whatever it left
/// running: its process group, and any process still using our `scratch` profile.
fn run_bounded(mut command: Command, out: &Path, scratch: &Path) -> Result<()> {
    let stdout = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let log = scratch.join("chromium.log");
    let stderr = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    // A group of its own, so that its renderer and zygote processes can be ended with it.
    command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0);
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Ok(status);
        }
        if INTERRUPTED.load(Ordering::SeqCst) {
            break Err("interrupted");
        }
        if started.elapsed() > TIMEOUT {
            break Err("took longer than the time allowed");
        }
        thread::sleep(Duration::from_millis(50));
    };
    end_group(child.id());
    end_stragglers(scratch);
    let _ = child.wait();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!(
            "Chromium exited with {status}: {}",
            last_lines(&fs::read_to_string(&log).unwrap_or_default())
        ),
        Err(why) => bail!("Chromium {why} ({} s): killed", TIMEOUT.as_secs()),
    }
}

/// Set by SIGINT, SIGTERM or SIGHUP: Chromium runs in a process group of its own, which a Ctrl-C
/// does not reach, so the check ends it itself before it exits.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Routes the signals that end a run to [`INTERRUPTED`].
pub fn watch_signals() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(signal, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Whether a signal asked the check to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Kills the process group Chromium leads (its id is its leader's); gone already is fine.
fn end_group(leader: u32) {
    if let Ok(group) = i32::try_from(leader) {
        // SAFETY: kill(2) takes no pointers; a negative id names the group we created.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

/// Kills any process started with our profile directory: a Chromium helper that left the group (a
/// crash handler does). Only processes of this check are given that directory.
fn end_stragglers(scratch: &Path) {
    let ours = format!("--user-data-dir={}", scratch.join("profile").display());
    let Ok(entries) = fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if cmdline.split(|b| *b == 0).any(|arg| arg == ours.as_bytes()) {
            // SAFETY: as above; the pid was read from /proc a moment ago.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

/// Why `link` (a `file:` URL) is broken, or `None` when its page and fragment exist.
fn broken_link(link: &str, reports: &HashMap<PathBuf, PageReport>) -> Option<String> {
    let path = link.strip_prefix("file://")?;
    let (path, fragment) = path.split_once('#').unwrap_or((path, ""));
    let path = PathBuf::from(percent_decode(path.split('?').next()?).ok()?);
    if !path.exists() {
        return Some(format!("a link to a missing file: {link}"));
    }
    let fragment = percent_decode(fragment).ok()?;
    match reports.get(&path) {
        Some(target) if !fragment.is_empty() && !target.ids.contains(&fragment) => {
            Some(format!("a link to a missing anchor: {link}"))
        }
        _ => None,
    }
}

/// Every HTML page under `book`, relative to it, sorted.
fn pages(book: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut dirs = vec![book.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") && !path.ends_with("404.html") {
                // 404.html names its files from the site's root, which only a web server has.
                found.push(path.strip_prefix(book).unwrap_or(&path).to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// mdBook's own pages (print, the table of contents for readers without JavaScript, and
/// index.html, a copy of the first chapter) are checked but not photographed.
fn is_chapter(page: &Path) -> bool {
    let name = page.to_string_lossy();
    !["print.html", "toc.html", "index.html"].contains(&name.as_ref())
}

/// A copy of `book` in `copy` whose every page starts with the probe.
fn copy_probed(book: &Path, copy: &Path) -> Result<()> {
    let mut dirs = vec![book.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let target = copy.join(dir.strip_prefix(book).unwrap_or(&dir));
        fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
        for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let to = target.join(path.file_name().unwrap_or_default());
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let html = fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                fs::write(&to, with_probe(&html))
                    .with_context(|| format!("writing {}", to.display()))?;
            } else {
                fs::copy(&path, &to).with_context(|| format!("copying {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// `html` with the probe as the first thing its `<head>` runs.
pub fn with_probe(html: &str) -> String {
    let script = format!("<script>{PROBE}</script>");
    match html.find("<head>") {
        Some(at) => format!("{}{script}{}", &html[..at + 6], &html[at + 6..]),
        None => format!("{script}{html}"),
    }
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The text between the first `start` and the `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Undoes `encodeURIComponent`.
pub fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .with_context(|| format!("a bad escape at byte {i}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("the decoded text is not UTF-8")
}

fn last_lines(log: &str) -> String {
    let lines: Vec<&str> = log.lines().rev().take(5).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_runs_first_in_the_head() {
        let page = with_probe("<html><head><title>x</title></head></html>");
        assert!(page.starts_with("<html><head><script>"), "{page}");
        assert!(page.ends_with("</script><title>x</title></head></html>"));
    }

    #[test]
    fn percent_decoding_undoes_encode_uri_component() {
        assert_eq!(
            percent_decode("%7B%22a%22%3A%22%C3%97%22%7D").expect("decodes"),
            "{\"a\":\"×\"}"
        );
        assert!(percent_decode("%4").is_err());
    }

    #[test]
    fn a_link_to_a_missing_anchor_or_file_is_broken() {
        let dir = std::env::temp_dir().join(format!("book-browser-test-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let page = dir.join("a.html");
        fs::write(&page, "").expect("write");
        let mut reports = HashMap::new();
        reports.insert(
            page.clone(),
            PageReport {
                ids: vec!["here".into()],
                ..PageReport::default()
            },
        );
        let url = file_url(&page);
        assert_eq!(broken_link(&format!("{url}#here"), &reports), None);
        assert!(
            broken_link(&format!("{url}#gone"), &reports)
                .is_some_and(|m| m.contains("missing anchor"))
        );
        assert!(
            broken_link(&file_url(&dir.join("b.html")), &reports)
                .is_some_and(|m| m.contains("missing file"))
        );
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
