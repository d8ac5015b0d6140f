# The verbs a learner types. `just` is optional: each recipe is one command you can type by hand
# (the README lists them side by side).

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

# Every exercise: solved, or why not yet
list:
    cargo run --quiet -p exercise-check -- list

# Check one exercise, each of its checks: `just check threading-1`
check EXERCISE:
    cargo run --quiet -p exercise-check -- check {{EXERCISE}}

# One more hint for an exercise each time you ask: `just hint threading-1`
hint EXERCISE:
    cargo run --quiet -p exercise-check -- hint {{EXERCISE}}

# Put one exercise back as it was in the last commit (yours is kept in target/): `just reset threading-1`
reset EXERCISE:
    cargo run --quiet -p exercise-check -- reset {{EXERCISE}}

# Re-check each exercise whenever you save it, with your progress
watch:
    cargo run --quiet -p exercise-check -- watch

# Every lesson's Python twins, CPython beside Rust in one table: `just compare`, `just compare --json`
compare *ARGS:
    cargo run --quiet -p lesson-kit --bin compare -- {{ARGS}}

# The lessons at the article's full sizes, optimised: figures for your machine
bench:
    cargo run --release -p gil-sim -- --full && cargo run --release -p threading -- --full

# What CI runs: formatting, lints, tests, the book, the exercise meta-check, the shared build
ci:
    bash .ci/run
