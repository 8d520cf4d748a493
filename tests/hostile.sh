#!/usr/bin/env bash
# Hostile input: each bad line of fixtures/hostile.jsonl (made by
# scripts/make-hostile) is rejected with a clear message and counted, every
# good line around it is processed, and the exit status is 0; likewise for
# empty input and input with nothing good in it.
# usage: hostile.sh WIREFOLD FIXTURES      (prints TAP)
set -uo pipefail
wf=$1
fx=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

feed=$fx/hostile.jsonl
expect=$fx/hostile.expect
total=$(wc -l <"$expect")

"$wf" -o "$tmp/b" --line-max 64k --emit assignments --rejects "$tmp/rej" <"$feed" \
	>"$tmp/a" 2>"$tmp/e"
rc=$?
[ $rc -eq 0 ] && ok "hostile feed: exit 0" || not_ok "hostile feed: exit 0" "exit $rc" "$(tail -n 3 "$tmp/e")"

# one TAP line per input line: accepted as the right article, or rejected
# with the expected message (stderr) and a reject record (stdout)
python3 - "$expect" "$tmp/a" "$tmp/e" "$n" >"$tmp/tap" <<'EOF'
import json, sys
expect = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1], encoding="utf-8")]
assign = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
msgs = {}
for l in open(sys.argv[3], "rb").read().decode("utf-8", "replace").splitlines():
    if l.startswith("wirefold: line "):
        num, _, m = l[len("wirefold: line "):].partition(": ")
        msgs.setdefault(int(num), []).append(m)
n = int(sys.argv[4])
for (num, e), a in zip(expect, assign + [None] * len(expect)):
    num = int(num)
    n += 1
    if e.startswith("ok "):
        aid = e[3:]
        good = a is not None and a.get("id") == aid and a.get("kind") in ("new", "dup", "update")
        print("%s %d - line %d is accepted as %s" % ("ok" if good else "not ok", n, num, aid))
        if not good:
            print("# got %r; stderr: %r" % (a, msgs.get(num)))
    else:
        why = e[4:]
        m = msgs.get(num, [])
        good = (a is not None and a.get("line") == num and a.get("id") is None and a.get("rejected")
                and len(m) == 1 and why in m[0] and m[0] == a["rejected"])
        print("%s %d - line %d is rejected: %s" % ("ok" if good else "not ok", n, num, m[0] if m else why))
        if not good:
            print("# expected %r; stderr %r; assignment %r" % (why, m, a))
print("COUNT %d" % n)
EOF
n=$(sed -n 's/^COUNT //p' "$tmp/tap")
grep -v '^COUNT ' "$tmp/tap"
grep -q '^not ok' "$tmp/tap" && failed=1

[ "$(wc -l <"$tmp/a")" -eq "$total" ] && ok "one assignment per input line, the last without a newline included" ||
	not_ok "one assignment per input line, the last without a newline included" "$(wc -l <"$tmp/a") vs $total"
goods=$(grep -c $'\tok ' "$expect")
bads=$((total - goods))
if grep -q "^wirefold: $total lines read: $goods accepted, $bads rejected" "$tmp/e"; then
	ok "the summary counts every line: $goods accepted + $bads rejected = $total"
else
	not_ok "the summary counts every line" "$(tail -n 1 "$tmp/e")"
fi
[ "$(grep -c '^wirefold: line [0-9]*: ' "$tmp/e")" -eq "$bads" ] &&
	ok "one message per rejected line" || not_ok "one message per rejected line"

# --rejects: the rejected lines as they were (without the "\r" of a CRLF end;
# lines over --line-max are never held, so not copied)
python3 - "$feed" "$expect" >"$tmp/rej.want" <<'EOF'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
exp = [l.rstrip("\n").split("\t", 1)[1] for l in open(sys.argv[2], encoding="utf-8")]
out = sys.stdout.buffer
for b, e in zip(lines, exp):
    if e.startswith("bad ") and "line too long" not in e:
        out.write((b[:-1] if b.endswith(b"\r") else b) + b"\n")
