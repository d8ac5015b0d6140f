//! Renderers of a [`Report`](crate::Report): the terminal, SVG and Markdown all draw the same data.

pub mod markdown;
pub mod svg;
pub mod terminal;

pub use terminal::TerminalOptions;
