//! Included anchors lose the indentation they had in their source file.
//!
//! `{{#include file.rs:anchor}}` copies the anchored lines as they are, so a loop body taken from
//! inside a function keeps 8 or 12 spaces of margin on every line of the listing. mdBook 0.5.4
//! does not remove it (its `take_anchored_lines` keeps lines verbatim), so this preprocessor,
//! which runs after mdBook's `links`, removes from every fenced code block the indentation that
//! all of its lines share. A block the author wrote without a common margin is left as it is.
//!
//! Why every fenced block and not only the included ones: after `links` the chapter no longer
//! says which lines came from an include, and a common margin is noise wherever it comes from.
//! Why not `{{#rustdoc_include}}`: it hides the lines around the anchor instead, and the reader
//! who expands them sees the margin again.

/// `content` with every fenced code block's common indentation removed (beyond the fence's own,
/// which Markdown strips already).
pub fn dedent_code_blocks(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut lines = content.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        let Some(fence) = Fence::opening(line) else {
            continue;
        };
        let mut body = Vec::new();
        let mut closing = None;
        for inner in lines.by_ref() {
            if fence.is_closed_by(inner) {
                closing = Some(inner);
                break;
            }
            body.push(inner);
        }
        out.push_str(&dedent(&body, fence.indent));
        if let Some(closing) = closing {
            out.push_str(closing);
        }
    }
    out
}

/// An opening code fence: three or more backticks or tildes, indented by at most three spaces.
struct Fence {
    marker: char,
    length: usize,
    indent: usize,
}

impl Fence {
    fn opening(line: &str) -> Option<Fence> {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        let marker = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let length = rest.len() - rest.trim_start_matches(marker).len();
        // A backtick fence's info string may not contain a backtick (CommonMark).
        let info = &rest[length..];
        let valid = indent <= 3 && length >= 3 && !(marker == '`' && info.contains('`'));
        valid.then_some(Fence {
            marker,
            length,
            indent,
        })
    }

    fn is_closed_by(&self, line: &str) -> bool {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let length = trimmed.len() - trimmed.trim_start_matches(self.marker).len();
        indent <= 3 && length >= self.length && trimmed[length..].trim().is_empty()
    }
}

/// The lines of one code block without the margin they all share, down to the fence's indent.
fn dedent(body: &[&str], fence_indent: usize) -> String {
    let margin = body
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let remove = margin.saturating_sub(fence_indent);
    body.iter()
        .map(|line| {
            if line.trim().is_empty() {
                // A blank line keeps only its line ending.
                &line[line.trim_end_matches(['\n', '\r']).len()..]
            } else {
                &line[remove..]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::dedent_code_blocks;

    #[test]
    fn removes_the_margin_every_line_shares() {
        let chapter =
            "Text\n\n```rust\n        for x in xs {\n            f(x);\n\n        }\n```\nafter\n";
        assert_eq!(
            dedent_code_blocks(chapter),
            "Text\n\n```rust\nfor x in xs {\n    f(x);\n\n}\n```\nafter\n"
        );
    }

    #[test]
    fn leaves_a_block_without_a_common_margin_and_text_outside_blocks() {
        let chapter = "    indented paragraph\n```\nfn main() {\n    body();\n}\n```\n";
        assert_eq!(dedent_code_blocks(chapter), chapter);
    }

    #[test]
    fn keeps_the_fence_indent_inside_a_list_item() {
        let chapter = "- item\n\n  ```python\n      x = 1\n      y = 2\n  ```\n";
        assert_eq!(
            dedent_code_blocks(chapter),
            "- item\n\n  ```python\n  x = 1\n  y = 2\n  ```\n"
        );
    }

    #[test]
    fn a_longer_fence_holds_a_shorter_one() {
        let chapter = "````md\n    ```\n    code\n    ```\n````\n";
        assert_eq!(
            dedent_code_blocks(chapter),
            "````md\n```\ncode\n```\n````\n"
        );
    }

    #[test]
    fn tildes_and_an_unclosed_block() {
        assert_eq!(
            dedent_code_blocks("~~~\n  a\n  b\n~~~\n"),
            "~~~\na\nb\n~~~\n"
        );
        assert_eq!(dedent_code_blocks("```\n  a\n  b"), "```\na\nb");
    }
}
