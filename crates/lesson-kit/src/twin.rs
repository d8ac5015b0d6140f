//! `Twins`: runs a lesson's Python twins with python3 and reads their figures, typed.
//!
//! Each lesson keeps, in its `python/` folder, our own Python version of its experiments. A twin
//! prints one JSON object; `Twins::run` reads it into the lesson's own struct, so a figure the twin
//! did not print is an error that names it, never a silent zero.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::de::DeserializeOwned;

use crate::measure::measure_child;

/// Why a twin's figures could not be had.
#[derive(Debug, thiserror::Error)]
pub enum TwinError {
    #[error("python3 was not found on this machine ({0})")]
    NoPython(std::io::Error),
    #[error("could not run python3 {script}: {source}")]
    Spawn {
        script: String,
        source: std::io::Error,
    },
    #[error("python3 {script} failed ({status}):\n{stderr}")]
    Failed {
        script: String,
        status: String,
        stderr: String,
    },
    #[error("python3 {script} did not print the figures expected of it: {source}")]
    BadOutput {
        script: String,
        source: serde_json::Error,
    },
}

/// The python3 on this machine and the folder of a lesson's twins.
#[derive(Clone, Debug)]
pub struct Twins {
    /// `Python 3.11.7`, as `python3 --version` says it.
    pub version: String,
    pub dir: PathBuf,
}

impl Twins {
    /// The twins in `dir`, if python3 runs here.
    pub fn find(dir: PathBuf) -> Result<Self, TwinError> {
        let output = Command::new("python3")
            .arg("--version")
            .output()
            .map_err(TwinError::NoPython)?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Ok(Twins { version, dir })
    }

    /// The path of the twin `script`.
    pub fn path(&self, script: &str) -> PathBuf {
        self.dir.join(script)
    }

    /// Runs `python3 <dir>/<script> <args>` and reads the one JSON object it prints as a `T`.
    pub fn run<T: DeserializeOwned>(&self, script: &str, args: &[String]) -> Result<T, TwinError> {
        run_script(&self.path(script), script, args)
    }
}

fn run_script<T: DeserializeOwned>(
    path: &Path,
    script: &str,
    args: &[String],
) -> Result<T, TwinError> {
    let output = measure_child(Command::new("python3").arg(path).args(args)).map_err(|source| {
        TwinError::Spawn {
            script: script.into(),
            source,
        }
    })?;
    if !output.status.success() {
        return Err(TwinError::Failed {
            script: script.into(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(|source| TwinError::BadOutput {
        script: script.into(),
        source,
    })
}

/// The outcome of one comparison in a lesson's `compare`: its report, or, when its `measure` could
/// not run (no twin, a twin that failed), an outcome that says why. Either way one outcome per
/// comparison, so that one failed twin never hides the others.
pub fn comparison<F>(
    id: &str,
    figures: anyhow::Result<F>,
    report: fn(&F) -> crate::Outcome,
) -> crate::Outcome {
    match figures {
        Ok(figures) => report(&figures),
        Err(error) => {
            crate::Outcome::new(id, "CPython beside Rust").problem(format!("{id}: {error:#}"))
        }
    }
}

#[cfg(test)]
mod comparison_tests {
    use super::comparison;
    use crate::Outcome;

    fn report(n: &u32) -> Outcome {
        Outcome::new("compare-x", format!("{n}"))
    }

    #[test]
    fn a_measured_comparison_is_its_report() {
        let outcome = comparison("compare-x", Ok(7), report);
        assert_eq!(outcome.title, "7");
        assert!(outcome.problems.is_empty());
    }

    #[test]
    fn a_comparison_that_could_not_run_is_a_problem_that_names_it() {
        let outcome = comparison::<u32>("compare-x", Err(anyhow::anyhow!("no twin")), report);
        assert_eq!(outcome.problems, vec!["compare-x: no twin".to_string()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Figures {
        #[allow(dead_code)]
        sequential_s: f64,
    }

    #[test]
    fn a_missing_figure_is_an_error_that_names_it() {
        let Ok(twins) = Twins::find(std::env::temp_dir()) else {
            return; // No python3 here: nothing to run a twin with.
        };
        // A scratch folder of lesson-kit's own: removed when dropped, even if the test fails.
        let dir = crate::cleanup::scratch_dir("twin-test").expect("temp dir");
        std::fs::write(dir.join("twin.py"), "print('{\"threads_s\": 1.0}')").expect("write twin");
        let twins = Twins {
            dir: dir.to_path_buf(),
            ..twins
        };
        let error = twins.run::<Figures>("twin.py", &[]).unwrap_err();
        assert!(error.to_string().contains("sequential_s"), "{error}");
    }
}
