#!/usr/bin/env bash
# Runs AnyEvent's watcher benchmark for ae on every backend (asio, uv, native, ev, glib) and, in
# the same run, the same work written natively against libev, libuv and plain Boost.Asio; prints
# the tables with ratios
# against libev. Builds with --config=opt; every implementation runs in its own process.
#
# Usage: bench/run_watchers.sh [--count N] [--runs R]
#   BAZEL_OUTPUT_BASE=dir  use that Bazel output base (default: Bazel's own)
exec "$(dirname "$0")/run_opt.sh" //bench/watchers "$@"
