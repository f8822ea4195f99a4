#!/usr/bin/env bash
# The tour: builds the examples and runs them, on loopback only, printing what happens.
# Does its own set-up (tools/setup.sh) on a fresh machine.
#
# Each leg is a script in examples/tour.d/, run in name order with these in its environment:
#   AE_TOUR_BIN   the Bazel bin directory (programs at $AE_TOUR_BIN/examples/<name>/<name>)
#   AE_TOUR_TMP   a scratch directory removed at the end
# and the shell function `section TITLE` to print a heading.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

bazel build --config=ci //examples/... >&2
AE_TOUR_BIN=$(bazel info --config=ci bazel-bin 2>/dev/null)
AE_TOUR_TMP=$(mktemp -d)
export AE_TOUR_BIN AE_TOUR_TMP
trap 'rm -rf "$AE_TOUR_TMP"' EXIT

section() { printf '\n=== %s ===\n' "$*"; }
export -f section

status=0
for leg in examples/tour.d/*.sh; do
  if ! bash "$leg"; then
    echo "tour: $leg failed" >&2
    status=1
  fi
done
exit $status
