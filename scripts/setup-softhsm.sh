#!/usr/bin/env bash
# Installs SoftHSM2 so the PKCS#11 key provider tests can run against a real token.
# Idempotent: does nothing when softhsm2-util is already on PATH. It deliberately
# creates no token and touches no global config: each test run makes a throwaway token
# in a temp dir (test/helpers/softhsm.ts), so parallel runs never share HSM state.
set -euo pipefail

if command -v softhsm2-util >/dev/null 2>&1; then
  echo "softhsm2 already installed: $(command -v softhsm2-util)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then
  SUDO='sudo'
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y softhsm2

echo "softhsm2 installed: $(command -v softhsm2-util)"
