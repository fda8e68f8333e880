#!/usr/bin/env bash
# Checks `segengine serve` with clients nobody here wrote: curl for the HTTP endpoints and Node's @grpc/grpc-js with
# @grpc/proto-loader (npm ci here) for gRPC, against a server started on loopback with the sample model, comparing the
# answers with what `segengine predict` writes for the same case. Needs a built CLI (dotnet build -c Release), curl,
# node >= 18 and npm. Prints one summary line "serve clients: Failed: F, Passed: P, Total: T" and exits non-zero on failure.
set -uo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
segengine="$root/engine/SegEngine.Cli/bin/Release/net10.0/segengine"
model="$root/models/sample/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres"
case_file="$root/models/sample/cases/case_003_0000.nii.gz"
passed=0
failed=0
work=$(mktemp -d)
server=""

finish() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
  echo "serve clients: Failed: $failed, Passed: $passed, Total: $((passed + failed)) - tests/serve"
}
trap finish EXIT

check() { # NAME COMMAND...: runs a check, counts it
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}

for tool in curl node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: tests/serve needs $tool" >&2
    failed=1
    exit 1
  fi
done
if [ ! -x "$segengine" ]; then
  echo "error: $segengine is missing; build first: dotnet build Engine.sln -c Release" >&2
  failed=1
  exit 1
fi
if ! npm ci --no-audit --no-fund --loglevel=error >/dev/null; then
  echo "error: npm ci failed in tests/serve" >&2
  failed=1
  exit 1
fi

# The expected answer: what predict writes for the case.
mkdir -p "$work/in" "$work/expected"
cp "$case_file" "$work/in/case_003_0000.nii.gz"
check "segengine predict writes the expected segmentation" \
  "$segengine" predict -i "$work/in" -o "$work/expected" -m "$model" --disable_tta -device cpu --save_probabilities
expected="$work/expected/case_003.nii.gz"

"$segengine" serve -m "sample=$model" --disable_tta -device cpu --port 0 --grpc-port 0 >"$work/server.log" 2>"$work/server.err" &
server=$!
http="" grpc_address=""
for _ in $(seq 1 600); do
  line=$(grep -m1 -o 'serving on http://[^ ]*' "$work/server.err" || true)
  if [ -n "$line" ]; then
    http=${line#serving on }
    grpc_address=$(grep -m1 -o 'gRPC http://[^)/]*' "$work/server.err" | sed 's#gRPC http://##')
    break
  fi
  sleep 0.2
done
[ -n "$http" ] || { echo "error: segengine serve did not start:" >&2; cat "$work/server.err" >&2; failed=$((failed + 1)); exit 1; }
http=${http%/}
for _ in $(seq 1 600); do
  curl -fs "$http/v2/health/ready" >/dev/null && break
  sleep 0.2
done

check "GET /v2/health/live" curl -fsS "$http/v2/health/live" -o /dev/null
check "GET /v2/health/ready" curl -fsS "$http/v2/health/ready" -o /dev/null
check "GET /v2/models/sample names its input" bash -c "curl -fsS '$http/v2/models/sample' | grep -q '\"name\":\"image\"'"
check "POST /v1/models/sample/segment equals predict's file byte for byte" bash -c \
  "curl -fsS -F 'image=@$case_file' '$http/v1/models/sample/segment' -o '$work/segment.nii.gz' && cmp '$work/segment.nii.gz' '$expected'"
header_length=$(node client.js http-body "$case_file" "$work/body.bin")
check "POST /v2/models/sample/infer (binary tensors) equals predict's labels" bash -c \
  "curl -fsS -D '$work/headers' -H 'Content-Type: application/octet-stream' -H 'Inference-Header-Content-Length: $header_length' --data-binary '@$work/body.bin' '$http/v2/models/sample/infer' -o '$work/response.bin' \
   && node client.js http-check '$work/response.bin' \$(grep -i '^inference-header-content-length:' '$work/headers' | tr -dc 0-9) '$expected'"
header_length=$(node client.js http-body "$case_file" "$work/probabilities-body.bin" probabilities)
check "POST /v2/models/sample/infer probabilities equal predict's .npz bit for bit" bash -c \
  "curl -fsS -D '$work/probabilities-headers' -H 'Content-Type: application/octet-stream' -H 'Inference-Header-Content-Length: $header_length' --data-binary '@$work/probabilities-body.bin' '$http/v2/models/sample/infer' -o '$work/probabilities.bin' \
   && node client.js http-probabilities-check '$work/probabilities.bin' \$(grep -i '^inference-header-content-length:' '$work/probabilities-headers' | tr -dc 0-9) '$work/expected/case_003.npz'"
check "a bad request is a 400 with a JSON error naming the problem" bash -c \
  "[ \"\$(curl -s -o '$work/error.json' -w '%{http_code}' -H 'Content-Type: application/json' -d '{\"inputs\":[]}' '$http/v2/models/sample/infer')\" = 400 ] && grep -q '\"error\":\".*inputs' '$work/error.json'"
check "gRPC through @grpc/grpc-js equals predict's labels" node client.js grpc "$grpc_address" sample "$case_file" "$expected"
check "GET /metrics counts the requests" bash -c "curl -fsS '$http/metrics' -o '$work/metrics.txt' && grep -q 'segengine_requests_total{model=\"sample\",endpoint=\"infer\",outcome=\"ok\"}' '$work/metrics.txt'"

kill -TERM "$server"
wait "$server"
code=$?
server=""
check "SIGTERM stops the server with exit status 0" test "$code" -eq 0
[ "$failed" -eq 0 ]
