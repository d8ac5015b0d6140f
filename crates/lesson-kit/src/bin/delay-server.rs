//! The delay server on its own, for the Python twins and for curl:
//!
//! ```text
//! cargo run -p lesson-kit --bin delay-server -- --port 8000
//! curl http://127.0.0.1:8000/delay/300
//! ```

use clap::Parser;
use lesson_kit::DelayServer;

/// Serve the lessons' "downloads" on 127.0.0.1 (never on any other address).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
}

fn main() -> anyhow::Result<()> {
    // `delay-server | head -1` must end quietly, not panic on the next line it prints.
    lesson_kit::os::exit_quietly_on_closed_pipe();
    let args = Args::parse();
    let server = DelayServer::start_on_port(args.port)?;
    println!("delay-server listening on {}", server.base_url());
    println!("  GET /delay/{{ms}}                  answer after ms milliseconds");
    println!("  GET /bytes/{{n}}?delay_ms=D        a body of n bytes, after D ms");
    println!("  GET /status/{{code}}?delay_ms=D    answer with that HTTP status");
    println!("  GET /truncated                   break off mid-body (a client error)");
    println!("Press Ctrl-C to stop.");
    server.run_until_killed();
    Ok(())
}
