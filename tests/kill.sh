#!/usr/bin/env bash
# SIGKILL at any moment: kill wirefold at random points of a run that writes
# bundles and checkpoints all along, and check after each kill that every
# bundle and the state on disk are whole — the previous version or the new
# one — with nothing half-written under a bundle's name; then feed again from
# where the saved state ends and check that the result is what one
# uninterrupted run gives.
# usage: kill.sh WIREFOLD FIXTURES TESTS_DIR      (prints TAP)
#   WF_KILL_RUNS=N  how many kills (default 30; 15 when a run takes over 3 s,
#                   as under the sanitizers, to keep the suite short)
set -uo pipefail
wf=$1
fx=$2
here=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

. "$here/checks.sh"

# many days, a short lateness: days are written all through the run
"$here/feedgen.py" 21 4000 24 --bad >"$tmp/feed"
opts=(--lateness 1h --threads 2)
"$wf" -q -o "$tmp/one" "${opts[@]}" <"$tmp/feed" 2>/dev/null
day_articles "$tmp/one" >"$tmp/one.days"
# how long a run with checkpoints takes: the kills fall within it
start=$(date +%s%N)
"$wf" -q -o "$tmp/timed" --state "$tmp/timed.st" --checkpoint-every 150 "${opts[@]}" \
	<"$tmp/feed" 2>/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(ls "$tmp/one" | wc -l)" -gt 20 ] && diff -r "$tmp/one" "$tmp/timed" >/dev/null &&
	ok "one run writes $(ls "$tmp/one" | wc -l) bundles, the same with checkpoints ($ms ms)" ||
	not_ok "one run writes its bundles, the same with checkpoints"

runs=${WF_KILL_RUNS:-$([ $ms -gt 3000 ] && echo 15 || echo 30)}

# every file on disk is whole; prints what is not
check_disk() {
	local out=$1 st=$2
	whole_bundles "$out"
	ls "$st" | grep -v '^wirefold\.state$\|^lock$\|^\..*\.tmp-[0-9]*$' | sed 's/^/unexpected in the state dir: /'
	if [ -e "$st/wirefold.state" ] && ! "$wf" state "$st" >/dev/null 2>&1; then
		echo "the state does not verify: $("$wf" state "$st" 2>&1)"
	fi
}

RANDOM=6 # the same kill points on every run of the test
bad_disk=0 bad_resume=0 todo_resume=0 stale=0 killed=0 early=0
for i in $(seq 1 "$runs"); do
	d=$tmp/k$i
	mkdir -p "$d"
	# a point somewhere in the run
	delay=$((RANDOM % (ms + 1)))
	"$wf" -q -o "$d/out" --state "$d/st" --checkpoint-every 150 "${opts[@]}" \
		<"$tmp/feed" >/dev/null 2>"$d/err" &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -KILL $pid 2>/dev/null && killed=$((killed + 1)) || early=$((early + 1))
	wait $pid 2>/dev/null
	problems=$(check_disk "$d/out" "$d/st")
	if [ -n "$problems" ]; then
		bad_disk=$((bad_disk + 1))
		not_ok "kill $i after $delay ms: every file on disk is whole" "$problems"
		continue
	fi
	# temporary files left by the kill are dot-files; count them
	stale=$((stale + $(ls -a "$d/out" "$d/st" | grep -c '\.tmp-')))
	# feed again from where the saved state ends
	bytes=0
	[ -e "$d/st/wirefold.state" ] && bytes=$("$wf" state "$d/st" | sed -n 's/^bytes: //p')
	tail -c +$((bytes + 1)) "$tmp/feed" |
		"$wf" -o "$d/out" --state "$d/st" "${opts[@]}" >/dev/null 2>"$d/err2"
	rc=$?
	left=$(ls -a "$d/out" "$d/st" | grep -c '\.tmp-')
	if [ $rc -ne 0 ] || [ "$left" -ne 0 ]; then
		bad_resume=$((bad_resume + 1))
		not_ok "kill $i after $delay ms: the next run exits 0 and removes the stale files" \
			"exit $rc, $left left" "$(tail -n 3 "$d/err2")"
		continue
	fi
	if ! cmp -s "$tmp/one.days" <(day_articles "$d/out"); then
		bad_resume=$((bad_resume + 1))
		not_ok "kill $i after $delay ms (state at byte $bytes): fed again from the state, every day holds what one run gives" \
			"$(diff "$tmp/one.days" <(day_articles "$d/out") | head -n 6)"
		continue
	fi
	if ! diff -r "$tmp/one" "$d/out" >/dev/null; then
		if [ -n "$(stage_todo "$d/err2")" ]; then
			todo_resume=$((todo_resume + 1))
		else
			bad_resume=$((bad_resume + 1))
			not_ok "kill $i after $delay ms: fed again from the state, bundles identical to one run's"
		fi
	fi
	rm -rf "$d"
done
[ $bad_disk -eq 0 ] && ok "$runs kills ($killed mid-run, $early after the end): every bundle and state file whole each time" ||
	not_ok "$runs kills: every bundle and state file whole each time" "$bad_disk runs left damage"
[ $bad_resume -eq 0 ] && ok "after each kill, fed again from the state: exit 0, $stale stale temporary files removed, every day as one run gives" ||
	not_ok "after each kill, fed again from the state: every day as one run gives" "$bad_resume runs differ"
what="after each kill, fed again from the state: bundles identical to one run's, byte for byte"
if [ $todo_resume -eq 0 ]; then
	ok "$what"
else
	todo "$what" "the cluster stage cannot save its state yet ($todo_resume of $runs differ)"
fi

tap_end
