#!/usr/bin/env bash
# Formats (default) or lints (--lint) the Swift sources with the toolchain's swift-format and .swift-format.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--lint" ]; then
  exec swift format lint --recursive --parallel Sources Tests Package.swift
fi
exec swift format format --in-place --recursive --parallel Sources Tests Package.swift
