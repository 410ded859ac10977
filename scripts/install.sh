#!/usr/bin/env bash
# Installs, upgrades or rolls back site-controller from an unpacked release tarball
# (made by `npm run package`; this script is its install.sh). Run as root:
#
#   ./install.sh                 install this version, or upgrade to it
#   ./install.sh --rollback      go back to the version that was current before
#   ./install.sh --prefix DIR    the same inside DIR (a throwaway root for tests and
#                                image builds): no users or groups are created, files
#                                keep the caller's ownership, systemd is not touched
#   --no-restart                 install or switch, but leave the service alone
#
# Layout (under the prefix, if any):
#   /opt/site-controller/<version>/   one directory per version, never changed once complete
#   /opt/site-controller/current      -> <version>, switched atomically (ln -sfn + mv -T)
#   /opt/site-controller/previous     -> the version current pointed at before the last switch
#   /usr/local/bin/site-controller    runs current
#   /etc/site-controller/config.yaml  installed from the minimal template only if absent
#   /etc/systemd/system/site-controller.service
# Before switching to another version the store is backed up next to itself, in
# backups/site-<old version>-<time>.db. Running it again changes nothing (idempotent).
set -euo pipefail

src="$(cd "$(dirname "$0")" && pwd)"
root=""
rollback=false
restart=true
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) root="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --prefix=*) root="$(mkdir -p "${1#*=}" && cd "${1#*=}" && pwd)"; shift ;;
    --rollback) rollback=true; shift ;;
    --no-restart) restart=false; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

base="$root/opt/site-controller"
etc="$root/etc/site-controller"
config="$etc/config.yaml"
# The real machine only: a prefix is a throwaway root that must not create users or
# talk to systemd (tests must never touch the machine they run on).
real=false
[ -z "$root" ] && real=true
if $real && [ "$(id -u)" -ne 0 ]; then die "run as root (or give --prefix DIR for a throwaway root)"; fi

release_value() { sed -n "s/^$1=//p" "$2/RELEASE"; }
[ -f "$src/RELEASE" ] || die "$src/RELEASE is missing: run this from an unpacked release tarball (npm run package)"
version="$(release_value version "$src")"

command -v node >/dev/null 2>&1 || die "node is not on PATH: install Node.js 20 or 22 first (docs/operations.md)"
# better-sqlite3's addon only loads in the Node major (ABI) it was built for.
want_abi="$(release_value nodeAbi "$src")"
have_abi="$(node -p process.versions.modules)"
want_arch="$(release_value arch "$src")"
have_arch="$(node -p process.arch)"
if [ "$want_abi" != "$have_abi" ] || [ "$want_arch" != "$have_arch" ]; then
  die "this release was built for $want_arch with Node $(release_value node "$src") (ABI $want_abi); this machine runs $have_arch with Node $(node --version) (ABI $have_abi): package on a machine with the gateway's architecture and Node major"
fi

# Points link $1 at $2 atomically: a new link under a temporary name renamed over the
# old one, so a reader (systemd starting the service) sees the old or the new target.
switch_link() {
  local tmp="$base/.$1.tmp.$$"
  ln -sfn "$2" "$tmp"
  mv -T "$tmp" "$base/$1"
}

ensure_user() {
  if ! $real; then
    say "prefix: not creating the system user and group site-controller; files keep your ownership"
    return
  fi
  getent group site-controller >/dev/null || groupadd --system site-controller
  id -u site-controller >/dev/null 2>&1 ||
    useradd --system --gid site-controller --home-dir /var/lib/site-controller --no-create-home \
      --shell /usr/sbin/nologin --comment "site-controller daemon" site-controller
  # The unit grants no CAP_NET_RAW: the MTU check's ping needs ICMP datagram sockets for the group.
  local lo=1 hi=0 gid
  read -r lo hi < /proc/sys/net/ipv4/ping_group_range || true
  gid="$(getent group site-controller | cut -d: -f3)"
  if [ -z "$gid" ] || [ "$gid" -lt "$lo" ] || [ "$gid" -gt "$hi" ]; then
    say "net.ipv4.ping_group_range ($lo $hi) excludes group site-controller: the MTU check cannot ping;"
    say "  fix: echo 'net.ipv4.ping_group_range = 0 2147483647' > /etc/sysctl.d/60-ping.conf && sysctl --system"
  fi
}

