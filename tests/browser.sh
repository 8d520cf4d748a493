#!/usr/bin/env bash
# The digest page in a real browser (headless Chromium), and the digest and
# stats commands end to end.
# usage: browser.sh WIREFOLD FIXTURES ARTEFACTS      (prints TAP)
#
# Renders the digest of the sample feed's days and of fixtures/xss-feed.jsonl,
# loads them in Chromium (--dump-dom) and checks the DOM: the stories in the
# bundle's order, the filter box working, feed markup shown as text and never
# run.  Screenshots go to ARTEFACTS (desktop and phone width).  Without
# Chromium the browser checks are skipped, unless WF_REQUIRE_BROWSER=1, when
# they fail.  CHROMIUM may name the browser binary.
set -uo pipefail
wf=$1
fx=$2
art=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

expect() { # expect NAME CONDITION-COMMAND... [-- DIAGNOSTIC]
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi
}

chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then chromium=$(command -v "$c"); break; fi
	done
fi

# browse URL [chromium options...]: load URL headless; the DOM or nothing on stdout
browse() {
	local url=$1; shift
	local profile
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --hide-scrollbars \
		--user-data-dir="$profile" "$@" "$url" 2>>"$tmp/chromium.log"
}

# the story headlines of a page or DOM, in order, one per line
headlines() {
	python3 -c '
import html, re, sys
for m in re.finditer(r"<h2><a class=\"rank\"[^>]*>\d+</a>(.*?)</h2>", open(sys.argv[1], encoding="utf-8").read()):
    print(html.unescape(m.group(1)))' "$1"
}

is_png() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '211PNG' ]; }

# --- pages from the sample feed --------------------------------------------------
"$wf" -q -o "$tmp/b" <"$fx/sample-feed.jsonl" 2>"$tmp/err"
expect "the sample feed makes bundles" test -s "$tmp/b/2026-11-20.stories.jsonl.zst"
day=$tmp/b/2026-11-20.stories.jsonl.zst
page=$tmp/2026-11-20.html

"$wf" digest -o "$page" "$day" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$page" ]; then ok "digest -o writes a page"; else not_ok "digest -o writes a page" "exit $rc" "$(cat "$tmp/err")"; fi

"$wf" digest "$day" >"$tmp/stdout.html" 2>"$tmp/err"
expect "digest without -o writes the same page to stdout" cmp -s "$page" "$tmp/stdout.html"
"$wf" digest -o - "$day" >"$tmp/dash.html" 2>"$tmp/err"
expect "digest -o - writes to stdout" cmp -s "$page" "$tmp/dash.html"

