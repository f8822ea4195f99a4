#!/usr/bin/env bash
# Runs the UDP echo benchmark: datagrams echoed per second by an ae server (ae::udp_bind and
# UdpSocket::reply, on the asio and uv backends) and by the same server on libuv, in the same run,
# each in its own process with the same load client; prints the table with ratios against libuv.
# Builds with --config=opt.
#
# Usage: bench/run_udp.sh [--echoes N] [--window W] [--size BYTES] [--runs R]
#   BAZEL_OUTPUT_BASE=dir  use that Bazel output base (default: Bazel's own)
exec "$(dirname "$0")/run_opt.sh" //bench/udp "$@"
