#!/usr/bin/env bash
# Runs every test of the repository. This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test Engine.sln -c Release
