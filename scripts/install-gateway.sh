#!/usr/bin/env bash
# Installs a built site-controller on a gateway (run as root from the unpacked
# release, which contains dist/, node_modules/ (production), package.json, config/).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
dest=/opt/site-controller

id -u site-controller >/dev/null 2>&1 || useradd --system --home /var/lib/site-controller --shell /usr/sbin/nologin site-controller
mkdir -p "$dest" /etc/site-controller
cp -a "$src/dist" "$src/node_modules" "$src/package.json" "$src/README.md" "$dest/"
cp -a "$src/config" "$dest/"
if [ ! -f /etc/site-controller/config.yaml ]; then
  install -m 0640 -g site-controller "$src/config/site-controller.example.yaml" /etc/site-controller/config.yaml
  echo "edit /etc/site-controller/config.yaml, then: systemctl enable --now site-controller"
fi
install -m 0644 "$src/systemd/site-controller.service" /etc/systemd/system/site-controller.service
systemctl daemon-reload
node "$dest/dist/daemon/cli.js" check -c /etc/site-controller/config.yaml || echo "config has problems (above); fix before starting"
