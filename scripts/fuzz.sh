#!/usr/bin/env bash
# Fuzzes the protocol crate (fuzz/, a cargo-fuzz project with its own workspace) for a bounded
# time per target and records executions and findings in bench/results/fuzz.md.
#
# Usage: scripts/fuzz.sh [seconds-per-target (default 60)] [target...]
# Env:   FUZZ_SANITIZER=address|none  (default address; falls back to none if the ASan build fails)
#        FUZZ_RESULTS=<file>|none     (default bench/results/fuzz.md; none = do not write)
#        FUZZ_FAIL_ON_FINDINGS=1      exit 1 when any target produced a finding (CI smoke part)
#
# Only the stable toolchain is installed: cargo-fuzz passes nightly-only rustc flags
# (-Zsanitizer, -Cpasses=sancov-module...), which RUSTC_BOOTSTRAP=1 unlocks on stable.
# Working corpus (fuzz/corpus), crash artifacts (fuzz/artifacts) and logs (fuzz/logs) stay local
# (git-ignored); the committed seeds are fuzz/seeds/<target>, plus seeds generated here from
# ../shared/spec/signing-vectors.json when it is present.
set -euo pipefail
ROOT="${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
CACHE="${CACHE:-$ROOT/.cache}"
cd "$ROOT"

SECS="${1:-60}"
shift || true
ALL_TARGETS=(canonical_path token_response error_body verify_request sdk_inputs)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
case "$SECS" in ''|*[!0-9]*) echo "fuzz.sh: seconds must be a whole number" >&2; exit 2;; esac
RESULTS="${FUZZ_RESULTS:-$ROOT/bench/results/fuzz.md}"
SANITIZER="${FUZZ_SANITIZER:-address}"
CARGO_FUZZ_VERSION=0.13.2

# 1. cargo-fuzz, cached under $CACHE/tools
export PATH="$CACHE/tools/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION into $CACHE/tools"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$CACHE/tools"
fi
export RUSTC_BOOTSTRAP=1

F="$ROOT/fuzz"
mkdir -p "$F/logs"

