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
# The unit grants no CAP_NET_RAW: the MTU check's ping needs ICMP datagram sockets for the group.
read -r lo hi < /proc/sys/net/ipv4/ping_group_range || { lo=1; hi=0; }
gid="$(getent group site-controller | cut -d: -f3)"
if [ -z "$gid" ] || [ "$gid" -lt "$lo" ] || [ "$gid" -gt "$hi" ]; then
  echo "net.ipv4.ping_group_range ($lo $hi) excludes group site-controller: the MTU check cannot ping;"
  echo "  fix: echo 'net.ipv4.ping_group_range = 0 2147483647' > /etc/sysctl.d/60-ping.conf && sysctl --system"
fi
node "$dest/dist/daemon/cli.js" check -c /etc/site-controller/config.yaml || echo "config has problems (above); fix before starting"
