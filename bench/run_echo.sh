#!/usr/bin/env bash
# Runs AnyEvent's echo benchmark: 500 sequential connects, one line echoed each, against
# //examples/echo_server, with an ae client (ae::Handle, and tcp_connect + ae::io, on the asio
# and uv backends), a plain blocking-socket client and libuv in the same run; prints the table
# with ratios against the blocking client. Builds with --config=opt.
#
# Usage: bench/run_echo.sh [--connects N] [--runs R]
#   BAZEL_OUTPUT_BASE=dir  use that Bazel output base (default: Bazel's own)
exec "$(dirname "$0")/run_opt.sh" //bench/echo "$@"