# 2. build (timed separately from fuzzing); fall back to no sanitizer if ASan cannot be built
# cargo fuzz build takes one target or none (= all)
one=(); [ ${#TARGETS[@]} -eq 1 ] && one=("${TARGETS[0]}")
build() { (cd "$F" && cargo fuzz build --sanitizer "$SANITIZER" "${one[@]}") >"$F/logs/build.log" 2>&1; }
if ! build; then
  if [ "$SANITIZER" != none ]; then
    echo "fuzz.sh: build with --sanitizer $SANITIZER failed (fuzz/logs/build.log); retrying with none" >&2
    SANITIZER=none
  fi
  build || { tail -30 "$F/logs/build.log" >&2; exit 1; }
fi

# 3. seeds generated from the signing vectors (request targets and whole signed requests)
SHARED="${ALTER_SHARED_DIR:-$ROOT/../shared}"
VECTORS="$SHARED/spec/signing-vectors.json"
for t in "${TARGETS[@]}"; do mkdir -p "$F/corpus/$t" "$F/seeds/$t"; done
if [ -f "$VECTORS" ] && command -v python3 >/dev/null; then
  python3 - "$VECTORS" "$F/corpus" <<'PY'
import json, os, sys
vectors, corpus = sys.argv[1], sys.argv[2]
d = json.load(open(vectors, encoding="utf-8"))
def put(target, name, data):
    if os.path.isdir(os.path.join(corpus, target)):
        with open(os.path.join(corpus, target, "vector-" + name), "wb") as f:
            f.write(data)
for v in d.get("vectors", []):
    i, name = v["inputs"], v["name"]
    put("canonical_path", name, i["path"].encode())
    head = "".join(f"{k}: {val}\n" for k, val in v["expected_headers"].items())
    put("verify_request", name, f"{i['method']} {i['path']}\n{head}\n".encode() + i["body_utf8"].encode())
for n, ex in enumerate(d.get("example_flow", {}).get("exchanges", [])):
    body = ex.get("response", {}).get("body_json")
    if isinstance(body, dict) and "access_token" in body:
        put("token_response", f"example_flow-{n}", json.dumps(body, separators=(",", ":")).encode())
PY
fi

# 4. fuzz each target for SECS seconds of wall time; after a crash, resume (at most 5 times) so
#    the bound is spent and distinct findings are collected.
stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
rows=(); finding_lines=(); total_findings=0
for t in "${TARGETS[@]}"; do
  art="$F/artifacts/$t"; mkdir -p "$art"
  before=$(ls "$art" | sort)
  log="$F/logs/$t.log"; : > "$log"
  execs=0; restarts=0; start=$(date +%s.%N)
  while :; do
    now=$(date +%s.%N)
    left=$(python3 -c "import math;print(max(0, math.ceil($SECS - ($now - $start))))" 2>/dev/null || echo "$SECS")
    [ "$left" -gt 0 ] || break
    part="$F/logs/$t.part.log"
    set +e
    (cd "$F" && cargo fuzz run --sanitizer "$SANITIZER" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$left" -print_final_stats=1 -max_len=4096 -timeout=10 \
        -rss_limit_mb=2048) >"$part" 2>&1
    rc=$?
    set -e
    cat "$part" >> "$log"
    n=$(stat_of number_of_executed_units "$part")
    [ -n "$n" ] || n=$(grep -oE '^#[0-9]+' "$part" | tail -1 | tr -d '#')
    execs=$((execs + ${n:-0}))
    [ "$rc" -ne 0 ] || break
    restarts=$((restarts + 1))
    [ "$restarts" -lt 5 ] || break
  done
  elapsed=$(python3 -c "print(round($(date +%s.%N) - $start, 1))" 2>/dev/null || echo "$SECS")
  eps=$(python3 -c "print(round($execs / max($elapsed, 0.1)))" 2>/dev/null || echo "?")
  corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  files=$(ls "$F/corpus/$t" | wc -l)
  new=$(comm -13 <(echo "$before") <(ls "$art" | sort) | grep -v '^$' || true)
  nfind=$(printf '%s' "$new" | grep -c . || true)
  total_findings=$((total_findings + nfind))
  echo "fuzz $t: ${elapsed}s, $execs execs, $eps exec/s, corpus $corp (files $files), findings $nfind"
  rows+=("| \`$t\` | $elapsed | $execs | $eps | $corp ($files files) | $nfind |")
  if [ -n "$new" ]; then
    # Replay each artifact once to get its own panic message (a panic prints "panicked at
    # <file:line>:" and the message on the next line).
    host=$(rustc -vV | sed -n 's/^host: //p')
    bin="$F/target/$host/release/$t"
    while read -r a; do
      msg=$("$bin" "$art/$a" 2>&1 | grep -m1 -A1 -E "panicked at|ERROR: (libFuzzer|AddressSanitizer)" | tr '\n' ' ' | cut -c1-400 || true)
      finding_lines+=("- \`$t\`: \`fuzz/artifacts/$t/$a\` ($(stat -c %s "$art/$a") bytes): ${msg:-see fuzz/logs/$t.log}")
    done <<< "$new"
  fi
done

# 5. the results table
finish() {
  if [ "${FUZZ_FAIL_ON_FINDINGS:-0}" = 1 ] && [ "$total_findings" -gt 0 ]; then
    printf 'fuzz.sh: %s finding(s):\n' "$total_findings" >&2
    printf '%s\n' "${finding_lines[@]}" >&2
    exit 1
  fi
  exit 0
}
describe() {
  case "$1" in
    canonical_path) echo "§2.2 \`canonical_path\`, \`form_decode\`, \`quote_plus\` on arbitrary text: no panic; deterministic; independent of query field order; the canonical query decodes to the sorted input pairs; a canonical path is a fixed point when that is well defined (decoded path without \`%\`/\`?\`, query not canonicalised to nothing); \`quote_plus\` emits only unreserved/\`+\`/\`%\` and \`form_decode\` inverts it.";;
    token_response) echo "§3.4 \`parse_token_response\` on raw bytes and on a generator that edits valid payloads (§3.6 example, managed-secret, SigV4 + retry_info) with contract-edge values: no panic; failures are \`BackendError\` with a \`Backend returned…\` message and never contain the token; successes have a non-empty token without CR/LF/NUL, canonical grant_id/token_generation, no forbidden injection header (main or extra), and a \`Debug\` that does not print the token.";;
    error_body) echo "§7 \`map_backend_error\`, \`map_agents_error\`, \`map_proxy_error\`, \`parse_error_body\`, \`parse_rate_limit\`, \`parse_retry_after\`, \`parse_bearer_challenge\` on arbitrary status/headers/body (raw or JSON built from the §7.2 codes and fields, top level or in a \`detail\` envelope): no panic; class under \`AlterSDKError\`; non-empty message; status carried; \`status_code\` in parsed bodies and proxy errors; retry hints within their ceilings and equal to a reference for digit-only headers; challenge names lower-case.";;
    verify_request) echo "§2.6 \`verify_request\` on hostile headers/bodies/clock/window (no panic; nonce hook only for verified requests), on text seeds such as the signing vectors, and a \`sign\` → \`verify_request\` round trip: accepted in the window, replay refused, changed body refused (hash), other canonical path refused (signature), other key refused.";;
    sdk_inputs) echo "the rest of the input surface: keys (\`is_valid_key\` agrees with \`validate_api_key\`, \`make_scoped_key\` output validates), the dev vault's \`parse_token_request_body\` (re-serialised request parses back equal, body is a fixed point), URL validation/redaction (\`scheme://host\` only), context and request-rule header limits, \`inject_credential\` (exactly one header of the injected name) and \`audit_row_body\` (valid JSON, never contains the access token even when caller or provider data carries it).";;
  esac
}
[ "$RESULTS" = none ] && finish
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
mkdir -p "$(dirname "$RESULTS")"
{
  echo "# Fuzzing the protocol crate"
  echo
  echo "Command: \`scripts/fuzz.sh $SECS\` (libFuzzer via cargo-fuzz $(cargo fuzz --version 2>/dev/null | awk '{print $2}'),"
  echo "sanitizer \`$SANITIZER\`, $(rustc --version | cut -d' ' -f1-2) with \`RUSTC_BOOTSTRAP=1\`, one worker per target, targets in sequence)."
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). Machine: $(nproc) cores${cpu:+, $cpu}, shared with other builds."
  echo "Protocol code: commit $(git -C "$ROOT" log -1 --format=%h -- protocol 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet -- protocol 2>/dev/null || echo ' plus uncommitted changes')."
  echo
  echo "| target | seconds | executions | exec/s | corpus entries | findings |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Executions are libFuzzer's \`number_of_executed_units\` summed over the run (restarted after a"
  echo "crash, at most 5 times, until the time is spent); corpus entries is libFuzzer's in-memory corpus"
  echo "at the end (files: fuzz/corpus/<target>, which grows across runs). Findings are new files in"
  echo "fuzz/artifacts/<target> (crash-, timeout-, oom-, leak-); a failed invariant assertion counts as a crash."
  echo
  echo "## Findings"
  echo
  if [ ${#finding_lines[@]} -eq 0 ]; then echo "None in this run."; else printf '%s\n' "${finding_lines[@]}"; fi
  echo
  echo "## What each target checks"
  echo
  for t in "${TARGETS[@]}"; do echo "- \`$t\` (fuzz/fuzz_targets/$t.rs): $(describe "$t")"; done
  echo
  echo "Reproduce a finding: \`RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>\` (from fuzz/);"
  echo "minimise: \`RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> <file>\`."
} > "$RESULTS"
echo "fuzz.sh: wrote $RESULTS"
finish
