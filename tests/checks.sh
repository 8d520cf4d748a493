# checks.sh — shell functions the reliability tests share (sourced, not run).

# day_articles DIR: what each day's bundle holds, whatever the story grouping:
# every item (id, shown version, update_of, its duplicates with their kind)
# and every duplicate of an item on another day, sorted, per day.
day_articles() {
	local f
	for f in "$1"/*.zst; do
		[ -e "$f" ] || continue
		printf '{"_day":"%s"}\n' "$(basename "$f")"
		zstd -dc "$f" | tail -n +2
	done | jq -nc 'foreach inputs as $x (null; if $x._day then $x._day else . end;
		. as $day | if $x._day then empty else
			($x.items[] | [$day, .id, .version_id, .update_of, (.duplicates | map([.id, .kind]))]),
			(($x.duplicates // [])[] | [$day, .id, .kind, .of])
		end)' | sort
}

# decisions FILE: --emit assignments without the story ids
decisions() { jq -c 'del(.story)' "$1"; }

# whole_bundles DIR: prints what is wrong unless every bundle in DIR is a
# whole zstd frame of JSON lines under a wirefold header, and nothing but
# bundles and dot-files (temporary files) is in DIR.
whole_bundles() {
	local f names
	for f in "$1"/*.zst; do
		[ -e "$f" ] || continue
		zstd -qt "$f" 2>/dev/null || echo "not a whole zstd frame: $(basename "$f")"
	done
	names=$(for f in "$1"/*.zst; do
		[ -e "$f" ] || continue
		zstd -t "$f" >/dev/null 2>&1 || continue
		printf '{"_file":"%s"}\n' "$(basename "$f")"
		zstd -dc "$f"
	done | jq -nr 'reduce inputs as $x ({file: null, first: false, bad: []};
		if $x._file then .file = $x._file | .first = true
		elif .first then .first = false |
			(if $x.format == "wirefold.stories" and $x.version == 1 then . else .bad += [.file] end)
		else . end) | .bad[]' 2>&1) || names="not JSON lines in $1: $names"
	[ -z "$names" ] || echo "no bundle header: $names"
	ls "$1" | grep -v '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\.stories\.jsonl\.zst$' |
		sed 's/^/not a bundle, yet visible: /'
	return 0
}

# stage_todo FILE: the stage wirefold said cannot save its state, if any
stage_todo() { grep -o 'the [a-z]* stage cannot save its state yet' "$1" | head -n 1; }
