#!/usr/bin/env bash
# Runs every check and test of plemu, installing what the tests need first.
# Usage: scripts/test.sh            (from the repository root, as root or with sudo for apt)
set -euo pipefail
cd "$(dirname "$0")/.."

# The e2e suites start a real redis-server; the README walkthrough test also runs
# redis-cli, jq and dig. All from Debian's packages.
missing=()
for pair in redis-server:redis-server redis-cli:redis-tools jq:jq dig:dnsutils; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
# --workspace builds the plemu binary, which the e2e suites run as a real process.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole run (cargo ends on the doc tests' "0 passed").
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
