#!/usr/bin/env bash
# Restart equivalence: `cat a b | wirefold` and
# `cat a | wirefold --state S; cat b | wirefold --state S` give the same
# bundles and the same --emit assignments, byte for byte; and a state that
# cannot be used is refused with a message, never used in part.
# usage: restart.sh WIREFOLD FIXTURES TESTS_DIR      (prints TAP)
#
# While a stage cannot save its state (wirefold says so on stderr), the
# byte-for-byte checks of what that stage decides are TAP TODO items when
# they fail: expected failures that turn into real checks, with no change
# here, once the stage saves its state.  The checks that do not depend on it
# (duplicates, canonical items, which article lands on which day) are real
# checks now.
set -uo pipefail
wf=$1
fx=$2
here=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

lateness=2h
"$here/feedgen.py" 11 2400 12 --bad >"$tmp/feed"
total=$(wc -l <"$tmp/feed")

"$wf" -q -o "$tmp/one" --lateness $lateness --emit assignments <"$tmp/feed" >"$tmp/a.one" 2>"$tmp/e.one"
[ $? -eq 0 ] && ok "one run over the whole feed" || not_ok "one run over the whole feed" "$(cat "$tmp/e.one")"

# what does not depend on story clustering: the dedup decisions, and each
# day's articles with their kind and canonical item (checks.sh)
. "$here/checks.sh"

