#!/bin/sh
# Guest side: nginx (reuseport, 4 workers) under http_churn load, through three events,
# K times each; prints one CSV line per event (the nginx table of tests/bench/csv.sh).
# Events: "reload" (nginx -s reload), "upgrade" (a second master on the same port, then
# kill -QUIT of the old one), "shrink" (reload to 2 workers, then back to 4: only the
# shrinking reload closes listeners).
# Usage: tests/bench/nginx.sh KERNEL MODE K   (MODE: base, knob0, knob1, bpf)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../../build/tests/bench
kernel=$1 mode=$2 k=$3
port=8080
d=/tmp/nginx-bench-$mode
rm -rf "$d"
mkdir -p "$d"
ulimit -n 65536

conf() { # NAME WORKERS: write $d/NAME.conf
	sed -e "s|@WORKERS@|$2|; s|@PIDFILE@|$d/$1.pid|; s|@DIR@|$d|g; s|@PORT@|$port|" \
		"$here/nginx.conf.in" >"$d/$1.conf"
}
listeners() { ss -Hltn "sport = :$port" | wc -l; }
wait_listeners() { # N: until N listeners (10 s at most)
	i=0
	while [ "$(listeners)" -ne "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(listeners)" -eq "$1" ] || { echo "nginx: $(listeners) listeners, expected $1" >&2; cat "$d/error.log" >&2; exit 1; }
}
start() { # NAME
	nginx -e "$d/error.log" -p "$d" -c "$d/$1.conf"
}
quit_master() { # NAME: graceful stop, wait until the master is gone
	pid=$(cat "$d/$1.pid")
	kill -QUIT "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
}
load_start() {
	"$bin/http_churn" -p $port -c 8 >"$d/churn.out" &
	churn=$!
	sleep 2
}
load_stop() { # EVENT
	sleep 2
	kill -TERM $churn
	wait $churn || true
	# shellcheck disable=SC2046
	"$here/csv.sh" row nginx kernel="$kernel" mode="$mode" event="$1" k="$k" $(cat "$d/churn.out")
}

case $mode in
base) ;;
knob0|bpf) echo 0 >/proc/sys/net/ipv4/tcp_migrate_req ;;
knob1) echo 1 >/proc/sys/net/ipv4/tcp_migrate_req ;;
*) echo "nginx: unknown mode $mode" >&2; exit 2 ;;
esac

conf a 4
conf b 4
start a
wait_listeners 4
ss -ltnp "sport = :$port" >"$d/ss.txt"
echo "nginx: $mode: one SO_REUSEPORT listener per worker:" >&2
cat "$d/ss.txt" >&2
[ "$mode" = bpf ] && "$bin/attach_policy" "$(cat "$d/a.pid")" $port >&2

# K x nginx -s reload
load_start
for i in $(seq "$k"); do
	nginx -e "$d/error.log" -p "$d" -c "$d/a.conf" -s reload
	sleep 2
done
load_stop reload

# K x binary-upgrade style: a second master joins, the old one quits
load_start
old=a new=b
for i in $(seq "$k"); do
	start $new
	wait_listeners 8
	sleep 0.5
	quit_master $old
	wait_listeners 4
	sleep 0.5
	t=$old old=$new new=$t
done
load_stop upgrade

# K x reload from 4 workers to 2 (and back to 4, which closes nothing)
load_start
for i in $(seq "$k"); do
	conf $old 2
	nginx -e "$d/error.log" -p "$d" -c "$d/$old.conf" -s reload
	sleep 2
	wait_listeners 2
	conf $old 4
	nginx -e "$d/error.log" -p "$d" -c "$d/$old.conf" -s reload
	sleep 2
	wait_listeners 4
done
load_stop shrink
quit_master $old
