//! solutions: filled in by the exercises issue.
