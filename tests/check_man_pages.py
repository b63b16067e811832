#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The manual pages against the code (issue 16, section 4).

Directives: `teredod-checkconf --list-directives` prints every directive each reader accepts
(config/directives.hpp, whose agreement with the readers tests/unit/config/directives_test.cpp
proves). Each must have a .TP entry in the DIRECTIVES section of its file's page (teredod.conf.5 or
teredod-server.conf.5) whose text says "Default: DEFAULT" and, for a number, "Range: MIN to MAX";
and each .TP entry there must name a directive the reader accepts.

Options: every option a program's --help prints must appear in its page, and every option of the
page's OPTIONS section must be accepted by the program: `PROGRAM OPTION [VALUE] --help` exits 0
(-h and --help alone; a program that also exits 0 for an unknown option fails the check, which could
not fail then).

Usage: check_man_pages.py BIN_DIR ROOT   (ROOT holds man/ and docs/man/). Exit 0: all agree; 1: each
problem printed on its own line.
"""
import os
import re
import subprocess
import sys

# Where each program's page and each file's page is (relative to ROOT).
PROGRAM_PAGES = {
    "teredod": "man/teredod.8",
    "teredod-server": "man/teredod-server.8",
    "teredod-checkconf": "man/teredod-checkconf.8",
    "teredoctl": "man/teredoctl.1",
    "teredo-mire": "docs/man/teredo-mire.1",
}
CONFIG_PAGES = {
    "teredod.conf": "man/teredod.conf.5",
    "teredod-server.conf": "man/teredod-server.conf.5",
}
# An option as --help and the pages write it: -x or --long-name, not inside a word.
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")
ALTERNATING = {"BR", "BI", "IR", "IB", "RB", "RI"}

problems = []


def problem(text):
    problems.append(text)
    print("FAIL: " + text)


def unescape(text):
    """troff escapes to plain text."""
    text = re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", text)
    text = text.replace("\\-", "-").replace("\\~", " ").replace("\\ ", " ").replace("\\&", "")
    text = text.replace("\\(bu", "*").replace("\\e", "\\")
    return text


def plain(line):
    """A line of the page as text; None for a request that is structure (.TP, .RS...)."""
    if line.startswith(".\\\"") or line.startswith("'\\\""):
        return None
    if not line.startswith("."):
        return unescape(line)
    m = re.match(r"\.(\w+)\s*(.*)", line)
    if not m:
        return None
    macro, rest = m.groups()
    args = [a if a else b for a, b in re.findall(r'"([^"]*)"|(\S+)', rest)]
    if macro in ("B", "I", "SM", "SB"):
        return unescape(" ".join(args))
    if macro in ALTERNATING:
        return unescape("".join(args))
    return None


def read_page(root, path):
    try:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError as e:
        problem(f"{path}: cannot read: {e}")
        return []


def section(lines, name):
    """The lines of section .SH NAME."""
    out, inside = [], False
    for line in lines:
        if line.startswith(".SH"):
            inside = line[3:].strip().strip('"') == name
            continue
        if inside:
            out.append(line)
    return out


def entries(lines):
    """The .TP entries of a section at indentation depth 0: (tags, text) pairs."""
    found, tags, body, depth = [], None, [], 0
    expect_tag = False

    def close():
        if tags is not None:
            found.append((tags, " ".join(" ".join(body).split())))

    for line in lines:
        if expect_tag:
            tags.append(plain(line) or "")
            expect_tag = False
            continue
        if line.startswith(".RS"):
            depth += 1
        elif line.startswith(".RE"):
            depth = max(0, depth - 1)
        if depth == 0 and re.match(r"\.(TP|SS|PP|P|LP|SH)\b", line):
            close()
            tags, body = ([], []) if line.startswith(".TP") else (None, [])
            expect_tag = tags is not None
            continue
        if depth == 0 and line.startswith(".TQ") and tags is not None:
            expect_tag = True
            continue
        text = plain(line)
        if text is not None and tags is not None:
            body.append(text)
    close()
    return found


def bounded(value):
    """A regex for `value` as a whole word (not part of a longer number, path or name)."""
    return r"(?<![\w/])" + re.escape(value) + r"(?![\w/]|\.\d)"


def check_directives(bin_dir, root):
    listing = run([os.path.join(bin_dir, "teredod-checkconf"), "--list-directives"])
    if listing is None:
        return
    by_file = {}
    for line in listing.splitlines():
        fields = line.split("\t")
        if len(fields) != 5:
            problem(f"teredod-checkconf --list-directives: not 5 fields: {line!r}")
            continue
        by_file.setdefault(fields[0], []).append(fields)
    if set(by_file) != set(CONFIG_PAGES):
        problem(f"teredod-checkconf --list-directives names files {sorted(by_file)}, expected {sorted(CONFIG_PAGES)}")
    checked = 0
    for file_name, page in CONFIG_PAGES.items():
        found = entries(section(read_page(root, page), "DIRECTIVES"))
        known = {f[1] for f in by_file.get(file_name, [])}
        documented = {}
        for tags, text in found:
            for tag in tags:
                words = [w for w in re.split(r"[\s,]+", tag) if w]
                names = [w for w in words if re.fullmatch(r"[A-Z][A-Za-z0-9]*", w)]
                if not names:
                    problem(f"{page}: DIRECTIVES: an entry without a directive name: {tag!r}")
                for name in names:
                    if name not in known:
                        problem(f"{page}: documents {name}, which the {file_name} reader does not accept")
                    documented.setdefault(name, []).append(text)
        for _, name, modes, default, rng in by_file.get(file_name, []):
            checked += 1
            texts = documented.get(name)
            if not texts:
                problem(f"{page}: no .TP entry for {name} ({modes}), a directive of {file_name}")
                continue
            text = " ".join(texts)
            at = text.find("Default:")
            if at < 0:
                problem(f"{page}: the entry of {name} says no \"Default:\"")
            elif not re.search(bounded(default), text[at:]):
                problem(f"{page}: the entry of {name} does not give its default {default!r} ({modes}) after \"Default:\"")
            if rng != "-" and not re.search("Range: " + bounded(rng), text):
                problem(f"{page}: the entry of {name} does not say \"Range: {rng}\"")
    print(f"directives: {checked} entries of teredod-checkconf --list-directives checked")


def run(argv, ok_status=0):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        problem(f"{' '.join(argv)}: {e}")
        return None
    if r.returncode != ok_status:
        problem(f"{' '.join(argv)}: exit status {r.returncode}: {r.stderr.strip()}")
        return None
    return r.stdout


def accepts(binary, option, takes_value):
    """Whether `binary OPTION [VALUE] --help` exits 0 (the option is parsed, then help is printed);
    -h and --help alone."""
    argv = [binary, option] + (["x"] if takes_value else [])
    if option not in ("-h", "--help"):
        argv.append("--help")
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    return r.returncode == 0, r.stderr.strip()


def check_options(bin_dir, root):
    for program, page in PROGRAM_PAGES.items():
        binary = os.path.join(bin_dir, program)
        lines = read_page(root, page)
        text = "\n".join(t for t in (plain(line) for line in lines) if t is not None)
        help_text = run([binary, "--help"])
        if help_text is None:
            continue
        help_options = sorted(set(OPTION.findall(help_text)))
        if not help_options:
            problem(f"{program} --help: no option found")
        for option in help_options:
            if not re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text):
                problem(f"{page}: does not mention {option}, which {program} --help lists")
        ok, _ = accepts(binary, "--no-such-option", False)
        if ok:
            problem(f"{program} accepts --no-such-option: its options cannot be checked")
            continue
        page_options = 0
        for tags, _ in entries(section(lines, "OPTIONS")):
            for tag in tags:
                options = OPTION.findall(tag)
                rest = OPTION.sub("", tag)
                takes_value = bool(re.search(r"[A-Za-z]", rest))
                for option in options:
                    ok, why = accepts(binary, option, takes_value)
                    page_options += ok
                    if not ok:
                        value = " VALUE" if takes_value else ""
                        problem(f"{page}: OPTIONS lists {option}{value}, which {program} refuses: {why}")
        if page_options == 0:
            problem(f"{page}: no option in its OPTIONS section")
        print(f"{program}: {len(help_options)} options of --help found in {page}, {page_options} of its OPTIONS accepted")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    bin_dir, root = sys.argv[1], sys.argv[2]
    check_directives(bin_dir, root)
    check_options(bin_dir, root)
    if problems:
        print(f"man pages: {len(problems)} problems")
        return 1
    print("man pages: agree with the code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
