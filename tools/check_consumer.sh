#!/usr/bin/env bash
# Builds and runs examples/consumer, a workspace of its own that takes ae's targets as @ae
# (local_repository + ae_dependencies()), the way a user's workspace does: proves that
# bazel/deps.bzl declares everything ae needs and that @ae//handle, @ae//dns and @ae//tls build
# from outside, with no network. tools/test.sh runs it after the Bazel tests.
#
# Cost: the consumer is a second Bazel workspace, so a second server and output base
# (~/.cache/bazel, kept between runs). Its compile commands name ae's files as external/ae/...,
# so they share CI's disk cache with earlier consumer builds, not with ae's own: the first run
# compiles core, handle, dns, tls and socket once more; later runs only what changed. Measured on
# this project's 2-core machine while other builds ran: 231 s the first time (49 compiles), 61 s
# after a change to one tls header (7 compiles, the Bazel server's start included).
set -euo pipefail
cd "$(dirname "$0")/../examples/consumer"
start=$SECONDS
flags=(--disk_cache=~/.cache/bazel-disk --symlink_prefix=/ --color=no --curses=no
  --show_progress_rate_limit=60)
bazel build "${flags[@]}" //:hello
out=$("$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)/hello")
bazel shutdown
echo "consumer: $out ($((SECONDS - start)) s)"
[[ $out == "hello from ae (1 name server)" ]]