# run the feed in pieces through one state directory: split P1 P2 ... [-- OPTIONS]
split_run() {
	local name=$1 dir=$tmp/$1
	shift
	local cuts=() opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do cuts+=("$1"); shift; done
	[ $# -gt 0 ] && shift && opts=("$@")
	mkdir -p "$dir"
	: >"$dir/a"
	: >"$dir/err"
	local from=1 rc=0
	for to in "${cuts[@]}" "$total"; do
		sed -n "${from},${to}p" "$tmp/feed" |
			"$wf" -o "$dir/out" --state "$dir/st" --lateness $lateness --emit assignments \
				"${opts[@]}" >>"$dir/a" 2>>"$dir/err" || rc=1
		from=$((to + 1))
	done
	return $rc
}

check_split() { # check_split NAME CUTS... [-- OPTIONS]
	local name=$1 dir=$tmp/$1
	if ! split_run "$@"; then
		not_ok "$name: every run exits 0" "$(tail -n 5 "$dir/err")"
		return
	fi
	if cmp -s <(decisions "$tmp/a.one") <(decisions "$dir/a"); then
		ok "$name: same duplicates and canonical items as one run"
	else
		not_ok "$name: same duplicates and canonical items as one run" \
			"$(diff <(decisions "$tmp/a.one") <(decisions "$dir/a") | head -n 6)"
	fi
	if cmp -s <(day_articles "$tmp/one") <(day_articles "$dir/out"); then
		ok "$name: every day holds the same articles, items and duplicates"
	else
		not_ok "$name: every day holds the same articles, items and duplicates" \
			"$(diff <(day_articles "$tmp/one") <(day_articles "$dir/out") | head -n 6)"
	fi
	local what="$name: bundles and assignments identical to one run, byte for byte"
	if diff -r "$tmp/one" "$dir/out" >/dev/null && cmp -s "$tmp/a.one" "$dir/a"; then
		ok "$what"
	elif stage=$(stage_todo "$dir/err") && [ -n "$stage" ]; then
		todo "$what" "$stage"
	else
		not_ok "$what" "$(diff -r "$tmp/one" "$dir/out" | head -n 3)" \
			"$(diff "$tmp/a.one" "$dir/a" | head -n 4)"
	fi
}

check_split "split after line 1" 1
check_split "split after line 7" 7
check_split "split mid-feed" 1200
check_split "split a line later" 1201
check_split "split before the last line" $((total - 1))
check_split "five runs, checkpoints, one thread" 300 900 1500 2100 -- --checkpoint-every 100 --threads 1

# the state says where the feed stands
lines=$("$wf" state "$tmp/split after line 7/st" | sed -n 's/^lines: //p')
bytes=$("$wf" state "$tmp/split after line 7/st" | sed -n 's/^bytes: //p')
[ "$lines" = "$total" ] && [ "$bytes" = "$(wc -c <"$tmp/feed")" ] &&
	ok "wirefold state: the feed position after the last run" ||
	not_ok "wirefold state: the feed position after the last run" "lines $lines bytes $bytes"

# lines are numbered over the whole feed: a reject in the second run says so
rej=$(grep -n '"bad-' "$tmp/feed" | tail -n 1 | cut -d: -f1)
if grep -q "^wirefold: line $rej: " "$tmp/split mid-feed/err"; then
	ok "with --state, reject messages number lines over the whole feed"
else
	not_ok "with --state, reject messages number lines over the whole feed" "line $rej"
fi

# --- states that must be refused ------------------------------------------------
st=$tmp/refuse
head -n 500 "$tmp/feed" | "$wf" -q -o "$st/out" --state "$st/st" --lateness $lateness 2>/dev/null
cp -r "$st" "$st.orig"
sed -n '501,550p' "$tmp/feed" >"$tmp/more"

refused() { # refused NAME PATTERN WIREFOLD-ARGS...: exit 1, the message, nothing changed
	local name=$1 pat=$2
	shift 2
	"$wf" -q -o "$st/out" --state "$st/st" "$@" <"$tmp/more" >/dev/null 2>"$tmp/err.refuse"
	local rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$pat" "$tmp/err.refuse" && diff -r "$st/out" "$st.orig/out" >/dev/null; then
		ok "$name"
	else
		not_ok "$name" "exit $rc" "$(cat "$tmp/err.refuse")"
	fi
}

refused "other parameters: refused, naming the parameter" \
	"was saved with dedup.window_ms=259200000, and this run has dedup.window_ms=172800000" \
	--lateness $lateness --window 48h
refused "another time zone: refused" "was saved with tz=UTC" --lateness $lateness --tz Asia/Tokyo

size=$(stat -c %s "$st/st/wirefold.state")
printf '\x5a' | dd of="$st/st/wirefold.state" bs=1 seek=$((size / 2)) conv=notrunc status=none
refused "a damaged state (one byte changed): refused" "is damaged (its checksum does not match)" \
	--lateness $lateness
cp "$st.orig/st/wirefold.state" "$st/st/wirefold.state"
head -c $((size - 100)) "$st.orig/st/wirefold.state" >"$st/st/wirefold.state"
refused "a truncated state: refused" "is damaged" --lateness $lateness
printf 'not a state\n' >"$st/st/wirefold.state"
refused "a file that is not a state: refused" "is not a wirefold state file" --lateness $lateness
cp "$st.orig/st/wirefold.state" "$st/st/wirefold.state"
printf '\x7f' | dd of="$st/st/wirefold.state" bs=1 seek=8 conv=notrunc status=none
refused "another state format: refused" "has state format 127" --lateness $lateness
cp "$st.orig/st/wirefold.state" "$st/st/wirefold.state"

flock "$st/st/lock" sleep 3 &
sleep 0.3
refused "a state directory in use by another wirefold: refused" "is in use by another wirefold" \
	--lateness $lateness
wait

# and after all that, the original state still continues the feed
"$wf" -q -o "$st/out" --state "$st/st" --lateness $lateness <"$tmp/more" 2>"$tmp/err.cont"
[ $? -eq 0 ] && ok "the untouched state still continues the feed" ||
	not_ok "the untouched state still continues the feed" "$(cat "$tmp/err.cont")"

"$wf" --checkpoint-every 10 </dev/null >/dev/null 2>&1
[ $? -eq 2 ] && ok "--checkpoint-every without --state is a usage error" ||
	not_ok "--checkpoint-every without --state is a usage error"
"$wf" state "$tmp/nonexistent" >/dev/null 2>&1
[ $? -eq 1 ] && ok "wirefold state of a directory without a state exits 1" ||
	not_ok "wirefold state of a directory without a state exits 1"

tap_end
