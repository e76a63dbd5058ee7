#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs it.
# The browser comes from Debian (never a test tool's own download).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-driver default-jre-headless >/dev/null
  else
    echo "note: chromium/java missing and cannot apt-get install; browser and validator tests will skip (or fail when CI=true)" >&2
  fi
fi

python -m pip install -q --disable-pip-version-check -e '.[test]'
python -m pytest "$@"
