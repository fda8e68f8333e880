#!/usr/bin/env bash
# Runs every test of the repository: the .NET suite, then the C/C++ suite (libsegengine.so built through CMake, its
# GoogleTest and script tests run by ctest). This is the command README.md gives and .ci/run calls. On a fresh machine
# it first installs what the C/C++ suite needs and is missing (Debian packages, as root or through sudo); when it cannot,
# it says exactly what to install and exits non-zero. It exits non-zero when either suite fails, after running both.
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required and was not found on PATH; install it (https://dot.net), then rerun ./test.sh" >&2
  exit 1
fi

# The C/C++ suite needs a compiler, CMake, GoogleTest and zlib headers.
missing=()
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
[ -e /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_get=()
  if ! command -v apt-get >/dev/null 2>&1; then
    :
  elif [ "$(id -u)" -eq 0 ]; then
    apt_get=(apt-get)
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt_get=(sudo apt-get)
  fi
  installed=false
  if [ "${#apt_get[@]}" -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    "${apt_get[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq "${missing[@]}" && installed=true
  fi
  if [ "$installed" != true ]; then
    echo "error: the C/C++ suite needs ${missing[*]}, which could not be installed here (not root, no sudo, or no apt-get)." >&2
    echo "Install them, then rerun ./test.sh: on Debian/Ubuntu, sudo apt-get install ${missing[*]}" >&2
    echo "(elsewhere: g++, CMake >= 3.20, the GoogleTest development files and the zlib headers)" >&2
    exit 1
  fi
fi

status=0
dotnet test Engine.sln -c Release || status=1
tests/gpu-flavor.sh || status=1
# segengine serve with outside clients (curl, Node's @grpc/grpc-js); it uses the CLI the suite above built.
tests/serve/run.sh || status=1

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