# Unpacks this release to $base/$version (under a temporary name, renamed when complete).
# A directory already holding this very build (same RELEASE) is kept as it is.
unpack() {
  local dest="$base/$version"
  if [ -f "$dest/RELEASE" ] && cmp -s "$dest/RELEASE" "$src/RELEASE"; then
    say "$version is already unpacked in $dest"
    return
  fi
  local tmp="$base/.$version.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  cp -a "$src/." "$tmp/"
  if $real; then chown -R root:root "$tmp"; fi
  if [ -e "$dest" ]; then
    # Another build of the same version: the old directory goes aside first, and a
    # service running it must restart to run the new build.
    changed=true
    mv -T "$dest" "$base/.$version.old.$$"
    mv -T "$tmp" "$dest"
    rm -rf "$base/.$version.old.$$"
  else
    mv -T "$tmp" "$dest"
  fi
  say "unpacked $version to $dest"
}

# The store's path, as the config gives it (relative paths are relative to the unit's
# WorkingDirectory, /var/lib/site-controller), inside the prefix if there is one. Read
# with the release's own YAML parser.
store_path() {
  local dir="$1"
  [ -f "$config" ] || { echo "$root/var/lib/site-controller/site.db"; return; }
  node -e '
    const { createRequire } = require("node:module");
    const path = require("node:path");
    const req = createRequire(path.join(process.argv[1], "package.json"));
    const doc = req("yaml").parse(require("node:fs").readFileSync(process.argv[2], "utf8")) ?? {};
    const p = doc.store?.path ?? "/var/lib/site-controller/site.db";
    process.stdout.write(path.join(process.argv[3], path.isAbsolute(p) ? p : path.join("/var/lib/site-controller", p)));
  ' "$dir" "$config" "$root"
}

# Backs the store up with the SQLite backup API before another version touches it:
# the new version's `site-controller backup` if it has one, else the same API through
# its better-sqlite3 (read-only, so no -wal/-shm files change owner). Copying the files
# while the daemon writes could give a torn copy, so there is no plain-copy fallback:
# without a backup the switch does not happen.
backup_store() {
  local from="$1" dir="$base/$version" db out
  db="$(store_path "$dir")"
  if [ ! -f "$db" ]; then say "no store at $db yet: nothing to back up"; return; fi
  mkdir -p "$(dirname "$db")/backups"
  chmod 0700 "$(dirname "$db")/backups"
  # The service user may write its own backups there too (site-controller backup -o ...).
  if $real; then chown site-controller:site-controller "$(dirname "$db")/backups"; fi
  out="$(dirname "$db")/backups/site-$from-$(date -u +%Y%m%dT%H%M%SZ).db"
  # Under a prefix the command would read the config's real (unprefixed) store path.
  if $real && node "$dir/dist/daemon/cli.js" backup -o "$out" -c "$config" >/dev/null 2>&1 && [ -s "$out" ]; then
    say "store backed up with site-controller backup to $out"
  else
    rm -f "$out"
    node -e '
      const { createRequire } = require("node:module");
      const req = createRequire(require("node:path").join(process.argv[1], "package.json"));
      const Database = req("better-sqlite3");
      const db = new Database(process.argv[2], { readonly: true, fileMustExist: true });
      db.backup(process.argv[3]).then(() => {
        db.close();
        // One self-contained file (the copy inherits WAL mode, which would add -wal/-shm).
        const copy = new Database(process.argv[3]);
        copy.pragma("journal_mode = DELETE");
        copy.close();
      }, (err) => { console.error(err.message); process.exit(1); });
    ' "$dir" "$db" "$out" || die "could not back up $db; nothing was switched"
    say "store backed up (SQLite backup API) to $out"
  fi
  chmod 0600 "$out"
  echo "$out" > "$base/last-backup"
}

