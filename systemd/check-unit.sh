#!/usr/bin/env bash
# CI check of the unit file: `systemd-analyze verify` must print nothing about it, and
# `systemd-analyze security --offline=yes` must score it at most 3.0 (the score is printed).
# verify checks that ExecStart's binary exists, so it runs on a copy whose /usr/bin/node and
# /opt/site-controller point at this machine's node and this checkout.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
node_bin="$(command -v node)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unit="$tmp/site-controller.service"
sed -e "s#/usr/bin/node#$node_bin#g" -e "s#/opt/site-controller/current#$repo#g" -e "s#/opt/site-controller#$repo#g" "$repo/systemd/site-controller.service" > "$unit"

verify="$(systemd-analyze verify "$unit" 2>&1 || true)"
about_unit="$(printf '%s\n' "$verify" | grep -F 'site-controller.service' || true)"
if [ -n "$about_unit" ]; then
  printf 'systemd-analyze verify complains about the unit:\n%s\n' "$about_unit" >&2
  exit 1
fi
echo "systemd-analyze verify: clean"

score_line="$(systemd-analyze security --offline=yes "$unit" 2>&1 | grep 'Overall exposure level' || true)"
echo "systemd-analyze security: ${score_line:-no score printed}"
score="$(printf '%s' "$score_line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')"
if [ -z "$score" ] || ! awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'; then
  echo "exposure score ${score:-?} is above 3.0" >&2
  exit 1
fi
