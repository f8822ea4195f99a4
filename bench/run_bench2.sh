#!/usr/bin/env bash
# Runs AnyEvent's bench2 (a large server: 10000 socketpairs or as many as RLIMIT_NOFILE allows,
# 100 active; a small server: 8 socketpairs, 3 active) for ae and, in the same run, the same
# program written natively against libev, libuv and plain Boost.Asio; prints the tables with
# ratios against libev. Builds with --config=opt; every implementation runs in its own process.
#
# The ae::Handle variant (Handles with timeouts on) is bench/bench2/bench2_handle.cc, target
# //bench/bench2:bench2_handle; the driver shows it as "ae/handle" whenever it is built.
#
# Usage: bench/run_bench2.sh [--servers N] [--active N] [--small-servers N] [--small-active N]
#                            [--ms T] [--runs R]
#   BAZEL_OUTPUT_BASE=dir  use that Bazel output base (default: Bazel's own)
exec "$(dirname "$0")/run_opt.sh" //bench/bench2 "$@"
