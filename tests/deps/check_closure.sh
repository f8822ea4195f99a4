#!/usr/bin/env bash
# Fails when a package's transitive closure (from `bazel query deps(//pkg)`) reaches an ae
# package or third-party wrapper that the dependency table (deps.bzl, README.md) does not allow it.
# Arguments: pkg=closure_file=allowed,packages=allowed,wrappers
set -u
status=0
for spec in "$@"; do
  IFS='=' read -r pkg file packages wrappers <<<"$spec"
  checked=0
  while read -r label; do
    case "$label" in
      //bazel/third_party:*)
        wrapper=${label#//bazel/third_party:}
        [[ ",$wrappers,gtest,gtest_main," == *",$wrapper,"* ]] || {
          echo "FAIL: //$pkg depends on $label, which the dependency table does not allow"
          status=1
        }
        ;;
      //bazel*|@*) ;;  # build helpers and Bazel's own repositories
      //*)
        dep=${label#//}
        dep=${dep%%:*}
        allowed=0
        for p in ${packages//,/ }; do
          [[ "$dep" == "$p" || "$dep" == "$p"/* ]] && allowed=1
        done
        ((allowed)) || {
          echo "FAIL: //$pkg depends on $label, which the dependency table does not allow"
          status=1
        }
        ;;
    esac
    checked=$((checked + 1))
  done <"$file"
  ((checked > 0)) || { echo "FAIL: empty closure for //$pkg"; status=1; }
  echo "//$pkg: $checked targets checked"
done
exit $status
