#!/usr/bin/env bash
# The README's test command, and what CI runs: installs what the tests need, then runs them all.
#
#   scripts/run_tests.sh            # every test
#   scripts/run_tests.sh -k store   # extra arguments go to pytest
#
# It installs the Python packages (requirements.txt) and Debian's chromium for the real-browser
# test (Playwright cannot download browsers here), and finds the real IMDB copy the integration
# tests read: $SENTIMENT_DATA_DIR if set, else ../shared/data beside the checkout, else the
# app's own data folder (downloaded there once if it is not there yet).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser test ..." >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: chromium is missing; install it as root: apt-get install -y chromium" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

if [ -z "${SENTIMENT_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
  SENTIMENT_DATA_DIR="$(cd ../shared/data && pwd)"
  export SENTIMENT_DATA_DIR
fi
# Finds IMDB in the data folder, or downloads it there (84 MB, once).
python3 -m sentiment_core download >&2

export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
exec python3 -m pytest -q "$@"
