#!/usr/bin/env bash
# Installs site-controller on this gateway from a source checkout: builds the release
# tarball here (needs npm, and a compiler only if no better-sqlite3 prebuild fits) and
# runs its install.sh, the one install/upgrade path (docs/operations.md). Run as root.
# Arguments are passed to install.sh (--prefix DIR, --no-restart).
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
tarball="$(npm run --silent package -- --out "$(mktemp -d)" | tail -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work" "$(dirname "$tarball")"' EXIT
tar -xzf "$tarball" -C "$work"
"$work"/site-controller-*/install.sh "$@"
