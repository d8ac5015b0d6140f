//! Runs a lesson the way a reader would, with `--json`, and keeps the Report under
//! `target/book-cache/` keyed by the hash of the lesson's sources.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use lesson_kit::Report;
use lesson_kit::comparison::Comparison;
use lesson_kit::sliders::SliderFigure;

use crate::workspace::Workspace;

/// Runs lessons in one workspace and caches their reports.
#[derive(Clone, Debug)]
pub struct Runner {
    pub workspace: Workspace,
    /// The cargo to run: `$CARGO` when mdbook was started through cargo, else `cargo`.
    /// Tests point it at a script that plays a failing lesson.
    pub cargo: PathBuf,
    pub cache_dir: PathBuf,
}

impl Runner {
    pub fn new(workspace: Workspace) -> Self {
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        let cache_dir = workspace.root.join("target").join("book-cache");
        Runner {
            workspace,
            cargo,
            cache_dir,
        }
    }

    /// The report of one experiment: `cargo run --quiet -p <lesson> -- <experiment> --json`.
    pub fn experiment(&self, lesson: &str, experiment: &str) -> Result<Report> {
        self.check_lesson(lesson)?;
        let report = self.cached_run(lesson, experiment, &[experiment, "--json"])?;
        if report.experiment(experiment).is_none() {
            let ids: Vec<&str> = report.experiments.iter().map(|e| e.id.as_str()).collect();
            bail!(
                "lesson `{lesson}` has no experiment `{experiment}` in its report (it has: {})",
                ids.join(", ")
            );
        }
        Ok(report)
    }

    /// The full tour's report: `cargo run --quiet -p <lesson> -- --json`.
    pub fn full_report(&self, lesson: &str) -> Result<Report> {
        self.check_lesson(lesson)?;
        self.cached_run(lesson, "all", &["--json"])
    }

    /// The report of the lesson's comparisons: `cargo run --quiet -p <lesson> -- compare --json`,
    /// cached like an experiment's. A comparison that failed (a twin that broke, no python3) is
    /// still a report, with the reason in it: the page says so rather than failing the build.
    pub fn comparisons(&self, lesson: &str) -> Result<Report> {
        self.check_lesson(lesson)?;
        self.cached(lesson, "compare", &["compare", "--json"], |args| {
            self.run_keeping_failures(lesson, args)
        })
    }

    /// The sliders figure `lesson` prints with `--child <command>`: a model's, so computed once per
    /// version of the lesson's sources, whatever the machine (no busy check: nothing is timed).
    pub fn sliders(&self, lesson: &str, command: &str) -> Result<SliderFigure> {
        self.check_lesson(lesson)?;
        let key = format!("sliders-{command}");
        let path = self.cache_path(lesson, &key)?;
        if let Ok(json) = fs::read_to_string(&path)
            && let Ok(figure) = serde_json::from_str(&json)
        {
            return Ok(figure);
        }
        eprintln!(
            "mdbook-lesson:   computing: cargo run -p {lesson} -- --child {command} (the first time builds it too)"
        );
        let args = ["--child", command];
        let stdout = self.run_for_stdout(lesson, &args)?;
        let figure: SliderFigure = serde_json::from_str(&stdout).with_context(|| {
            format!(
                "`cargo run -p {lesson} -- --child {command}` did not print a sliders figure as JSON \
                 (first 200 bytes: {:?})",
                stdout.chars().take(200).collect::<String>()
            )
        })?;
        self.remove_stale(lesson, &key);
        fs::create_dir_all(&self.cache_dir)
            .with_context(|| format!("creating {}", self.cache_dir.display()))?;
        fs::write(&path, &stdout).with_context(|| format!("writing {}", path.display()))?;
        Ok(figure)
    }

