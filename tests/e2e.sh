#!/usr/bin/env bash
# End-to-end tests of the wirefold program through stdin, stdout and files.
# usage: e2e.sh WIREFOLD FIXTURES      (prints TAP)
set -uo pipefail
wf=$1
fx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

check() { # check NAME COMMAND...: the command must succeed
	local name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

# every id of a feed, sorted; and every id found in a bundle directory
feed_ids() { jq -r '.id // .uri // empty' "$1" 2>/dev/null | sort; }
bundle_ids() {
	for f in "$1"/*.zst; do zstd -dc "$f" | tail -n +2; done |
		jq -r '.items[] | .id, (.duplicates[]?.id)' 2>/dev/null
	for f in "$1"/*.zst; do zstd -dc "$f" | tail -n +2; done |
		jq -r '(.duplicates // [])[] | .id'
}

# --- the sample feed -------------------------------------------------------
"$wf" -o "$tmp/b1" --emit assignments <"$fx/sample-feed.jsonl" >"$tmp/a1" 2>"$tmp/e1"
rc=$?
if [ $rc -eq 0 ]; then ok "sample feed: exit 0"; else not_ok "sample feed: exit 0" "exit $rc" "$(cat "$tmp/e1")"; fi

lines=$(wc -l <"$fx/sample-feed.jsonl")
got=$(wc -l <"$tmp/a1")
[ "$got" -eq "$lines" ] && ok "one assignment per input line" || not_ok "one assignment per input line" "$got vs $lines"

days=$(ls "$tmp/b1" | grep -c '\.stories\.jsonl\.zst$')
[ "$days" -eq 3 ] && ok "one bundle per day" || not_ok "one bundle per day" "$(ls "$tmp/b1")"

check "bundles pass zstd -t" zstd -qt "$tmp"/b1/*.zst
check "bundles are JSON lines" bash -c "for f in $tmp/b1/*.zst; do zstd -dc \$f | jq -e . >/dev/null || exit 1; done"
check "bundle header names the format and day" bash -c \
	"zstd -dc $tmp/b1/2026-11-21.stories.jsonl.zst | head -n 1 | jq -e '.format == \"wirefold.stories\" and .day == \"2026-11-21\" and .tz == \"UTC\"'"

if diff <(feed_ids "$fx/sample-feed.jsonl") <(bundle_ids "$tmp/b1" | sort) >"$tmp/d" 2>&1; then
	ok "every input article is in a bundle exactly once"
else
	not_ok "every input article is in a bundle exactly once" "$(cat "$tmp/d")"
fi

jq -s -e 'map(select(.id == "rtr-1002"))[0] | .kind == "dup" and .canonical == "rtr-1001"' "$tmp/a1" >/dev/null &&
	ok "an exact re-send is a duplicate of the first" || not_ok "an exact re-send is a duplicate of the first" "$(grep rtr-1002 "$tmp/a1")"

grep -q 'lines read: 17 accepted' "$tmp/e1" 2>/dev/null || grep -q '17 lines read: 17 accepted, 0 rejected' "$tmp/e1" &&
	ok "summary counts lines" || not_ok "summary counts lines" "$(cat "$tmp/e1")"

# --- a second run into the same directory ----------------------------------------
"$wf" -q -o "$tmp/b1" <"$fx/sample-feed.jsonl"
if diff <(feed_ids "$fx/sample-feed.jsonl") <(bundle_ids "$tmp/b1" | sort) >"$tmp/d" 2>&1; then
	ok "the same feed run again into the same directory changes nothing"
else
	not_ok "the same feed run again into the same directory changes nothing" "$(cat "$tmp/d")"
fi
head -n 6 "$fx/sample-feed.jsonl" | "$wf" -q -o "$tmp/split"
tail -n +7 "$fx/sample-feed.jsonl" | "$wf" -q -o "$tmp/split"
if diff <(feed_ids "$fx/sample-feed.jsonl") <(bundle_ids "$tmp/split" | sort) >"$tmp/d" 2>&1; then
	ok "a feed split over two runs into one directory keeps every article"
else
	not_ok "a feed split over two runs into one directory keeps every article" "$(cat "$tmp/d")"
fi

# --- a live feed that trickles is not held back for a full batch -------------------
got=$({ head -n 1 "$fx/sample-feed.jsonl"; sleep 3; tail -n 1 "$fx/sample-feed.jsonl"; } |
	"$wf" -q -o "$tmp/live" --emit assignments | { IFS= read -r -t 2 first && echo "$first"; cat >/dev/null; })
case "$got" in
*'"rtr-1001"'*) ok "a trickling feed's first article is emitted before the next arrives" ;;
*) not_ok "a trickling feed's first article is emitted before the next arrives" "got: $got" ;;
esac

# --- determinism -------------------------------------------------------------
"$wf" -q -o "$tmp/t1" --threads 1 --emit assignments <"$fx/sample-feed.jsonl" >"$tmp/at1"
"$wf" -q -o "$tmp/t2" --threads 2 --emit assignments <"$fx/sample-feed.jsonl" >"$tmp/at2"
cat "$fx/sample-feed.jsonl" | "$wf" -q -o "$tmp/t3" --threads 2 --emit assignments >"$tmp/at3"
if diff -r "$tmp/t1" "$tmp/t2" >/dev/null && diff -r "$tmp/t1" "$tmp/t3" >/dev/null &&
	cmp -s "$tmp/at1" "$tmp/at2" && cmp -s "$tmp/at1" "$tmp/at3"; then
	ok "same bytes for --threads 1, --threads 2, file and pipe"
else
	not_ok "same bytes for --threads 1, --threads 2, file and pipe"
fi

# a bigger feed made of many copies with fresh ids crosses batch boundaries
for i in $(seq 1 60); do jq -c --arg i "$i" '.id = .id + "-" + $i' "$fx/sample-feed.jsonl"; done >"$tmp/big.jsonl"
"$wf" -q -o "$tmp/g1" --threads 1 --emit assignments <"$tmp/big.jsonl" >"$tmp/ag1"
"$wf" -q -o "$tmp/g2" --threads 2 --emit assignments <"$tmp/big.jsonl" >"$tmp/ag2"
if diff -r "$tmp/g1" "$tmp/g2" >/dev/null && cmp -s "$tmp/ag1" "$tmp/ag2"; then
	ok "many batches: same bytes for 1 and 2 threads"
else
	not_ok "many batches: same bytes for 1 and 2 threads"
fi

# --- bad lines among good ones ------------------------------------------------
"$wf" -o "$tmp/m" --emit assignments --rejects "$tmp/rej" <"$fx/mixed-bad.jsonl" >"$tmp/am" 2>"$tmp/em"
rc=$?
[ $rc -eq 0 ] && ok "malformed lines: exit 0" || not_ok "malformed lines: exit 0" "exit $rc"
total=$(($(wc -l <"$fx/mixed-bad.jsonl") + 1)) # the last line has no newline
[ "$(wc -l <"$tmp/am")" -eq "$total" ] && ok "malformed lines: one assignment per line" ||
	not_ok "malformed lines: one assignment per line" "$(wc -l <"$tmp/am") vs $total"
good=$(jq -r 'select(.kind) | .id' "$tmp/am" | sort | tr '\n' ' ')
[ "$good" = "ok-1 ok-2 ok-3 ok-4 ok-5 " ] && ok "malformed lines: every good line is processed" ||
	not_ok "malformed lines: every good line is processed" "$good"
if grep -q "^wirefold: $total lines read: 5 accepted, $((total - 5)) rejected" "$tmp/em"; then
	ok "malformed lines: accepted + rejected = lines read"
else
	not_ok "malformed lines: accepted + rejected = lines read" "$(tail -n 2 "$tmp/em")"
fi
bad_msgs=$(grep -c '^wirefold: line [0-9]*: ' "$tmp/em")
[ "$bad_msgs" -eq $((total - 5)) ] && ok "malformed lines: one stderr line per reject" ||
	not_ok "malformed lines: one stderr line per reject" "$(cat "$tmp/em")"
rej_lines=$(wc -l <"$tmp/rej")
[ "$rej_lines" -eq $((total - 5)) ] && ok "--rejects gets every rejected line" ||
	not_ok "--rejects gets every rejected line" "$rej_lines"

# --- --emit unique ------------------------------------------------------------
"$wf" -q -o "$tmp/u" --emit unique <"$fx/sample-feed.jsonl" >"$tmp/uniq"
if ! grep -q '"rtr-1002"' "$tmp/uniq" && grep -q '"rtr-1001"' "$tmp/uniq" &&
	[ "$(wc -l <"$tmp/uniq")" -eq "$(jq -r 'select(.kind != "dup") | .id' "$tmp/a1" | wc -l)" ]; then
	ok "--emit unique passes the input lines of non-duplicates"
else
	not_ok "--emit unique passes the input lines of non-duplicates"
fi

# --- long lines, empty input, time zones ---------------------------------------
{ head -n 2 "$fx/sample-feed.jsonl"; printf '{"id":"huge","body":"%s"}\n' "$(head -c 5000 /dev/zero | tr '\0' x)"; tail -n 1 "$fx/sample-feed.jsonl"; } >"$tmp/long.jsonl"
"$wf" -o "$tmp/l" --line-max 4k --emit assignments <"$tmp/long.jsonl" >"$tmp/al" 2>"$tmp/el"
if [ $? -eq 0 ] && grep -q 'line 3: line too long (50[0-9][0-9] bytes' "$tmp/el" && [ "$(jq -r 'select(.kind) | .id' "$tmp/al" | wc -l)" -eq 3 ]; then
	ok "an over-long line is rejected and the stream goes on"
else
	not_ok "an over-long line is rejected and the stream goes on" "$(cat "$tmp/el")"
fi

"$wf" -o "$tmp/empty" </dev/null 2>"$tmp/ee"
[ $? -eq 0 ] && grep -q '0 lines read' "$tmp/ee" && ok "empty input: exit 0, nothing written" ||
	not_ok "empty input: exit 0, nothing written" "$(cat "$tmp/ee")"

"$wf" -q -o "$tmp/tz" --tz Asia/Tokyo <"$fx/sample-feed.jsonl"
[ -e "$tmp/tz/2026-11-23.stories.jsonl.zst" ] && ok "--tz moves articles to the editors' local day" ||
	not_ok "--tz moves articles to the editors' local day" "$(ls "$tmp/tz")"

# --- ninjs ----------------------------------------------------------------------
for v in 1 2 3; do
	f="$fx/ninjs-$v.jsonl"
	[ -e "$f" ] || continue
	"$wf" -o "$tmp/n$v" --emit assignments <"$f" >"$tmp/an$v" 2>"$tmp/en$v"
	if [ $? -eq 0 ] && ! grep -q 'line [0-9]*:' "$tmp/en$v" && [ "$(wc -l <"$tmp/an$v")" -eq "$(wc -l <"$f")" ]; then
		ok "ninjs $v feed is accepted"
	else
		not_ok "ninjs $v feed is accepted" "$(cat "$tmp/en$v")"
	fi
done

# --- the command line -------------------------------------------------------------
"$wf" --help | grep -q 'exit status' && ok "--help documents exit codes" || not_ok "--help documents exit codes"
"$wf" --version | grep -q '^wirefold [0-9]' && ok "--version" || not_ok "--version"
"$wf" --emit bogus </dev/null 2>/dev/null
[ $? -eq 2 ] && ok "a bad option exits 2" || not_ok "a bad option exits 2"
"$wf" -o /proc/nope </dev/null 2>"$tmp/eo"
[ $? -eq 1 ] && grep -q 'cannot' "$tmp/eo" && ok "an unusable out dir exits 1 with a message" ||
	not_ok "an unusable out dir exits 1 with a message" "$(cat "$tmp/eo")"

first=$(ls "$tmp"/b1/*.zst | head -n 1)
"$wf" cat --json "$first" | cmp -s - <(zstd -dc "$first") && ok "cat --json prints the stored lines" ||
	not_ok "cat --json prints the stored lines"
"$wf" cat --text "$first" | grep -q 'Rotterdam dock workers strike' && ok "cat --text shows headlines" ||
	not_ok "cat --text shows headlines"
"$wf" cat "$fx/sample-feed.jsonl" >/dev/null 2>&1
[ $? -eq 1 ] && ok "cat refuses a file that is not a bundle" || not_ok "cat refuses a file that is not a bundle"

# a reader that closes the pipe early: a clear message, exit 1, bundles still complete
"$wf" -o "$tmp/p" --emit assignments <"$tmp/big.jsonl" 2>"$tmp/ep" | head -n 1 >/dev/null
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 1 ] && grep -q 'stdout closed' "$tmp/ep" && ! ls -a "$tmp/p" | grep -q '\.tmp'; then
	ok "stdout closed by its reader: exit 1 with a message, no partial file"
else
	not_ok "stdout closed by its reader: exit 1 with a message, no partial file" "rc=$rc" "$(cat "$tmp/ep")"
fi

tap_end
