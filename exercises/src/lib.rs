//! exercises: filled in by the exercises issue.
