#!/usr/bin/env bash
# Resource faults: an out directory that is missing or cannot be written, a
# full disk, stdout closed by its reader, a memory limit.  Each gives a clear
# message and a non-zero exit, and leaves no partial file behind: every
# bundle on disk is whole and no temporary file stays.  After a full disk,
# feeding again from the saved state gives what one run gives.
# usage: faults.sh WIREFOLD FIXTURES TESTS_DIR      (prints TAP)
# The read-only and full file systems are tmpfs mounts, so those checks run
# as root (as in CI) and are skipped, with the reason, otherwise.
set -uo pipefail
wf=$1
fx=$2
here=$3
tmp=$(mktemp -d)
mounts=()
cleanup() {
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/tap.sh"
. "$here/checks.sh"

# expect NAME RC PATTERN DIR... : exit status RC, PATTERN on stderr ($tmp/err),
# and in each DIR only whole bundles and no temporary file
expect() {
	local name=$1 want=$2 pat=$3 rc=$4
	shift 4
	local bad=
	[ "$rc" -eq "$want" ] || bad="exit $rc, not $want"
	grep -q -- "$pat" "$tmp/err" || bad="$bad; no message '$pat'"
	local d
	for d in "$@"; do
		[ -d "$d" ] || continue
		local w
		w=$(whole_bundles "$d")
		[ -z "$w" ] || bad="$bad; $w"
		ls -a "$d" | grep -q '\.tmp-' && bad="$bad; a temporary file is left in $d"
	done
	if [ -z "$bad" ]; then ok "$name"; else not_ok "$name" "$bad" "$(cat "$tmp/err")"; fi
}

"$here/feedgen.py" 8 2000 10 >"$tmp/feed"
"$wf" -q -o "$tmp/one" --lateness 2h <"$tmp/feed"
day_articles "$tmp/one" >"$tmp/one.days"
root=0
[ "$(id -u)" -eq 0 ] && root=1

# --- out directory missing or not writable -------------------------------------------
"$wf" -o /proc/wirefold-nope <"$tmp/feed" 2>"$tmp/err"
expect "out dir that cannot be created: exit 1, says so" 1 "cannot create directory /proc/wirefold-nope" $?
"$wf" -o /dev/null <"$tmp/feed" 2>"$tmp/err"
expect "out dir that is a file: exit 1, says so" 1 "cannot use directory /dev/null" $?
"$wf" -o "$tmp/ok" --state /proc/wirefold-nope <"$tmp/feed" 2>"$tmp/err"
expect "state dir that cannot be created: exit 1, says so" 1 "cannot create directory /proc/wirefold-nope" $?

mount_tmpfs() { # mount_tmpfs DIR OPTIONS: a small tmpfs, or fail
	mkdir -p "$1" && mount -t tmpfs -o "$2" wirefold-test "$1" 2>/dev/null && mounts+=("$1")
}
if [ $root -eq 1 ] && mount_tmpfs "$tmp/ro" ro,size=1m; then
	"$wf" -o "$tmp/ro" <"$tmp/feed" 2>"$tmp/err"
	expect "read-only out dir: exit 1, says so, nothing written" 1 "cannot write to directory $tmp/ro: Read-only file system" $? "$tmp/ro"
	"$wf" -o "$tmp/ro/sub" <"$tmp/feed" 2>"$tmp/err"
	expect "out dir under a read-only file system: exit 1, says so" 1 "cannot create directory $tmp/ro/sub: Read-only file system" $?
	"$wf" -o "$tmp/ok2" --state "$tmp/ro" <"$tmp/feed" 2>"$tmp/err"
	expect "read-only state dir: exit 1, says so, nothing read" 1 "Read-only file system" $?
elif [ $root -eq 1 ]; then
	skip "read-only out dir" "cannot mount a tmpfs here"
else
	mkdir -p "$tmp/ro"
	chmod 555 "$tmp/ro"
	"$wf" -o "$tmp/ro" <"$tmp/feed" 2>"$tmp/err"
	expect "read-only out dir: exit 1, says so, nothing written" 1 "cannot write to directory $tmp/ro: Permission denied" $? "$tmp/ro"
	skip "out dir under a read-only file system" "needs root to mount a read-only tmpfs"
	skip "read-only state dir" "needs root to mount a read-only tmpfs"
fi

# --- disk full ---------------------------------------------------------------------
if [ $root -eq 1 ] && mount_tmpfs "$tmp/full" size=64k; then
	"$wf" -o "$tmp/full/out" --state "$tmp/full/st" --checkpoint-every 200 --lateness 2h \
		<"$tmp/feed" 2>"$tmp/err"
	rc=$?
	expect "disk full: exit 1, says 'No space left on device', no partial file" 1 "No space left on device" $rc "$tmp/full/out"
	if [ -e "$tmp/full/st/wirefold.state" ] && ! "$wf" state "$tmp/full/st" >/dev/null 2>&1; then
		not_ok "disk full: the state is the last whole one saved" "$("$wf" state "$tmp/full/st" 2>&1)"
	else
		ok "disk full: the state is the last whole one saved"
	fi
	grep -q "the state in $tmp/full/st is the last one saved: it covers the feed up to line\|no state was saved in $tmp/full/st: feed it all again" "$tmp/err" &&
		ok "disk full: says where the feed must continue" ||
		not_ok "disk full: says where the feed must continue" "$(cat "$tmp/err")"
	# make room, feed again from where the state ends: nothing is lost
	mount -o remount,size=64m "$tmp/full"
	bytes=0
	[ -e "$tmp/full/st/wirefold.state" ] && bytes=$("$wf" state "$tmp/full/st" | sed -n 's/^bytes: //p')
	tail -c +$((bytes + 1)) "$tmp/feed" |
		"$wf" -q -o "$tmp/full/out" --state "$tmp/full/st" --lateness 2h 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && cmp -s "$tmp/one.days" <(day_articles "$tmp/full/out") &&
		! ls -a "$tmp/full/out" "$tmp/full/st" | grep -q '\.tmp-'; then
		ok "disk full, then room again: fed from the state, every day holds what one run gives"
	else
		not_ok "disk full, then room again: fed from the state, every day holds what one run gives" \
			"exit $rc" "$(cat "$tmp/err")" "$(diff "$tmp/one.days" <(day_articles "$tmp/full/out") | head -n 5)"
	fi
else
	reason="needs root to mount a small tmpfs"
	[ $root -eq 1 ] && reason="cannot mount a tmpfs here"
	skip "disk full: exit 1, says 'No space left on device', no partial file" "$reason"
	skip "disk full: the state is the last whole one saved" "$reason"
	skip "disk full: says where the feed must continue" "$reason"
	skip "disk full, then room again: fed from the state, every day holds what one run gives" "$reason"
fi

# --- stdout closed by its reader ----------------------------------------------------------
"$wf" -o "$tmp/pipe" --emit assignments --lateness 2h <"$tmp/feed" 2>"$tmp/err" | head -n 1 >/dev/null
expect "stdout closed by its reader: exit 1, says so, no partial file" 1 "stdout closed by its reader" "${PIPESTATUS[0]}" "$tmp/pipe"

# --- a memory limit ------------------------------------------------------------------------
# At each limit wirefold either finishes or stops with a message: never a
# crash, never a partial file.  Small limits stop it before it reads (the
# worker threads cannot start), larger ones in the middle of the stream.
"$here/feedgen.py" 12 8000 1 >"$tmp/oneday"
if ! (ulimit -v 400000 && "$wf" --version) >/dev/null 2>&1; then
	skip "memory limit" "this build cannot start under ulimit -v (a sanitizer reserves more address space)"
else
	# the smallest limit at which the program loads at all (its libraries)
	base=20000
	until (ulimit -v $base && "$wf" --version) >/dev/null 2>&1; do base=$((base + 4000)); done
	mid=0 start=0 done=0 bad=
	for kb in $base $((base + 8000)) $((base + 24000)) $((base + 48000)) $((base + 64000)) \
		$((base + 96000)) $((base + 160000)); do
		rm -rf "$tmp/mem"
		(ulimit -v $kb && exec "$wf" -o "$tmp/mem" --lateness 30d --threads 2 <"$tmp/oneday") \
			>/dev/null 2>"$tmp/err"
		rc=$?
		read=$(sed -n 's/^wirefold: \([0-9]*\) lines read.*/\1/p' "$tmp/err")
		w=$([ -d "$tmp/mem" ] && whole_bundles "$tmp/mem")
		if [ $rc -eq 0 ]; then
			done=$((done + 1))
		elif [ $rc -ne 1 ] || ! grep -q 'out of memory\|Allocation error' "$tmp/err"; then
			bad="$bad; ulimit -v $kb: exit $rc: $(head -n 2 "$tmp/err" | tr '\n' ' ')"
		elif [ "${read:-0}" -gt 0 ]; then
			mid=$((mid + 1))
		else
			start=$((start + 1))
		fi
		[ -z "$w" ] || bad="$bad; ulimit -v $kb: $w"
		[ -d "$tmp/mem" ] && ls -a "$tmp/mem" | grep -q '\.tmp-' && bad="$bad; ulimit -v $kb: a temporary file is left"
	done
	if [ -z "$bad" ] && [ $mid -gt 0 ]; then
		ok "memory limit: exit 1 with 'out of memory', no partial file ($start limits stop it at the start, $mid mid-stream, $done are enough; from ulimit -v $base)"
	else
		not_ok "memory limit: exit 1 with 'out of memory', no partial file" "$bad" \
			"$start at the start, $mid mid-stream, $done enough"
	fi
fi

tap_end
