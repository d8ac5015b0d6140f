//! The article's decision tree as a function: what the work waits on → which tool, how big.

/// What one task spends its time waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitsOn {
    /// A server, an API, a database: the other end does the work.
    Network,
    /// Reading and writing files.
    Disk,
    /// Nothing: it computes the whole time.
    Cpu,
}
