#!/bin/sh
# Install Anju (安居) as a hardened systemd service on Linux.
#
#   sudo sh install/install.sh [--binary PATH] [--no-start] [--wait SECONDS]
#
# What it does (safe to run again, e.g. to upgrade the binary):
#   - creates the system user and group `anju` (no login shell);
#   - creates the data folder /var/lib/anju (mode 0700, owned by anju);
#   - copies the binary to /usr/local/bin/anju;
#   - installs install/anju.service as /etc/systemd/system/anju.service
#     (a different existing unit is kept as anju.service.bak-DATE);
#   - systemctl daemon-reload, enable, and start (or restart if it changed);
#   - waits until /healthz says the platform is ready, or says that it is
#     still starting (migrations, a first index build) and how to follow it;
#   - tells you how to get the first administrator's one-time password.
#
# Edit install/anju.service first to change the port or the serve flags.
# Remove with install/uninstall.sh (the data folder is kept).
set -eu

# ANJU_INSTALL_TEST_ROOT is for install_test.go only: a folder standing
# for / while stub commands (systemctl, id, ...) come first on PATH.
root=${ANJU_INSTALL_TEST_ROOT:-}
SERVICE=anju
SVC_USER=anju
DATA_DIR=$root/var/lib/anju
BIN_DEST=$root/usr/local/bin/anju
UNIT_DEST=$root/etc/systemd/system/anju.service
ENV_FILE=$root/etc/default/anju

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
unit_src=$script_dir/anju.service
binary=''
start=yes
wait_max=60

usage() {
	cat <<EOF
Usage: sudo sh $0 [--binary PATH] [--no-start] [--wait SECONDS]

  --binary PATH    the anju binary to install (default: anju in the current
                   folder, or in the folder above install/). Build it with:
                   go build -o anju .
  --no-start       install and enable the service, but do not start it now
  --wait SECONDS   how long to wait for the platform to be ready (default 60);
                   a start that migrates a large data file can take minutes
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
	--wait)
		[ $# -ge 2 ] || die "--wait needs a number of seconds"
		wait_max=$2
		shift 2
		;;
	--wait=*)
		wait_max=${1#--wait=}
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

case $wait_max in
'' | *[!0-9]*) die "--wait needs a whole number of seconds, not: $wait_max" ;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root (sudo sh $0)"
[ -d "$root/run/systemd/system" ] || die "systemd is not running on this machine; run 'anju serve' under your own init system instead"
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

# serve_flag NAME: the value of --NAME on the unit's command line, as
# `systemctl edit anju` may have changed it; nothing when it is not there.
serve_flag() {
	systemctl show -p ExecStart "$SERVICE" 2>/dev/null | awk -v name="$1" '
		/argv\[\]=/ {
			sub(/.*argv\[\]=/, ""); sub(/ ;.*/, "")
			for (i = 1; i <= NF; i++) {
				if ($i == "--" name || $i == "-" name) { print $(i + 1); exit }
				if (index($i, "--" name "=") == 1 || index($i, "-" name "=") == 1) {
					sub(/^[^=]*=/, "", $i); print $i; exit
				}
			}
		}'
}

# env_value NAME: NAME's value in /etc/default/anju; nothing without it.
env_value() {
	[ -f "$ENV_FILE" ] || return 0
	sed -n "s/^[[:space:]]*$1=//p" "$ENV_FILE" | tail -n 1 | tr -d "\"'"
}

# Where /healthz answers: a flag wins over its variable (anju serve -h).
addr=$(serve_flag addr)
[ -n "$addr" ] || addr=$(env_value ANJU_ADDR)
[ -n "$addr" ] || addr=localhost:8080
scheme=http
if [ -n "$(serve_flag tls-cert)$(env_value ANJU_TLS_CERT)" ]; then
	scheme=https
fi
port=${addr##*:}
host=${addr%:*}
case $host in
'' | 0.0.0.0 | '[::]' | localhost) host=127.0.0.1 ;;
esac
health_url=$scheme://$host:$port/healthz

# health: the first line of /healthz's answer (ok, starting, ...), or
# nothing when nothing answers. A 503 "starting" has a body too: curl
# prints it without -f, wget with --content-on-error. The certificate is
# not checked: this machine asks itself.
health() {
	if command -v curl >/dev/null 2>&1; then
		curl -sk --max-time 5 "$health_url" 2>/dev/null | head -n 1
	elif command -v wget >/dev/null 2>&1; then
		# BusyBox wget knows no --content-on-error: then ask without it.
		wget -q -O - -T 5 --no-check-certificate --content-on-error "$health_url" 2>/dev/null | head -n 1 |
			grep . || wget -q -O - -T 5 "$health_url" 2>/dev/null | head -n 1
	fi
}

