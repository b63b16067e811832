#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `-V` and `--version` of every program (teredod, teredod-server, teredod-checkconf, teredoctl,
# teredo-mire): exit 0, the same text for both, and exactly these lines, with the values of this
# build (as CMake configured it):
#   PROGRAM VERSION                     (teredo-mire: "teredo-mire (teredod) VERSION")
#   revision: REV                       TEREDO_REVISION when set; else, in a git tree, git describe
#                                       --always --dirty of HEAD or of an ancestor (the tree may have
#                                       moved since the build); else unknown
#   build type: CMAKE_BUILD_TYPE
#   compiler: CMAKE_CXX_COMPILER_ID CMAKE_CXX_COMPILER_VERSION
#   sanitizers: off | address,undefined
#   static C++ runtime: on | off
#   eBPF steering: yes
#   libminiupnpc: yes (...)
#   libcrypto: yes (...)
# Then a self-check: outputs with one line missing or wrong must fail the same check.
# Usage: check_version.sh BIN_DIR SOURCE_DIR VERSION BUILD_TYPE COMPILER SANITIZE(ON/OFF) STATIC_RUNTIME(on/off) [REVISION]
set -u
bin=$1 src=$2 version=$3 build_type=$4 compiler=$5 sanitize=$6 static_runtime=$7 revision=${8:-}
failures=0
sanitizers=off
[[ $sanitize == ON ]] && sanitizers=address,undefined

# revision_ok REV: whether REV is a revision this build may have been made from.
revision_ok() {
	local rev=$1
	[[ $rev =~ ^[A-Za-z0-9._+-]+$ ]] || return 1
	if [[ -n $revision ]]; then
		[[ $rev == "$revision" ]]
		return
	fi
	# As cmake/build_info.cmake: git describe when git can read the tree (it may refuse one owned by another user).
	if [[ -e $src/.git ]] && command -v git >/dev/null && git -C "$src" rev-parse -q HEAD >/dev/null 2>&1; then
		local hash=${rev%-dirty}
		hash=${hash##*-g}
		[[ $hash =~ ^[0-9a-f]{4,40}$ ]] || return 1
		git -C "$src" merge-base --is-ancestor "$hash" HEAD 2>/dev/null
		return
	fi
	[[ $rev == unknown ]]
}

# check_text PROGRAM TEXT: prints each problem; returns 1 if there is one.
check_text() {
	local program=$1 text=$2 first=$1 bad=0 line
	[[ $program == teredo-mire ]] && first="teredo-mire (teredod)"
	local -a lines
	mapfile -t lines <<<"$text"
	local -a want=("$first $version" "revision: " "build type: $build_type" "compiler: $compiler"
		"sanitizers: $sanitizers" "static C++ runtime: $static_runtime" "eBPF steering: yes"
		"libminiupnpc: yes (" "libcrypto: yes (")
	if ((${#lines[@]} != ${#want[@]})); then
		echo "FAIL: $program --version: ${#lines[@]} lines, expected ${#want[@]}:"
		printf '  %s\n' "${lines[@]}"
		return 1
	fi
	for i in "${!want[@]}"; do
		line=${lines[i]}
		case ${want[i]} in
		"revision: ")
			if [[ $line != "revision: "* ]] || ! revision_ok "${line#revision: }"; then
				echo "FAIL: $program --version: line $((i + 1)) is '$line', expected the revision built from"
				bad=1
			fi
			;;
		*"(")
			if [[ $line != "${want[i]}"*")" ]]; then
				echo "FAIL: $program --version: line $((i + 1)) is '$line', expected '${want[i]}...)'"
				bad=1
			fi
			;;
		*)
			if [[ $line != "${want[i]}" ]]; then
				echo "FAIL: $program --version: line $((i + 1)) is '$line', expected '${want[i]}'"
				bad=1
			fi
			;;
		esac
	done
	return "$bad"
}

for program in teredod teredod-server teredod-checkconf teredoctl teredo-mire; do
	short=$("$bin/$program" -V) || { echo "FAIL: $program -V exited $?"; failures=$((failures + 1)); continue; }
	long=$("$bin/$program" --version) || { echo "FAIL: $program --version exited $?"; failures=$((failures + 1)); continue; }
	if [[ $short != "$long" ]]; then
		echo "FAIL: $program: -V and --version differ"
		failures=$((failures + 1))
	fi
	if check_text "$program" "$long"; then
		echo "ok: $program --version: $(head -n 2 <<<"$long" | tr '\n' ' ')"
	else
		failures=$((failures + 1))
	fi
done

# Self-check: doctored outputs fail.
good=$("$bin/teredoctl" --version)
for case in "drop the revision line:/^revision: /d" "another build type:s/^build type: .*/build type: Nonsense/" \
	"a revision that is no commit:s/^revision: .*/revision: 0000000/" "sanitizers flipped:s/^sanitizers: off$/sanitizers: on/;t;s/^sanitizers: .*/sanitizers: off/"; do
	name=${case%%:*}
	if check_text teredoctl "$(sed "${case#*:}" <<<"$good")" >/dev/null; then
		# A TEREDO_REVISION of 0000000 would make the third case pass: say so rather than fail.
		if [[ $name == "a revision that is no commit" && $revision == 0000000 ]]; then continue; fi
		echo "FAIL: self-check: $name passed"
		failures=$((failures + 1))
	else
		echo "ok: self-check: $name fails"
	fi
done

if ((failures > 0)); then
	echo "version: $failures failures"
	exit 1
fi
echo "version: every program prints its version, revision and build options"