install_config() {
  mkdir -p "$etc"
  if [ -f "$config" ]; then
    say "keeping the existing $config"
    return
  fi
  if $real; then
    chown root:site-controller "$etc"; chmod 0750 "$etc"
    install -m 0640 -o root -g site-controller "$base/current/config/site-controller.minimal.yaml" "$config"
  else
    install -m 0640 "$base/current/config/site-controller.minimal.yaml" "$config"
  fi
  say "installed $config from the minimal template: fill the values marked FILL, then run site-controller check"
}

# Installs the unit of the current version and the command on PATH.
install_entry_points() {
  local unit="$root/etc/systemd/system/site-controller.service"
  mkdir -p "$(dirname "$unit")" "$root/usr/local/bin"
  # Units written for a single /opt/site-controller tree are pointed at current/.
  sed -E 's#/opt/site-controller/(dist/|README\.md)#/opt/site-controller/current/\1#g' \
    "$base/current/systemd/site-controller.service" > "$unit.tmp.$$"
  chmod 0644 "$unit.tmp.$$"
  cmp -s "$unit.tmp.$$" "$unit" || changed=true
  mv -T "$unit.tmp.$$" "$unit"
  local bin="$root/usr/local/bin/site-controller"
  printf '#!/bin/sh\n# site-controller: runs the current version (install.sh switches it).\nexec node %s/opt/site-controller/current/dist/daemon/cli.js "$@"\n' "$root" > "$bin.tmp.$$"
  chmod 0755 "$bin.tmp.$$"
  mv -T "$bin.tmp.$$" "$bin"
}

restart_service() {
  if ! $changed; then
    say "nothing changed: the service is left as it is"
    return
  fi
  if ! $real || ! $restart || ! command -v systemctl >/dev/null 2>&1 || [ ! -d /run/systemd/system ]; then
    say "service not restarted (prefix, --no-restart or no systemd): restart site-controller yourself when ready"
    return
  fi
  systemctl daemon-reload
  if systemctl is-enabled --quiet site-controller 2>/dev/null || systemctl is-active --quiet site-controller; then
    systemctl restart site-controller ||
      die "site-controller did not start on $(readlink "$base/current"): journalctl -u site-controller -n 50; to go back: $0 --rollback"
    say "site-controller restarted on $(readlink "$base/current")"
  else
    say "when the config is filled: systemctl enable --now site-controller"
  fi
}

check_config() {
  if node "$base/current/dist/daemon/cli.js" check -c "$config"; then
    say "config $config is valid"
  else
    say "config $config has the problems above: fix them before (re)starting the service"
  fi
}

mkdir -p "$base"
current="$(readlink "$base/current" 2>/dev/null || true)"
# Whether the service must be restarted: another version, or another unit.
changed=false

if $rollback; then
  previous="$(readlink "$base/previous" 2>/dev/null || true)"
  [ -n "$previous" ] || die "no previous version recorded in $base/previous: nothing to roll back to"
  [ -d "$base/$previous" ] || die "previous version $previous is not in $base"
  switch_link current "$previous"
  changed=true
  # Not a toggle: a second --rollback must not bring back the version just left.
  rm -f "$base/previous"
  install_entry_points
  say "rolled back from $current to $previous ($current stays in $base/$current; install it again to return)"
  if [ -f "$base/last-backup" ]; then
    say "if $previous refuses the store (written by a newer build), stop the service and restore $(cat "$base/last-backup") (docs/operations.md)"
  fi
  restart_service
  exit 0
fi

ensure_user
unpack
if [ -n "$current" ] && [ "$current" != "$version" ]; then
  backup_store "$current"
  switch_link previous "$current"
fi
if [ "$current" != "$version" ]; then
  switch_link current "$version"
  changed=true
fi
say "current is $version${current:+ (was $current)}"
install_entry_points
install_config
check_config || true
restart_service