restarts_before=$(systemctl show -p NRestarts --value "$SERVICE" 2>/dev/null) || restarts_before=''

if [ "$was_active" = yes ] && [ "$changed" = yes ]; then
	printf 'Restarting %s (stored data is migrated automatically if needed)\n' "$SERVICE"
	systemctl restart "$SERVICE"
else
	systemctl start "$SERVICE"
fi

# Wait for the platform to say it is ready. It answers /healthz at once,
# with "starting" (503) while it migrates the data file or loads, and "ok"
# once it serves: "active" from systemd only says the process runs.
printf 'Waiting up to %s s for %s to be ready' "$wait_max" "$health_url"
state=''
i=0
while :; do
	if ! systemctl is-active --quiet "$SERVICE"; then
		state=down
		break
	fi
	restarts=$(systemctl show -p NRestarts --value "$SERVICE" 2>/dev/null) || restarts=''
	if [ -n "$restarts_before" ] && [ -n "$restarts" ] && [ "$restarts" != "$restarts_before" ]; then
		state=down # it failed, and systemd started it again
		break
	fi
	answer=$(health) || answer=''
	case $answer in
	ok*)
		state=ready
		break
		;;
	starting*) state=starting ;;
	'') ;;
	*) state="answers: $answer" ;;
	esac
	[ "$i" -lt "$wait_max" ] || break
	sleep 1
	i=$((i + 1))
	printf '.'
done
printf '\n'

case $state in
down)
	printf '\nThe service did not stay up. See why with:\n  journalctl -u %s -n 50 --no-pager\n' "$SERVICE" >&2
	exit 1
	;;
ready)
	printf '\nAnju is running and ready at %s://%s:%s (service %s, user %s, data in %s).\n' \
		"$scheme" "$host" "$port" "$SERVICE" "$SVC_USER" "$DATA_DIR"
	case $answer in
	*rebuilding*) printf 'The search index is being rebuilt in the background: searches show "rebuilding" until it is done.\n' ;;
	esac
	;;
starting)
	printf '\nAnju is still starting after %s s (migrating the data file, or building the search index).\n' "$wait_max"
	printf 'On a large data file this can take minutes; meanwhile every page says 平台正在启动，请稍候…\n'
	printf 'Follow it with:  journalctl -u %s -f     (ready when it logs "anju serving")\n' "$SERVICE"
	printf 'or:              curl -fsS %s    (says ok when ready)\n' "$health_url"
	;;
*)
	if [ -z "$(command -v curl)$(command -v wget)" ]; then
		printf '\nThe service runs, but this script cannot ask %s whether it is ready (neither curl nor wget is installed).\n' "$health_url"
		printf 'Follow it with:  journalctl -u %s -f     (ready when it logs "anju serving")\n' "$SERVICE"
	else
		if [ -n "$state" ]; then
			printf '\nThe service runs, but %s %s, not ok.\n' "$health_url" "$state" >&2
		else
			printf '\nThe service runs, but nothing answered at %s within %s s.\n' "$health_url" "$wait_max" >&2
		fi
		printf 'See why with:\n  journalctl -u %s -n 50 --no-pager\n' "$SERVICE" >&2
		exit 1
	fi
	;;
esac
if [ "$state" = ready ]; then
	printf 'Logs:    journalctl -u %s -f\n' "$SERVICE"
fi
printf 'Status:  systemctl status %s\n' "$SERVICE"

if [ "$fresh" = yes ]; then
	# The first start prints the first administrator's one-time password
	# (初始管理员一次性密码) to the journal.
	found=$(journalctl -u "$SERVICE" --no-pager -o cat 2>/dev/null |
		grep -A2 "first system administrator" | tail -n 3) || found=''
	printf '\nFirst sign-in: %s://<this server>:%s/gov/login as user admin.\n' "$scheme" "$port"
	if [ -n "$found" ]; then
		printf '%s\n' "$found"
		printf 'See it again with:\n'
	else
		printf 'The one-time password is written to the journal once the platform has opened its data file; see it with:\n'
	fi
	printf '  sudo journalctl -u %s | grep -A2 "first system administrator"\n' "$SERVICE"
	printf 'or make a new one (works while the service runs):\n  sudo %s reset-password --data %s admin\n' "$BIN_DEST" "$DATA_DIR"
fi
