#!/usr/bin/env bash
# Runs the whole test suite the way CI does, on a fresh machine as on a developer's:
#   1. installs what building and testing need (tools/setup.sh),
#   2. runs every test plain, then under AddressSanitizer + UndefinedBehaviorSanitizer,
#      then the tests tagged "tsan" (the threaded ones) under ThreadSanitizer,
#   3. builds examples/consumer (tools/check_consumer.sh) and lints the files the branch changed
#      (tools/lint.sh), each such check counted as one test,
#   4. prints one line "N passed, N failed", counted from the test results.
# Exits non-zero when anything failed. Extra arguments go to every `bazel test`.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

# bench2-style and fd-exhaustion tests want the hard fd limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
overall=0

run_config() {  # name, bazel flags..., then -- and a query for the tests it covers
  local name=$1
  shift
  local flags=()
  while [[ $1 != -- ]]; do
    flags+=("$1")
    shift
  done
  shift
  local query=$1
  shift
  echo "== tests: $name ==" >&2
  bazel query "$query" >"$logs/$name.targets" 2>/dev/null
  if [[ ! -s $logs/$name.targets ]]; then
    echo "no tests match $query" >&2
    return
  fi
  bazel test --config=ci "${flags[@]}" --keep_going --test_summary=short \
    --target_pattern_file="$logs/$name.targets" "$@" 2>&1 | tee "$logs/$name.out" >&2
  [[ ${PIPESTATUS[0]} == 0 ]] || overall=1
  bazel info --config=ci "${flags[@]}" bazel-testlogs 2>/dev/null >"$logs/$name.testlogs"
}

run_config plain -- 'tests(//tests/...)' "$@"
run_config asan --config=asan -- 'tests(//tests/...)' "$@"
run_config tsan --config=tsan -- 'attr(tags, "\btsan\b", tests(//tests/...))' "$@"

# Checks outside Bazel's tests, each counted as one test: pass or fail.
run_check() {  # name, command...
  local name=$1
  shift
  echo "== check: $name ==" >&2
  local start=$SECONDS
  if "$@" >&2; then
    echo PASSED >"$logs/check.$name"
  else
    echo FAILED >"$logs/check.$name"
    overall=1
  fi
  echo "$name: $((SECONDS - start)) s" >&2
}
run_check consumer tools/check_consumer.sh
run_check lint tools/lint.sh

# Count test cases from each target's test.xml; a target that failed without a failing case in
# its XML (a crash at exit, a timeout, a build failure) counts as one failure.
/usr/bin/env python3 - "$logs" <<'PY'
import os, re, sys
import xml.etree.ElementTree as ET

logs = sys.argv[1]
passed = failed = 0
for name in ("plain", "asan", "tsan"):
    targets_file = os.path.join(logs, name + ".targets")
    if not os.path.exists(os.path.join(logs, name + ".testlogs")):
        continue
    testlogs = open(os.path.join(logs, name + ".testlogs")).read().strip()
    output = open(os.path.join(logs, name + ".out")).read()
    status = dict(re.findall(r"^(//\S+)\s+(?:\(cached\) )?([A-Z][A-Z ]*[A-Z])\b", output, re.M))
    for target in open(targets_file).read().split():
        pkg, _, test = target[2:].partition(":")
        xml = os.path.join(testlogs, pkg, test, "test.xml")
        ok_target = status.get(target) == "PASSED"
        cases = bad = 0
        if os.path.exists(xml):
            try:
                root = ET.parse(xml).getroot()
                for case in root.iter("testcase"):
                    cases += 1
                    if case.find("failure") is not None or case.find("error") is not None:
                        bad += 1
            except ET.ParseError:
                pass
        if target not in status:
            continue  # filtered out by the caller's flags (e.g. --test_tag_filters)
        if not ok_target and bad == 0:
            bad = 1
            print(f"{name}: {target} {status.get(target, 'did not run')}", file=sys.stderr)
        passed += max(cases - bad, 0)
        failed += bad
for entry in sorted(os.listdir(logs)):
    if entry.startswith("check."):
        if open(os.path.join(logs, entry)).read().strip() == "PASSED":
            passed += 1
        else:
            failed += 1
            print(f"check {entry[6:]} FAILED", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
counted=$?

bazel shutdown
[[ $overall == 0 && $counted == 0 ]]
