#!/usr/bin/env bash
# Checks C++ formatting (clang-format, .clang-format) and runs clang-tidy (.clang-tidy) on the
# .h and .cc files this branch changed since it left main (its merge-base with main, uncommitted
# edits included); on main itself, on the files of the last commit.
#   tools/lint.sh          changed files only (what tools/test.sh runs)
#   tools/lint.sh --all    every file: clang-format takes seconds, clang-tidy most of an hour
#                          on two cores (every file parses Boost.Asio), hence not in CI
#   tools/lint.sh FILE...  the files named
# Exits non-zero when a file is not formatted or clang-tidy reports a finding.
set -uo pipefail
cd "$(dirname "$0")/.."

pick() { command -v "$1-14" || command -v "$1"; }
FORMAT=$(pick clang-format) || { echo "lint.sh: clang-format missing (tools/setup.sh)" >&2; exit 1; }
TIDY=$(pick clang-tidy) || { echo "lint.sh: clang-tidy missing (tools/setup.sh)" >&2; exit 1; }

if [[ ${1:-} == --all ]]; then
  mapfile -t files < <(git ls-files '*.h' '*.cc')
elif (($#)); then
  files=("$@")
else
  base=$(git merge-base HEAD main 2>/dev/null || true)
  if [[ -z $base || $base == "$(git rev-parse HEAD)" ]]; then
    base=$(git rev-parse -q --verify HEAD~1) || base=HEAD
  fi
  mapfile -t files < <(git diff --name-only --diff-filter=d "$base" -- '*.h' '*.cc')
fi
# The stand-in for clang 14's missing std::source_location is not ae's code.
mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^tools/lint/' | grep -v '^$')
if ((${#files[@]} == 0)); then
  echo "lint.sh: no C++ files to check"
  exit 0
fi
echo "lint.sh: ${#files[@]} files"

status=0
"$FORMAT" --dry-run --Werror "${files[@]}" || status=1

# Each file parses alone: includes are from the repository root and /usr/include, as in Bazel,
# plus GLib's folders, which Bazel gets from @system_glib (bazel/deps.bzl).
GLIB_CFLAGS=$(pkg-config --cflags glib-2.0 2>/dev/null || true)
tidy_one() {
  # shellcheck disable=SC2086  # GLIB_CFLAGS is a list of flags
  "$TIDY" --quiet "$1" -- -std=c++20 -x c++ -I. $GLIB_CFLAGS -Wno-pragma-once-outside-header 2>&1 | grep -v ' warnings\? generated\.$'
  return "${PIPESTATUS[0]}"
}
export -f tidy_one
export TIDY GLIB_CFLAGS
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} bash -c 'tidy_one "$1"' _ {} || status=1

((status == 0)) && echo "lint.sh: clean" || echo "lint.sh: findings above" >&2
exit $status
