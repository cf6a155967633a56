#!/bin/sh
# Install Anju (安居) as a hardened systemd service on Linux.
#
#   sudo sh install/install.sh [--binary PATH] [--no-start]
#
# What it does (safe to run again, e.g. to upgrade the binary):
#   - creates the system user and group `anju` (no login shell);
#   - creates the data folder /var/lib/anju (mode 0700, owned by anju);
#   - copies the binary to /usr/local/bin/anju;
#   - installs install/anju.service as /etc/systemd/system/anju.service
#     (a different existing unit is kept as anju.service.bak-DATE);
#   - systemctl daemon-reload, enable, and start (or restart if it changed);
#   - tells you how to get the first administrator's one-time password.
#
# Edit install/anju.service first to change the port or the serve flags.
# Remove with install/uninstall.sh (the data folder is kept).
set -eu

SERVICE=anju
SVC_USER=anju
DATA_DIR=/var/lib/anju
BIN_DEST=/usr/local/bin/anju
UNIT_DEST=/etc/systemd/system/anju.service

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
unit_src=$script_dir/anju.service
binary=''
start=yes

usage() {
	cat <<EOF
Usage: sudo sh $0 [--binary PATH] [--no-start]

  --binary PATH  the anju binary to install (default: anju in the current
                 folder, or in the folder above install/). Build it with:
                 go build -o anju .
  --no-start     install and enable the service, but do not start it now
EOF
}

die() {
	printf 'install.sh: %s\n' "$*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--binary)
		[ $# -ge 2 ] || die "--binary needs a path"
		binary=$2
		shift 2
		;;
	--binary=*)
		binary=${1#--binary=}
		shift
		;;
	--no-start)
		start=no
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument: $1"
		;;
	esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo sh $0)"
[ -d /run/systemd/system ] || die "systemd is not running on this machine; run 'anju serve' under your own init system instead"
command -v systemctl >/dev/null 2>&1 || die "systemctl not found"
[ -f "$unit_src" ] || die "unit file not found: $unit_src"

if [ -z "$binary" ]; then
	for candidate in ./anju "$script_dir/../anju"; do
		if [ -f "$candidate" ]; then
			binary=$candidate
			break
		fi
	done
fi
[ -n "$binary" ] || die "no anju binary found; build it (go build -o anju .) or give --binary PATH"
[ -f "$binary" ] || die "binary not found: $binary"

# Copy the binary next to its destination first and check that it runs here
# (not built for another OS or architecture) before changing anything else.
install -d -m 0755 "$(dirname "$BIN_DEST")"
install -m 0755 "$binary" "$BIN_DEST.new"
if ! version=$("$BIN_DEST.new" version 2>/dev/null); then
	rm -f "$BIN_DEST.new"
	die "$binary does not run on this machine (built for another OS or architecture? use: go build -o anju .)"
fi
printf 'Installing %s\n' "$version"

was_active=no
if systemctl is-active --quiet "$SERVICE" 2>/dev/null; then
	was_active=yes
fi
changed=no

# 1. System user and group.
if ! getent group "$SVC_USER" >/dev/null 2>&1; then
	groupadd --system "$SVC_USER"
	printf 'Created group %s\n' "$SVC_USER"
fi
if ! getent passwd "$SVC_USER" >/dev/null 2>&1; then
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/sbin/nologin
	[ -x "$nologin" ] || nologin=/bin/false
	useradd --system --gid "$SVC_USER" --home-dir "$DATA_DIR" --no-create-home \
		--shell "$nologin" --comment "Anju service" "$SVC_USER"
	printf 'Created system user %s\n' "$SVC_USER"
fi

# 2. Data folder, 0700 and owned by the service user. Files left by an
# earlier root-run install (anju install, or a restore run as root) are
# handed over to the service user too.
fresh=yes
if [ -e "$DATA_DIR/anju.db" ]; then
	fresh=no
fi
install -d -m 0700 -o "$SVC_USER" -g "$SVC_USER" "$DATA_DIR"
chown -R "$SVC_USER:$SVC_USER" "$DATA_DIR"

# 3. Binary, replaced by a rename (a running binary cannot be overwritten).
if [ -f "$BIN_DEST" ] && cmp -s "$BIN_DEST.new" "$BIN_DEST"; then
	rm -f "$BIN_DEST.new"
	printf '%s is up to date\n' "$BIN_DEST"
else
	mv -f "$BIN_DEST.new" "$BIN_DEST"
	changed=yes
	printf 'Installed %s\n' "$BIN_DEST"
fi

# 4. Unit file.
if [ -f "$UNIT_DEST" ] && cmp -s "$unit_src" "$UNIT_DEST"; then
	printf '%s is up to date\n' "$UNIT_DEST"
else
	if [ -f "$UNIT_DEST" ]; then
		backup=$UNIT_DEST.bak-$(date +%Y%m%d-%H%M%S)
		cp -p "$UNIT_DEST" "$backup"
		printf 'Kept the previous unit as %s\n' "$backup"
	fi
	install -m 0644 "$unit_src" "$UNIT_DEST"
	changed=yes
	printf 'Installed %s\n' "$UNIT_DEST"
fi

systemctl daemon-reload
systemctl enable --quiet "$SERVICE"

if [ "$start" = no ]; then
	printf '\nService %s installed and enabled (not started). Start it with:\n  sudo systemctl start %s\n' "$SERVICE" "$SERVICE"
	exit 0
fi

if [ "$was_active" = yes ] && [ "$changed" = yes ]; then
	printf 'Restarting %s (stored data is migrated automatically if needed)\n' "$SERVICE"
	systemctl restart "$SERVICE"
else
	systemctl start "$SERVICE"
fi

# Wait up to 15 s for the platform to come up.
i=0
while [ $i -lt 15 ]; do
	if systemctl is-active --quiet "$SERVICE" && [ -e "$DATA_DIR/anju.control" ]; then
		break
	fi
	sleep 1
	i=$((i + 1))
done

if ! systemctl is-active --quiet "$SERVICE"; then
	printf '\nThe service did not stay up. See why with:\n  journalctl -u %s -n 50 --no-pager\n' "$SERVICE" >&2
	exit 1
fi

printf '\nAnju is running as service %s (user %s, data in %s).\n' "$SERVICE" "$SVC_USER" "$DATA_DIR"
printf 'Logs:    journalctl -u %s -f\n' "$SERVICE"
printf 'Status:  systemctl status %s\n' "$SERVICE"

if [ "$fresh" = yes ]; then
	# The first start prints the first administrator's one-time password
	# (初始管理员一次性密码) to the journal.
	found=$(journalctl -u "$SERVICE" --no-pager -o cat 2>/dev/null |
		grep -A2 "first system administrator" | tail -n 3) || found=''
	printf '\nFirst sign-in: http://<this server>:<port>/gov/login as user admin.\n'
	if [ -n "$found" ]; then
		printf '%s\n' "$found"
	else
		printf 'The one-time password is in the journal:\n'
	fi
	printf 'See it again with:\n  sudo journalctl -u %s | grep -A2 "first system administrator"\n' "$SERVICE"
	printf 'or make a new one (works while the service runs):\n  sudo %s reset-password --data %s admin\n' "$BIN_DEST" "$DATA_DIR"
fi