    /// The workspace's table of CPython beside Rust: `cargo run --quiet -p lesson-kit --bin
    /// compare -- --json`, cached until any lesson's sources change. A lesson that fails is a
    /// line of the table, not a failed build; a table measured on a busy machine is measured
    /// again at the next build, as a lesson's figures are.
    pub fn comparison(&self) -> Result<Comparison> {
        let mut hashes = Vec::new();
        for lesson in self.workspace.lessons()? {
            hashes.push(self.workspace.source_hash(&lesson)?);
        }
        let key = short_hash(&hashes.join("-"));
        let path = self.cache_dir.join(format!("compare-{key}.json"));
        if let Ok(json) = fs::read_to_string(&path)
            && let Ok(table) = serde_json::from_str::<Comparison>(&json)
            && table.rows.iter().all(|row| row.busy.is_none())
        {
            return Ok(table);
        }
        eprintln!(
            "mdbook-lesson:   measuring: cargo run -p lesson-kit --bin compare -- --json (every \
             lesson's Python twins: a few minutes)"
        );
        let mut command = Command::new(&self.cargo);
        lesson_kit::os::without_cargo_run_variables(&mut command);
        let output = command
            .args([
                "run",
                "--quiet",
                "-p",
                "lesson-kit",
                "--bin",
                "compare",
                "--",
                "--json",
            ])
            .current_dir(&self.workspace.root)
            .output()
            .with_context(|| {
                format!(
                    "starting {} run -p lesson-kit --bin compare",
                    self.cargo.display()
                )
            })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let table: Comparison = serde_json::from_str(&stdout).with_context(|| {
            format!(
                "`cargo run -p lesson-kit --bin compare -- --json` printed no table ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            )
        })?;
        for old in fs::read_dir(&self.cache_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            if old.file_name().to_string_lossy().starts_with("compare-") {
                let _ = fs::remove_file(old.path());
            }
        }
        fs::create_dir_all(&self.cache_dir)
            .with_context(|| format!("creating {}", self.cache_dir.display()))?;
        fs::write(&path, stdout.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(table)
    }

    fn check_lesson(&self, lesson: &str) -> Result<()> {
        if self.workspace.is_lesson(lesson) {
            return Ok(());
        }
        let known = self.workspace.lessons().unwrap_or_default();
        bail!(
            "no lesson crate `{lesson}`: expected {}/src/main.rs (lessons in this workspace: {})",
            self.workspace.crate_dir(lesson).display(),
            known.join(", ")
        )
    }

    /// Where the result of `lesson`'s run named `key` is cached, for the current sources.
    pub fn cache_path(&self, lesson: &str, key: &str) -> Result<PathBuf> {
        let hash = self.workspace.source_hash(lesson)?;
        Ok(self.cache_dir.join(format!("{lesson}-{key}-{hash}.json")))
    }

    fn cached_run(&self, lesson: &str, key: &str, args: &[&str]) -> Result<Report> {
        self.cached(lesson, key, args, |args| self.run(lesson, args))
    }

    /// The report of `lesson`'s run `key`, from the cache or from `run(args)`.
    fn cached(
        &self,
        lesson: &str,
        key: &str,
        args: &[&str],
        run: impl FnOnce(&[&str]) -> Result<Report>,
    ) -> Result<Report> {
        let path = self.cache_path(lesson, key)?;
        if let Ok(json) = fs::read_to_string(&path)
            && let Ok(report) = Report::from_json(&json)
        {
            match &report.busy {
                None => return Ok(report),
                // Figures from a busy machine are no figures to keep: measure them again.
                Some(reason) => eprintln!(
                    "mdbook-lesson:   the cached figures were measured on a busy machine \
                     ({reason}): measuring again"
                ),
            }
        }
        eprintln!(
            "mdbook-lesson:   measuring: cargo run -p {lesson} -- {} (the first time builds it too)",
            args.join(" ")
        );
        let started = std::time::Instant::now();
        let report = run(args)?;
        eprintln!(
            "mdbook-lesson:   measured in {:.1} s{}",
            started.elapsed().as_secs_f64(),
            if report.busy.is_some() {
                " (the machine was busy: the next build measures again)"
            } else {
                ""
            }
        );
        // Keep only the current result of this run: older ones can never match again.
        self.remove_stale(lesson, key);
        fs::create_dir_all(&self.cache_dir)
            .with_context(|| format!("creating {}", self.cache_dir.display()))?;
        fs::write(&path, report.to_json())
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(report)
    }

    /// Forgets every cached result, so that the next book build measures every lesson again
    /// (`cargo run -p mdbook-lesson -- remeasure`). Returns how many results were removed.
    pub fn clear_cache(&self) -> Result<usize> {
        let Ok(entries) = fs::read_dir(&self.cache_dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "json") {
                fs::remove_file(entry.path())
                    .with_context(|| format!("removing {}", entry.path().display()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn remove_stale(&self, lesson: &str, key: &str) {
        let prefix = format!("{lesson}-{key}-");
        let Ok(entries) = fs::read_dir(&self.cache_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let hash = name
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".json"));
            // The hash is hex without dashes, so `threading-all-` never matches `threading-all-x-`.
            if hash.is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit())) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Runs the lesson from the workspace root and parses its stdout as a Report.
    fn run(&self, lesson: &str, args: &[&str]) -> Result<Report> {
        let stdout = self.run_for_stdout(lesson, args)?;
        let command_line = format!("cargo run --quiet -p {lesson} -- {}", args.join(" "));
        Report::from_json(&stdout).with_context(|| {
            format!(
                "`{command_line}` did not print a lesson Report as JSON on stdout \
                 (first 200 bytes: {:?})",
                stdout.chars().take(200).collect::<String>(),
            )
        })
    }

    /// `cargo run --quiet -p LESSON -- ARGS` from the workspace root: the command line, for
    /// messages, and what it printed. The variables `cargo run` gave this program would make the
    /// lessons' dependencies rebuild (see `lesson_kit::os::cargo`): cargo runs as the learner's
    /// shell would run it.
    fn cargo_run(&self, lesson: &str, args: &[&str]) -> Result<(String, std::process::Output)> {
        let command_line = format!("cargo run --quiet -p {lesson} -- {}", args.join(" "));
        let mut command = Command::new(&self.cargo);
        lesson_kit::os::without_cargo_run_variables(&mut command);
        let output = command
            .args(["run", "--quiet", "-p", lesson, "--"])
            .args(args)
            .current_dir(&self.workspace.root)
            .output()
            .with_context(|| format!("starting `{command_line}` ({})", self.cargo.display()))?;
        Ok((command_line, output))
    }

    /// Runs the lesson and reads its Report even when it exits non-zero (a comparison whose twin
    /// failed still prints what it measured, with the problem in it); no Report is the error.
    fn run_keeping_failures(&self, lesson: &str, args: &[&str]) -> Result<Report> {
        let (command_line, output) = self.cargo_run(lesson, args)?;
        Report::from_json(&String::from_utf8_lossy(&output.stdout)).with_context(|| {
            format!(
                "`{command_line}` printed no Report ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            )
        })
    }

    /// Runs the lesson from the workspace root and returns its stdout; a failure carries the
    /// lesson's stderr, so the build fails with the lesson's own message.
    fn run_for_stdout(&self, lesson: &str, args: &[&str]) -> Result<String> {
        let (command_line, output) = self.cargo_run(lesson, args)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            bail!(
                "`{command_line}` failed ({}) in {}:\n{}",
                output.status,
                self.workspace.root.display(),
                stderr.trim_end()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// A short, stable name for `text` (the cache key of a result that depends on every lesson).
fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