EOF
cmp -s "$tmp/rej" "$tmp/rej.want" && ok "--rejects holds each rejected line as it was" ||
	not_ok "--rejects holds each rejected line as it was" "$(cmp "$tmp/rej" "$tmp/rej.want" 2>&1)"

# every accepted article is in a bundle exactly once
for f in "$tmp"/b/*.zst; do zstd -dc "$f" | tail -n +2; done |
	jq -r '.items[] | .id, (.duplicates[]?.id)' >"$tmp/ids"
for f in "$tmp"/b/*.zst; do zstd -dc "$f" | tail -n +2; done | jq -r '(.duplicates // [])[] | .id' >>"$tmp/ids"
if diff <(sort "$tmp/ids") <(sed -n 's/^[0-9]*\tok //p' "$expect" | sort) >"$tmp/d"; then
	ok "every accepted article is in a bundle exactly once"
else
	not_ok "every accepted article is in a bundle exactly once" "$(head -n 5 "$tmp/d")"
fi
zstd -qt "$tmp"/b/*.zst && ok "bundles pass zstd -t" || not_ok "bundles pass zstd -t"

# the same answers whatever the threads and however the bytes arrive
"$wf" -q -o "$tmp/b1" --line-max 64k --threads 1 --emit assignments <"$feed" >"$tmp/a1" 2>"$tmp/e1"
python3 -c '
import sys, time
data = open(sys.argv[1], "rb").read()
out = sys.stdout.buffer
for i in range(0, len(data), 4093):
    out.write(data[i:i + 4093]); out.flush()
' "$feed" | "$wf" -q -o "$tmp/b2" --line-max 64k --threads 3 --emit assignments >"$tmp/a2" 2>"$tmp/e2"
if cmp -s "$tmp/a" "$tmp/a1" && cmp -s "$tmp/a" "$tmp/a2" && diff -r "$tmp/b" "$tmp/b1" >/dev/null &&
	diff -r "$tmp/b" "$tmp/b2" >/dev/null && cmp -s "$tmp/e1" "$tmp/e2"; then
	ok "same output for 1 and 3 threads, from a file and from a pipe in odd chunks"
else
	not_ok "same output for 1 and 3 threads, from a file and from a pipe in odd chunks"
fi

# empty input, as a file and as a pipe; input with nothing good in it
"$wf" -o "$tmp/empty1" </dev/null 2>"$tmp/ee1"
rc1=$?
printf '' | "$wf" -o "$tmp/empty2" 2>"$tmp/ee2"
rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && grep -q ' 0 lines read: 0 accepted, 0 rejected' "$tmp/ee1" &&
	grep -q ' 0 lines read' "$tmp/ee2" && [ -z "$(ls -A "$tmp/empty1")" ] && [ -z "$(ls -A "$tmp/empty2")" ]; then
	ok "empty input (file and pipe): exit 0, nothing written"
else
	not_ok "empty input (file and pipe): exit 0, nothing written" "$(cat "$tmp/ee1" "$tmp/ee2")"
fi
python3 - "$feed" "$expect" >"$tmp/allbad" <<'EOF'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
exp = [l.rstrip("\n").split("\t", 1)[1] for l in open(sys.argv[2], encoding="utf-8")]
sys.stdout.buffer.write(b"\n".join(b for b, e in zip(lines, exp) if e.startswith("bad ")))
EOF
"$wf" -o "$tmp/allbad.out" --line-max 64k <"$tmp/allbad" 2>"$tmp/eab"
rc=$?
if [ $rc -eq 0 ] && grep -q " $bads lines read: 0 accepted, $bads rejected" "$tmp/eab" &&
	[ -z "$(ls -A "$tmp/allbad.out")" ]; then
	ok "only bad lines: all rejected, exit 0, no bundle"
else
	not_ok "only bad lines: all rejected, exit 0, no bundle" "exit $rc" "$(tail -n 1 "$tmp/eab")"
fi

tap_end
