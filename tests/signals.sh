#!/usr/bin/env bash
# Signals: the first SIGINT or SIGTERM stops reading, finishes the articles
# read so far, writes bundles and state, and exits 0; a line cut short is not
# read, and the next run continues the feed exactly there.  A second signal
# ends wirefold at once (status 128 + signal), leaving only whole files.
# usage: signals.sh WIREFOLD FIXTURES TESTS_DIR      (prints TAP)
set -uo pipefail
wf=$1
fx=$2
here=$3
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

"$here/feedgen.py" 5 1500 8 >"$tmp/feed"
total=$(wc -l <"$tmp/feed")
lateness=2h
"$wf" -q -o "$tmp/one" --lateness $lateness --emit assignments <"$tmp/feed" >"$tmp/a.one"

. "$here/checks.sh"

# --- a first signal: finish and exit 0 ---------------------------------------------
for sig in INT TERM; do
	k=600
	d=$tmp/$sig
	mkdir -p "$d"
	# the first k lines and half of the next, through a pipe kept open
	mkfifo "$d/pipe"
	"$wf" -o "$d/out" --state "$d/st" --lateness $lateness --emit assignments \
		<"$d/pipe" >"$d/a" 2>"$d/err" &
	pid=$!
	pids+=("$pid")
	exec 3>"$d/pipe"
	{ head -n $k "$tmp/feed"; sed -n "$((k + 1))p" "$tmp/feed" | head -c 40; } >&3
	# wait until the first batch is through (bundles appear), then signal
	for _ in $(seq 1 200); do
		ls "$d/out" 2>/dev/null | grep -q '\.zst$' && break
		sleep 0.1
	done
	sleep 0.5
	kill -s "$sig" "$pid"
	wait "$pid"
	rc=$?
	exec 3>&-
	if [ $rc -eq 0 ] && grep -q 'wirefold: interrupted' "$d/err"; then
		ok "SIG$sig: exit 0, says it was interrupted"
	else
		not_ok "SIG$sig: exit 0, says it was interrupted" "exit $rc" "$(cat "$d/err")"
	fi
	out=$(whole_bundles "$d/out")
	[ -z "$out" ] && ok "SIG$sig: the bundles are whole" || not_ok "SIG$sig: the bundles are whole" "$out"
	lines=$("$wf" state "$d/st" | sed -n 's/^lines: //p')
	bytes=$("$wf" state "$d/st" | sed -n 's/^bytes: //p')
	if [ "$lines" = "$k" ] && [ "$bytes" = "$(head -n $k "$tmp/feed" | wc -c)" ] &&
		[ "$(wc -l <"$d/a")" -eq "$k" ]; then
		ok "SIG$sig: the state covers the $k whole lines read, not the line cut short"
	else
		not_ok "SIG$sig: the state covers the $k whole lines read, not the line cut short" \
			"lines $lines bytes $bytes assignments $(wc -l <"$d/a")"
	fi
	# the next run continues from the state's byte offset
	tail -c +$((bytes + 1)) "$tmp/feed" |
		"$wf" -o "$d/out" --state "$d/st" --lateness $lateness --emit assignments \
			>>"$d/a" 2>>"$d/err"
	rc=$?
	if [ $rc -eq 0 ] && cmp -s <(decisions "$tmp/a.one") <(decisions "$d/a") &&
		cmp -s <(day_articles "$tmp/one") <(day_articles "$d/out"); then
		ok "SIG$sig: continued from the state, the same articles, duplicates and days as one run"
	else
		not_ok "SIG$sig: continued from the state, the same articles, duplicates and days as one run" \
			"exit $rc" "$(diff <(decisions "$tmp/a.one") <(decisions "$d/a") | head -n 4)"
	fi
	what="SIG$sig: continued from the state, bundles identical to one run's"
	if diff -r "$tmp/one" "$d/out" >/dev/null && cmp -s "$tmp/a.one" "$d/a"; then
		ok "$what"
	elif stage=$(stage_todo "$d/err") && [ -n "$stage" ]; then
		todo "$what" "$stage"
	else
		not_ok "$what"
	fi
done

# --- a second signal: out at once, only whole files -----------------------------------
# one big open day makes the last write slow enough to interrupt
"$here/feedgen.py" 9 6000 1 >"$tmp/bigday"
got=
for attempt in 1 2 3 4 5; do
	d=$tmp/twice$attempt
	mkdir -p "$d"
	# stdin stays open (a FIFO held by this shell), so wirefold is still
	# running, whatever its speed, when the first signal comes; the second
	# comes while it writes the big day
	mkfifo "$d/pipe"
	"$wf" -q -o "$d/out" --state "$d/st" --lateness 30d --threads 2 <"$d/pipe" 2>"$d/err" &
	pid=$!
	pids+=("$pid")
	exec 4>"$d/pipe"
	cat "$tmp/bigday" >&4
	sleep 0.3
	kill -INT $pid
	sleep "0.0$attempt"
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	exec 4>&-
	if [ $rc -eq 130 ]; then
		got=$d
		break
	fi
done
if [ -n "$got" ]; then
	ok "a second SIGINT ends wirefold at once, with status 130"
	out=$(whole_bundles "$got/out" | grep -v '^not a bundle, yet visible: \..*\.tmp-[0-9]*$')
	if [ -z "$out" ]; then
		ok "after the second signal, every bundle is whole"
	else
		not_ok "after the second signal, every bundle is whole" "$out"
	fi
	if [ ! -e "$got/st/wirefold.state" ] || "$wf" state "$got/st" >/dev/null 2>"$tmp/e.st"; then
		ok "after the second signal, the state is the old one or the new one, whole"
	else
		not_ok "after the second signal, the state is the old one or the new one, whole" "$(cat "$tmp/e.st")"
	fi
	# a temporary file it was writing is removed by the next run
	"$wf" -q -o "$got/out" --state "$got/st" --lateness 30d </dev/null 2>"$got/err2"
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$(ls -A "$got/out" "$got/st" | grep '\.tmp-')" ]; then
		ok "the next run starts, and removes the temporary files left behind"
	else
		not_ok "the next run starts, and removes the temporary files left behind" "exit $rc" \
			"$(ls -a "$got/out" "$got/st")" "$(cat "$got/err2")"
	fi
else
	not_ok "a second SIGINT ends wirefold at once, with status 130" "last exit $rc" "$(cat "$d/err")"
fi

tap_end
