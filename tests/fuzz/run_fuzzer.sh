#!/usr/bin/env bash
# Runs one fuzz target from a writable copy of its seed corpus, so that what libFuzzer finds is
# kept between runs and the tree stays clean. Used by `bazel run --config=fuzz //tests/fuzz:NAME`;
# extra arguments go to libFuzzer (e.g. -runs=10000000, -max_total_time=600, -jobs=2).
#   AE_FUZZ_DIR   where corpora and crash files go (default: $TMPDIR/ae-fuzz or /tmp/ae-fuzz)
# Without --config=fuzz the binary is the corpus driver: it runs the seeds once and exits.
set -euo pipefail
binary=$1
seeds=$2
shift 2
name=$(basename "$seeds")
work=${AE_FUZZ_DIR:-${TMPDIR:-/tmp}/ae-fuzz}/$name
mkdir -p "$work/corpus" "$work/crashes"
if compgen -G "$seeds/*" >/dev/null; then cp -n "$seeds"/* "$work/corpus/"; fi
echo "run_fuzzer: $name: corpus $work/corpus, crashes in $work/crashes" >&2
exec "$binary" -artifact_prefix="$work/crashes/" "$@" "$work/corpus"
