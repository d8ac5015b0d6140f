# The verbs a learner types. `just` is optional: each recipe is one command you can type by hand.

# List the recipes.
default:
    @just --list

# Run a lesson's tour, or one experiment: `just run threading`, `just run threading waiting --full`
run LESSON *ARGS:
    cargo run -p {{LESSON}} -- {{ARGS}}

# Serve the book at http://localhost:3000 (needs `cargo install mdbook --version 0.5.4 --locked`)
book:
    mdbook serve book

# Every lesson's tests (the unsolved exercises are not part of them)
test:
    cargo test

# Check one exercise: `just check threading-1`
check EXERCISE:
    cargo test -p exercises --test checks {{replace(EXERCISE, "-", "_")}}::

# Put one exercise back as it was in the last commit: `just reset threading-1`
reset EXERCISE:
    git checkout HEAD -- exercises/src/{{replace(EXERCISE, "-", "_")}}.rs

# Re-check the exercise you are editing on every save, with your progress
watch:
    cargo run --quiet -p exercise-check -- watch

# The lessons at the article's full sizes, optimised: figures for your machine
bench:
    cargo run --release -p gil-sim -- --full && cargo run --release -p threading -- --full

# What CI runs: formatting, lints, tests, the book, the exercise meta-check
ci:
    bash .ci/run
