#!/usr/bin/env bash
# Installs the .deb into a throwaway root with dpkg --root (maintainer
# scripts run on this host with DPKG_ROOT set) and checks what an admin
# finds: files and modes, the system user tierd, the unit; then that an
# upgrade keeps the admin's config and secrets, that a removal keeps the
# config and the store, and that a purge removes them. Runs as root, or
# under fakeroot (check_install.sh decides).
#   check_dpkg_root.sh DEB ROOT VERSION
set -euo pipefail
deb="$1"
root="$2"
version="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }
dpkg_in_root() {
  dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root \
    --log=/dev/null "$@" >"$root.dpkg.log" 2>&1 || { cat "$root.dpkg.log" >&2; return 1; }
}
mode_owner() { stat -c '%a %u:%g' "$root$1"; }

dpkg_in_root -i "$deb" || fail "dpkg -i"
[ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status} ${Version}' tierd)" = \
  "install ok installed $version" ] || fail "tierd is not installed in the root"

user="$(grep '^tierd:' "$root/etc/passwd")" || fail "no user tierd"
IFS=: read -r _ _ uid gid _ home shell <<<"$user"
[ "$uid" -lt 1000 ] || fail "tierd is not a system user (uid $uid)"
[ "$home" = /var/lib/tierd ] || fail "tierd's home is $home"
[ "$shell" = /usr/sbin/nologin ] || fail "tierd's shell is $shell"
grep -q "^tierd:x:$gid:" "$root/etc/group" || fail "no group tierd with gid $gid"

[ -x "$root/usr/bin/tierd" ] || fail "no /usr/bin/tierd"
[ "$(mode_owner /usr/bin/tierd)" = "755 0:0" ] || fail "/usr/bin/tierd: $(mode_owner /usr/bin/tierd)"
[ "$(mode_owner /etc/tierd)" = "750 0:$gid" ] || fail "/etc/tierd: $(mode_owner /etc/tierd)"
[ "$(mode_owner /etc/tierd/tierd.jsonc)" = "640 0:$gid" ] \
  || fail "/etc/tierd/tierd.jsonc: $(mode_owner /etc/tierd/tierd.jsonc)"
[ "$(mode_owner /etc/tierd/tierd.env)" = "600 0:0" ] || fail "/etc/tierd/tierd.env: $(mode_owner /etc/tierd/tierd.env)"
[ "$(mode_owner /var/lib/tierd)" = "750 $uid:$gid" ] || fail "/var/lib/tierd: $(mode_owner /var/lib/tierd)"
unit="$root/lib/systemd/system/tierd.service"
[ -f "$unit" ] || fail "no unit in /lib/systemd/system"
grep -qx "ExecStart=/usr/bin/tierd serve --config /etc/tierd/tierd.jsonc" "$unit" \
  || fail "ExecStart: $(grep ^ExecStart= "$unit")"
bash "$(dirname "$0")/check_unit.sh" "$unit" || fail "the packaged unit"
diff -q "$root/usr/share/tierd/tierd.example.jsonc" "$root/etc/tierd/tierd.jsonc" >/dev/null \
  || fail "the conffile is not the example config"

# An upgrade (the same version again runs the same scripts) keeps the
# admin's edits and secrets.
echo '// edited' >>"$root/etc/tierd/tierd.jsonc"
echo 'TIERD_ZENDESK_TOKEN=kept' >>"$root/etc/tierd/tierd.env"
dpkg_in_root --force-confold -i "$deb" || fail "reinstalling"
grep -q '// edited' "$root/etc/tierd/tierd.jsonc" || fail "an upgrade replaced the edited config"
grep -q 'TIERD_ZENDESK_TOKEN=kept' "$root/etc/tierd/tierd.env" || fail "an upgrade replaced the secrets"
[ "$(grep -c '^tierd:' "$root/etc/passwd")" = 1 ] || fail "an upgrade added a second user"

# Removal keeps the config and the store; purge deletes them (the user stays).
touch "$root/var/lib/tierd/tierd.db"
dpkg_in_root -r tierd || fail "dpkg -r"
[ -e "$root/usr/bin/tierd" ] && fail "dpkg -r left /usr/bin/tierd"
[ -e "$root/etc/tierd/tierd.jsonc" ] || fail "dpkg -r removed the config"
[ -e "$root/var/lib/tierd/tierd.db" ] || fail "dpkg -r removed the store"
dpkg_in_root -P tierd || fail "dpkg -P"
[ -e "$root/etc/tierd" ] && fail "purge left /etc/tierd: $(ls -A "$root/etc/tierd")"
[ -e "$root/var/lib/tierd" ] && fail "purge left /var/lib/tierd"
grep -q '^tierd:' "$root/etc/passwd" || fail "purge removed the user"
exit 0
