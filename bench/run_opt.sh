#!/usr/bin/env bash
# Builds one benchmark driver with --config=opt and runs it (bench/run_watchers.sh and
# bench/run_bench2.sh call this). Installs what the build needs first (tools/setup.sh).
#
# Usage: bench/run_opt.sh <bazel target> [driver arguments...]
#   BAZEL_OUTPUT_BASE=dir  use that Bazel output base (default: Bazel's own)
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
shift
tools/setup.sh
startup=()
if [[ -n "${BAZEL_OUTPUT_BASE:-}" ]]; then startup+=("--output_base=$BAZEL_OUTPUT_BASE"); fi
# The convenience symlinks (bazel-bin, ...) are left alone: a benchmark run needs none of them.
exec bazel "${startup[@]}" run --config=opt --experimental_convenience_symlinks=ignore \
  "$target" -- "$@"
