#!/usr/bin/env bash
# install-deps.sh installs what Ember's tests drive besides Go: the real
# Redis (the reference for differential tests), redis-cli and
# redis-benchmark (end-to-end tests), and Debian's Flask and redis-py for the
# Flask demo. On a machine that has them all it does nothing, quickly.
# With --plot it also installs gnuplot (Debian's gnuplot-nox), which
# scripts/plotbench draws the benchmark plots with; `make test` asks for it
# because a test draws plots from checked-in results.
#
#   scripts/install-deps.sh [--plot]
#
# It runs apt-get (as root, or through sudo when that is there). It keeps
# the redis-server package from starting its own service, so nothing holds
# port 6379 behind the tests' back.
set -euo pipefail

packages=(redis-server redis-tools python3-flask python3-redis python3-flask-limiter)
plot=0
case "${1:-}" in
	"") ;;
	--plot) plot=1; packages+=(gnuplot-nox) ;;
	*) echo "usage: install-deps.sh [--plot]" >&2; exit 2 ;;
esac

missing() {
	command -v redis-server >/dev/null 2>&1 || return 0
	command -v redis-cli >/dev/null 2>&1 || return 0
	command -v redis-benchmark >/dev/null 2>&1 || return 0
	# Debian's python3, not whatever python3 is first on PATH.
	/usr/bin/python3 -c 'import flask, redis, flask_limiter' >/dev/null 2>&1 || return 0
	if [ "$plot" = 1 ]; then
		command -v gnuplot >/dev/null 2>&1 || return 0
	fi
	return 1
}

if ! missing; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "install-deps: need root (or sudo) to install: ${packages[*]}" >&2
		exit 1
	fi
fi

# A policy-rc.d that answers 101 tells invoke-rc.d not to start services
# from maintainer scripts. Put one in place for this install unless the
# machine already has one, and take ours away afterwards.
policy=/usr/sbin/policy-rc.d
ours=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
	ours=1
fi
cleanup() {
	if [ "$ours" = 1 ]; then
		$sudo rm -f "$policy"
	fi
}
trap cleanup EXIT

echo "install-deps: installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

# Where a service manager started redis-server anyway, stop it: the tests
# start their own servers, and `make run` wants 6379.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
	$sudo systemctl stop redis-server || true
	$sudo systemctl disable redis-server >/dev/null 2>&1 || true
elif [ -x /etc/init.d/redis-server ] && /etc/init.d/redis-server status >/dev/null 2>&1; then
	$sudo /etc/init.d/redis-server stop >/dev/null 2>&1 || true
fi

if missing; then
	echo "install-deps: still missing something after install" >&2
	exit 1
fi
