#!/usr/bin/env bash
# Runs every test of the repository: the .NET suite, then the C/C++ suite (libsegengine.so built through CMake, its
# GoogleTest and script tests run by ctest). This is the command README.md gives and .ci/run calls; it exits non-zero
# when either suite fails, after running both.
set -uo pipefail
cd "$(dirname "$0")"

status=0
dotnet test Engine.sln -c Release || status=1
tests/gpu-flavor.sh || status=1

# ctest ends with "N% tests passed, F tests failed out of T"; it is restated in dotnet test's "Failed: F, Passed: P"
# form so that .ci/run counts both suites alike.
log=$(mktemp)
if cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j "$(nproc)"; then
  ctest --test-dir build --output-on-failure -j "$(nproc)" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  summary=$(grep -oE '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$summary" ]; then
    failed=$(echo "$summary" | awk '{ print $1 }')
    total=$(echo "$summary" | awk '{ print $NF }')
    echo "ctest: Failed: $failed, Passed: $((total - failed)), Total: $total - native/tests"
  else
    echo "ctest: Failed: 1, Passed: 0 - no native test ran"
    status=1
  fi
else
  echo "ctest: Failed: 1, Passed: 0 - the CMake build of libsegengine failed"
  status=1
fi
rm -f "$log"
exit "$status"