for d in "$tmp"/b/*.zst; do "$wf" digest "$d" >/dev/null || echo "$d" >>"$tmp/bad"; done
expect "every day of the sample feed has a page" test ! -e "$tmp/bad"

"$wf" digest "$tmp/no-such.zst" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'no-such.zst' "$tmp/err"; then ok "digest of a missing bundle: exit 1 and says which"; else not_ok "digest of a missing bundle: exit 1 and says which" "exit $rc"; fi
"$wf" digest >/dev/null 2>&1
expect "digest without a bundle: exit 2" test $? -eq 2
"$wf" digest --top 0 "$day" >/dev/null 2>&1
expect "digest --top 0: exit 2" test $? -eq 2
"$wf" digest --top 2 "$day" >"$tmp/top2.html"
expect "digest --top 2 shows two stories" test "$(headlines "$tmp/top2.html" | wc -l)" -eq 2

if grep -Eq 'https?://' "$page"; then not_ok "the page names no URL"; else ok "the page names no URL"; fi

# The Content-Security-Policy allows the page's style and script by hash only.
if python3 - "$page" <<'EOF'
import base64, hashlib, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
for tag, directive in (("style", "style-src"), ("script", "script-src")):
    body = re.search(r"<%s>(.*?)</%s>" % (tag, tag), page, re.S).group(1)
    want = "'sha256-%s'" % base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    got = re.search(directive + r" ([^;]*)", csp).group(1).strip()
    if got != want:
        sys.exit("%s: CSP has %s, the page's %s hashes to %s" % (tag, got, tag, want))
assert "default-src 'none'" in csp
EOF
then ok "the CSP hashes match the page's style and script"; else not_ok "the CSP hashes match the page's style and script"; fi

# The bundle's order is the ranking: distinct sources, then articles.
"$wf" cat --json "$day" | jq -r 'select(.story) | "\(.sources | length) \(.n_items + .n_duplicates)"' >"$tmp/rank"
if sort -s -k1,1nr -k2,2nr "$tmp/rank" | cmp -s - "$tmp/rank"; then ok "the bundle ranks by sources, then articles"; else not_ok "the bundle ranks by sources, then articles" "$(cat "$tmp/rank")"; fi
"$wf" cat --json "$day" | jq -r 'select(.story) | .headline' >"$tmp/want"
headlines "$page" >"$tmp/got"
if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then ok "the page keeps the bundle's order"; else not_ok "the page keeps the bundle's order" "$(diff "$tmp/want" "$tmp/got")"; fi

# --- stats ---------------------------------------------------------------------
lines=$(wc -l <"$fx/sample-feed.jsonl")
got=$("$wf" stats --json "$tmp"/b/*.zst | jq -s 'map(.articles) | add')
expect "stats --json counts every article of the feed once ($lines)" test "$got" = "$lines"
# what is collapsed (articles that are not items) is what the bundles' headers count
dups=$("$wf" stats --json "$tmp"/b/*.zst | jq -s 'map(.articles - .items) | add')
want_dups=$("$wf" cat --json "$tmp"/b/*.zst | jq -s 'map(select(.counts) | .counts.duplicates) | add')
expect "stats agrees with the bundles' counts of collapsed articles" test "$dups" = "$want_dups"
"$wf" stats "$tmp"/b/*.zst >"$tmp/stats.txt"
if [ $? -eq 0 ] && grep -q '^total ' "$tmp/stats.txt" && grep -q '^2026-11-20 (UTC)$' "$tmp/stats.txt"; then
	ok "stats prints a table with a total"
else
	not_ok "stats prints a table with a total" "$(cat "$tmp/stats.txt")"
fi
"$wf" stats "$tmp/b/2026-11-20.stories.jsonl.zst" "$tmp/no-such.zst" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'no-such.zst' "$tmp/err"; then ok "stats of a missing bundle: exit 1, the others printed"; else not_ok "stats of a missing bundle: exit 1, the others printed" "exit $rc"; fi

for cmd in "" run cat digest stats; do
	# shellcheck disable=SC2086
	out=$("$wf" $cmd --help)
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^examples:' <<<"$out"; then ok "wirefold${cmd:+ $cmd} --help has examples"; else not_ok "wirefold${cmd:+ $cmd} --help has examples" "exit $rc"; fi
done

# the manual names every option that a --help names
man=$fx/../docs/wirefold.1
for cmd in run cat digest stats; do "$wf" $cmd --help; done | grep -Eo -- '--[a-z][a-z-]*' | sort -u >"$tmp/opts"
sed 's/\\-/-/g' "$man" >"$tmp/man.txt"
missing=$(while read -r o; do grep -qF -- "$o" "$tmp/man.txt" || echo "$o"; done <"$tmp/opts")
if [ -s "$tmp/opts" ] && [ -z "$missing" ]; then ok "wirefold(1) documents every option of --help"; else not_ok "wirefold(1) documents every option of --help" "missing from docs/wirefold.1: $missing"; fi

# --- in the browser ----------------------------------------------------------------
"$wf" -q -o "$tmp/x" <"$fx/xss-feed.jsonl"
xpage=$tmp/xss.html
"$wf" digest -o "$xpage" "$tmp"/x/*.zst
expect "the hostile feed has a page" test -s "$xpage"

browser_checks=13
if [ -z "$chromium" ]; then
	if [ "${WF_REQUIRE_BROWSER:-0}" = 1 ]; then
		not_ok "chromium is installed (WF_REQUIRE_BROWSER=1; scripts/setup installs it)"
	else
		for _ in $(seq "$browser_checks"); do skip "browser check" "chromium not installed"; done
	fi
	tap_end
fi

browse "file://$page" --dump-dom >"$tmp/dom"
expect "chromium renders the page" grep -q '</html>' "$tmp/dom"
headlines "$tmp/dom" >"$tmp/got"
if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then ok "the browser shows the stories in the bundle's order"; else not_ok "the browser shows the stories in the bundle's order" "$(diff "$tmp/want" "$tmp/got")"; fi
expect "the filter box is there" grep -q '<input type="search" id="q"' "$tmp/dom"
expect "the filter's script ran (its box is shown)" grep -q '<p id="filter">' "$tmp/dom"

# PAGE#q=WORD starts filtered: only the stories that mention the word are shown
want=$("$wf" cat --json "$day" | jq '[select(.story) | select([.headline, .items[].title] | join(" ") | ascii_downcase | contains("ecb"))] | length' | jq -s add)
browse "file://$page#q=ecb" --dump-dom >"$tmp/dom-q"
total=$(grep -c '<article class="story"' "$tmp/dom-q")
hidden=$(grep -c '<article class="story"[^>]* hidden' "$tmp/dom-q")
if [ "$want" -gt 0 ] && [ $((total - hidden)) -eq "$want" ] &&
	grep -q "<span id=\"shown\"[^>]*>$want of $total stories</span>" "$tmp/dom-q"; then
	ok "the filter narrows the stories to a word ($want of $total)"
else
	not_ok "the filter narrows the stories to a word" "want $want shown, got $((total - hidden)) of $total"
fi

browse "file://$page" --screenshot="$art/digest-sample.png" --window-size=1000,1400 >/dev/null
expect "a screenshot of the page (digest-sample.png)" is_png "$art/digest-sample.png"
browse "file://$page" --screenshot="$art/digest-sample-phone.png" --window-size=360,800 >/dev/null
expect "a screenshot at phone width (digest-sample-phone.png)" is_png "$art/digest-sample-phone.png"

browse "file://$xpage" --dump-dom >"$tmp/xdom"
expect "chromium renders the hostile page" grep -q '</html>' "$tmp/xdom"
expect "document.title was not changed" grep -q '<title>Wire digest — 2026-11-21</title>' "$tmp/xdom"
if [ "$(grep -o '<script' "$tmp/xdom" | wc -l)" -eq 1 ]; then ok "no script element but the page's own"; else not_ok "no script element but the page's own" "$(grep -o '<script[^>]*>[^<]*' "$tmp/xdom")"; fi
if grep -Eq '<(img|iframe|b>A)' "$tmp/xdom"; then not_ok "no element injected by the feed" "$(grep -Eo '<(img|iframe|b>A)[^>]*>' "$tmp/xdom")"; else ok "no element injected by the feed"; fi
if grep -qF "&lt;script&gt;document.title='pwned'&lt;/script&gt;Storm hits coast</h2>" "$tmp/xdom" &&
	grep -qF "&lt;img src=x onerror=\"document.title='pwned'\"&gt; AT&amp;T shares \"jump\" 5%" "$tmp/xdom" &&
	grep -qF 'Wire &lt;b&gt;A&lt;/b&gt; &amp; "Co"' "$tmp/xdom"; then
	ok "the feed's markup is shown as text"
else
	not_ok "the feed's markup is shown as text"
fi
browse "file://$xpage" --screenshot="$art/digest-xss.png" --window-size=1000,1000 >/dev/null
expect "a screenshot of the hostile page (digest-xss.png)" is_png "$art/digest-xss.png"

tap_end
