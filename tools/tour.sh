#!/usr/bin/env bash
# The tour: builds the examples and runs them, on loopback only, printing what happens.
# Does its own set-up (tools/setup.sh) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

bazel build --config=ci //examples/... >&2
bin=$(bazel info --config=ci bazel-bin 2>/dev/null)

section() { printf '\n=== %s ===\n' "$*"; }

section "core: timers, io on a pipe, a signal, a child process and a CondVar (asio backend)"
"$bin/examples/core_tour/core_tour"
section "the same on the libuv backend (AE_MODEL=uv)"
AE_MODEL=uv "$bin/examples/core_tour/core_tour"
