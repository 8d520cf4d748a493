# tap.sh — TAP output for the shell suites (sourced, not run): a numbered
# line per check, diagnostics as comments, the plan at the end.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# not_ok NAME [DIAGNOSTIC...]
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# todo NAME WHY: an expected failure
todo() { n=$((n + 1)); echo "not ok $n - $1 # TODO $2"; }
# skip NAME WHY
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# tap_end: the plan, and the exit status (1 when a check failed)
tap_end() { echo "1..$n"; exit $failed; }
