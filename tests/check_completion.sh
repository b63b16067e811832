#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completions (packaging/bash-completion/) against the programs: in a bash that has sourced
# the bash-completion package's helpers (when installed) and, separately, in a plain bash, each
# completion file is sourced, COMP_WORDS/COMP_CWORD are set as bash sets them for a TAB, and the
# completion function is called:
#   - `teredoctl st<TAB>` gives status and stats, `teredoctl <TAB>` the four commands, `--sort <TAB>`
#     the sort fields, `peers --s<TAB>` --socket and --sort;
#   - the options completed after `-` (for teredoctl: before a command, after peers and after stats)
#     are exactly the options each program's --help lists (teredod, teredod-server,
#     teredod-checkconf, teredoctl);
#   - files after -c, directories after -t, users after -u.
# Then a self-check: a copy of a completion file with one option removed must fail the comparison.
# Usage: check_completion.sh BIN_DIR SOURCE_DIR
set -u
bin=$1 dir="$2/packaging/bash-completion" helpers=/usr/share/bash-completion/bash_completion failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# complete_words MODE FILE FUNCTION WORD...: the completions of the last WORD (may be empty), sorted,
# one per line. MODE: helpers (source the bash-completion package first) or plain.
complete_words() {
	local mode=$1 file=$2 function=$3
	shift 3
	bash --norc --noprofile -c '
		mode=$1 file=$2 function=$3
		shift 3
		if [[ $mode == helpers ]]; then
			# shellcheck disable=SC1090
			source "'"$helpers"'" || exit 3
		fi
		# shellcheck disable=SC1090
		source "$file" || exit 3
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMP_TYPE=9 COMP_KEY=9
		"$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u | sed "/^$/d"
	' check_completion "$mode" "$file" "$function" "$@"
}

# expect MODE FILE FUNCTION "EXPECTED WORDS" WORD...: the completions must be exactly EXPECTED.
expect() {
	local mode=$1 file=$2 function=$3 want
	want=$(tr ' ' '\n' <<<"$4" | sed '/^$/d' | sort -u)
	shift 4
	local got
	got=$(complete_words "$mode" "$file" "$function" "$@")
	if [[ $got == "$want" ]]; then
		echo "ok ($mode): '$*<TAB>' -> $(tr '\n' ' ' <<<"$got")"
	else
		echo "FAIL ($mode): '$*<TAB>' gave [$(tr '\n' ' ' <<<"$got")], expected [$(tr '\n' ' ' <<<"$want")]"
		failures=$((failures + 1))
	fi
}

# expect_has MODE FILE FUNCTION WANTED WORD...: WANTED must be among the completions.
expect_has() {
	local mode=$1 file=$2 function=$3 wanted=$4
	shift 4
	if complete_words "$mode" "$file" "$function" "$@" | grep -qxF -- "$wanted"; then
		echo "ok ($mode): '$*<TAB>' offers $wanted"
	else
		echo "FAIL ($mode): '$*<TAB>' does not offer $wanted"
		failures=$((failures + 1))
	fi
}

# help_options PROGRAM: the options PROGRAM --help lists, sorted.
help_options() {
	"$bin/$1" --help | grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ ,|(]//' | sort -u
}

# teredoctl's options completed anywhere: before the command, and after each command.
teredoctl_options() {
	local file=$1 mode=$2
	{
		complete_words "$mode" "$file" _teredoctl teredoctl -
		for c in status peers stats metrics list; do complete_words "$mode" "$file" _teredoctl teredoctl "$c" -; done
	} | sort -u
}

# same_options NAME WANT GOT: the two lists must be equal.
same_options() {
	if [[ $2 == "$3" ]]; then
		echo "ok: $1: the completed options are those of --help ($(wc -l <<<"$2"))"
		return 0
	fi
	echo "FAIL: $1: completed options differ from --help (< --help, > completion):"
	diff <(echo "$2") <(echo "$3") | grep '^[<>]'
	return 1
}

modes=(plain)
if [[ -f $helpers ]]; then
	modes=(helpers plain)
else
	echo "SKIPPED: the bash-completion package is not installed ($helpers): only plain bash is checked"
fi
mkdir -p "$tmp/files/sub.d"
touch "$tmp/files/teredod.conf"
for mode in "${modes[@]}"; do
	ctl="$dir/teredoctl"
	expect "$mode" "$ctl" _teredoctl "status stats" teredoctl st
	expect "$mode" "$ctl" _teredoctl "status peers stats metrics list" teredoctl ''
	expect "$mode" "$ctl" _teredoctl "status peers stats metrics list" teredoctl -s /run/x.sock ''
	expect_has "$mode" "$ctl" _teredoctl server teredoctl -i ''
	expect_has "$mode" "$ctl" _teredoctl all teredoctl --instance a
	expect "$mode" "$ctl" _teredoctl "address mapped rx tx queued packets bytes" teredoctl peers --sort ''
	expect "$mode" "$ctl" _teredoctl "--socket --sort" teredoctl peers --s
	expect "$mode" "$ctl" _teredoctl "" teredoctl status ''
	expect "$mode" "$ctl" _teredoctl "--all" teredoctl stats --a
	expect "$mode" "$ctl" _teredoctl "$tmp/files/teredod.conf" teredoctl --socket "$tmp/files/ter"
	same_options "teredoctl ($mode)" "$(help_options teredoctl)" "$(teredoctl_options "$ctl" "$mode")" ||
		failures=$((failures + 1))
	for program in teredod teredod-server teredod-checkconf; do
		same_options "$program ($mode)" "$(help_options "$program")" \
			"$(complete_words "$mode" "$dir/teredod" _teredod "$program" -)" || failures=$((failures + 1))
		expect "$mode" "$dir/teredod" _teredod "--config --conf --chroot --chrootdir" "$program" --c
		expect "$mode" "$dir/teredod" _teredod "$tmp/files/teredod.conf" "$program" -c "$tmp/files/ter"
		expect "$mode" "$dir/teredod" _teredod "$tmp/files/sub.d" "$program" -t "$tmp/files/"
		expect_has "$mode" "$dir/teredod" _teredod root "$program" -u ro
	done
	expect "$mode" "$dir/teredod" _teredod "$tmp/files/teredod.conf" teredod-checkconf "$tmp/files/ter"
	expect "$mode" "$dir/teredod" _teredod "--list-directives" teredod-checkconf --l
	expect "$mode" "$dir/teredod" _teredod "" teredod --l
done

# Self-check: the comparison with --help fails when the completion lacks an option.
sed 's/ -j --json / /' "$dir/teredoctl" >"$tmp/teredoctl"
if same_options "teredoctl without --json (self-check)" "$(help_options teredoctl)" \
	"$(teredoctl_options "$tmp/teredoctl" plain)" >"$tmp/out"; then
	echo "FAIL: self-check: a completion without -j/--json passed"
	failures=$((failures + 1))
elif grep -qx -- '< --json' "$tmp/out"; then
	echo "ok: self-check: a completion without -j/--json fails (--json reported)"
else
	echo "FAIL: self-check: the failure does not name --json:"
	cat "$tmp/out"
	failures=$((failures + 1))
fi

if ((failures > 0)); then
	echo "completion: $failures failures"
	exit 1
fi
echo "completion: every check passed (${modes[*]})"
