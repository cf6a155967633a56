#!/bin/sh
# Remove the Anju (安居) systemd service installed by install/install.sh
# (or by `anju install`).
#
#   sudo sh install/uninstall.sh            # stop, disable, remove unit and binary
#   sudo sh install/uninstall.sh --purge    # ... and delete ALL data (asks first)
#
# Without --purge the data folder /var/lib/anju (the data file anju.db, the
# search index and the scheduled backups in backups/), /etc/default/anju and
# the system user `anju` are KEPT: installing again picks the data up as it
# was. Safe to run more than once.
set -eu

SERVICE=anju
SVC_USER=anju
DATA_DIR=/var/lib/anju
BIN_DEST=/usr/local/bin/anju
UNIT_DEST=/etc/systemd/system/anju.service
ENV_FILE=/etc/default/anju

purge=no
assume_yes=no

usage() {
	cat <<EOF
Usage: sudo sh $0 [--purge [--yes]]

  --purge  also delete the data folder $DATA_DIR (all records and the
           scheduled backups), $ENV_FILE and the system user $SVC_USER.
           Take a backup first: sudo $BIN_DEST backup --data $DATA_DIR -o FILE
  --yes    with --purge: do not ask for confirmation
EOF
}

die() {
	printf 'uninstall.sh: %s\n' "$*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--purge) purge=yes ;;
	--yes | -y) assume_yes=yes ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument: $1"
		;;
	esac
	shift
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo sh $0)"

if [ "$purge" = yes ] && [ "$assume_yes" = no ]; then
	if [ ! -t 0 ]; then
		die "--purge deletes all Anju data; add --yes to confirm when not running interactively"
	fi
	printf 'This deletes %s: every record, attachment and scheduled backup.\n' "$DATA_DIR"
	printf 'Type DELETE to continue: '
	read -r answer || answer=''
	[ "$answer" = DELETE ] || die "cancelled, nothing removed"
fi

# 1. Stop and disable the service, remove the unit (and any drop-ins made
# with `systemctl edit anju`).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	if systemctl is-active --quiet "$SERVICE" 2>/dev/null; then
		printf 'Stopping %s\n' "$SERVICE"
		systemctl stop "$SERVICE"
	fi
	if [ -f "$UNIT_DEST" ]; then
		systemctl disable --quiet "$SERVICE" 2>/dev/null || true
	fi
fi
if [ -f "$UNIT_DEST" ]; then
	rm -f "$UNIT_DEST"
	printf 'Removed %s\n' "$UNIT_DEST"
fi
if [ -d "$UNIT_DEST.d" ]; then
	rm -rf "$UNIT_DEST.d"
	printf 'Removed %s.d\n' "$UNIT_DEST"
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl reset-failed "$SERVICE" 2>/dev/null || true
fi

# 2. The binary.
if [ -e "$BIN_DEST" ]; then
	rm -f "$BIN_DEST"
	printf 'Removed %s\n' "$BIN_DEST"
fi
rm -f "$BIN_DEST.new"

if [ "$purge" = no ]; then
	printf '\nAnju is uninstalled. KEPT (not deleted):\n'
	[ -d "$DATA_DIR" ] && printf '  %s  (data file, index, backups)\n' "$DATA_DIR"
	[ -f "$ENV_FILE" ] && printf '  %s\n' "$ENV_FILE"
	getent passwd "$SVC_USER" >/dev/null 2>&1 && printf '  system user %s\n' "$SVC_USER"
	printf 'Delete them with: sudo sh %s --purge\n' "$0"
	exit 0
fi

# 3. --purge: data, settings, user.
if [ -d "$DATA_DIR" ]; then
	rm -rf "$DATA_DIR"
	printf 'Deleted %s\n' "$DATA_DIR"
fi
if [ -f "$ENV_FILE" ]; then
	rm -f "$ENV_FILE"
	printf 'Deleted %s\n' "$ENV_FILE"
fi
if getent passwd "$SVC_USER" >/dev/null 2>&1; then
	userdel "$SVC_USER"
	printf 'Deleted system user %s\n' "$SVC_USER"
fi
if getent group "$SVC_USER" >/dev/null 2>&1; then
	groupdel "$SVC_USER" 2>/dev/null || true
fi
printf '\nAnju and all its data are removed.\n'
