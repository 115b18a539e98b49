#!/usr/bin/env bash
# The test command: builds Hive and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
swift test
