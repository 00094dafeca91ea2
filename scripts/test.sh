#!/usr/bin/env bash
# Runs every check and test of plemu, installing what the tests need first.
# Usage: scripts/test.sh            (from the repository root, as root or with sudo for apt)
set -euo pipefail
cd "$(dirname "$0")/.."

# The e2e suites start a real redis-server; the README walkthrough test also runs
# redis-cli, jq and dig; the topology page's test loads it in headless chromium. All from
# Debian's packages, as is Python's venv module.
missing=()
for pair in redis-server:redis-server redis-cli:redis-tools jq:jq dig:dnsutils chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # DPkg::Lock::Timeout: wait for another install on the machine rather than fail at once.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The API's tests run real Python clients from PyPI: AWS's own (the aws CLI v1, boto3) against
# the Query front, grpcio against the gRPC API. They live in a virtual environment of their
# own, installed once and kept between runs (tests/src/python_clients.rs lists them too).
export PLEMU_PY_VENV="${PLEMU_PY_VENV:-/var/tmp/plemu-py}"
py_packages="awscli boto3 grpcio grpcio-tools grpcio-status grpcio-health-checking grpcio-reflection"
if ! "$PLEMU_PY_VENV/bin/python" -c 'import awscli, boto3, grpc, grpc_tools, grpc_status, grpc_health, grpc_reflection' >/dev/null 2>&1; then
  echo "== installing $py_packages into $PLEMU_PY_VENV"
  python3 -m venv "$PLEMU_PY_VENV"
  # shellcheck disable=SC2086 # one word per package
  "$PLEMU_PY_VENV/bin/pip" install --quiet --disable-pip-version-check $py_packages
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Container suites: the images are built here (no registry needed). Where Docker runs, a
# missing engine or image fails the suite instead of skipping it.
remove_test_instances() { # what a killed run left behind: test instances only, never a user's
  local kind id inst
  for kind in container network; do
    # containers first: a network with containers cannot go
    docker $kind ls $([ $kind = container ] && echo -a) --filter label=dev.plemu.instance \
        --format "{{.ID}} {{.Label \"dev.plemu.instance\"}}" 2>/dev/null |
      while read -r id inst; do
        case $inst in test-*) docker $kind rm $([ $kind = container ] && echo -f) "$id" >/dev/null 2>&1 || true ;; esac
      done
  done
}
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "== container images"
  scripts/images.sh --debug
  export PLEMU_REQUIRE_DOCKER=1
  remove_test_instances
  trap 'remove_test_instances; rm -f "$log"' EXIT
else
  echo "!!! no Docker engine here: the container suites will be skipped"
fi

echo "== cargo test"
# --workspace builds the plemu binary, which the e2e suites run as a real process.
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line for the whole run (cargo ends on the doc tests' "0 passed").
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
