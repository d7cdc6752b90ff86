#!/usr/bin/env python3
"""Check that every program the shell scripts call is installed by scripts/setup.sh.

Scans .ci/run, scripts/*.sh and tests/*.sh for the words in command position (a line's first word,
and the first word after | || && ; ( $( `, then/do/else, and wrappers such as timeout or xargs),
keeps those that resolve to an external program on this machine, and asks dpkg which package owns
it. Each must come from a package every Debian system has (Essential: yes, or Priority: required:
what `debootstrap --variant=minbase` installs) or be listed with its package in scripts/packages.txt
(the one table setup.sh installs from; --table names another, for the tests). Every program the table names and this machine has must also
be owned by the package the table gives. Programs that dpkg does not own (built here, or installed
outside Debian) are skipped and named with --verbose.

usage: scripts/check-deps.py [--verbose] [--table FILE] [FILE...]   (exit 0 ok, 1 a missing dependency, 2 usage)
"""
import glob, os, re, shutil, subprocess, sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in",
            "function", "select", "time", "coproc", "return", "local", "export", "declare", "readonly",
            "set", "shift", "source", "eval", "exec", "trap", "wait", "break", "continue", "exit", "cd",
            "echo", "printf", "read", "true", "false", "test", "command", "type", "unset", "let", "pwd",
            "kill", "ulimit", "umask", "shopt", "mapfile", "builtin", "hash", "jobs", "disown", "getopts"}
# Wrappers whose next word is also a command (after their own options and, for timeout, a duration).
WRAPPERS = {"timeout", "xargs", "env", "nice", "nohup", "sudo", "setsid", "taskset", "stdbuf", "chroot"}
SEPARATORS = re.compile(r"\|\||&&|[|;(`]|\$\(|\bthen\b|\bdo\b|\belse\b|!")


def read_table(path):
    """program -> (package, set) and the set of packages, from scripts/packages.txt."""
    progs, pkgs = {}, {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) < 3 or line[1] not in ("base", "torch", "self"):
                sys.exit(f"check-deps: {path}:{n}: expected 'package base|torch|self programs...'")
            pkgs[line[0]] = line[1]
            for p in line[2:]:
                if p != "-":
                    prog, _, owner = p.partition("@")  # program@owner: owned by a dependency
                    progs[prog] = (owner or line[0], line[1])
    return progs, pkgs


def strip_heredocs(lines):
    """Drop the bodies of here-documents (their text is data: JSON, Python), keeping line numbers."""
    out, end = [], None
    for line in lines:
        if end is not None:
            out.append("")
            if line.strip() == end:
                end = None
            continue
        m = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
        if m and "<<<" not in line:
            end = m.group(1)
        out.append(line)
    return out


def strip_quotes(text):
    """Blank out quoted text (messages, python -c programs, awk scripts, over several lines too) and
    comments, keeping the newlines and the command substitutions inside double quotes
    ("$(cat "$f")"), whose words are commands too."""
    out, stack, i = [], ["code"], 0
    while i < len(text):
        c, top = text[i], stack[-1]
        if c == "\n":
            out.append(c)
        elif top == "sq":
            if c == "'":
                stack.pop()
            out.append(" ")
        elif c == "\\":
            out.append(" " if i + 1 < len(text) and text[i + 1] == "\n" else "  ")
            if i + 1 < len(text) and text[i + 1] == "\n":
                out.append("\n")
            i += 1
        elif text.startswith("$(", i):
            stack.append("subst")
            out.append("$(")
            i += 1
        elif top == "dq":
            if c == '"':
                stack.pop()
            out.append(" ")
        elif c == "'":
            stack.append("sq")
            out.append(" ")
        elif c == '"':
            stack.append("dq")
            out.append(" ")
        elif c == "#" and (i == 0 or text[i - 1].isspace()):
            while i + 1 < len(text) and text[i + 1] != "\n":
                i += 1
        else:
            if c == ")" and top == "subst":
                stack.pop()
            elif c == "(" and top == "subst":
                stack.append("subst")
            out.append(c)
        i += 1
    return "".join(out)


def join_arrays(lines):
    """Blank the continuation lines of a multi-line array literal (name=( ... )): its words are data."""
    out, inside = [], False
    for line in lines:
        if inside:
            out.append("")
            inside = ")" not in line
            continue
        m = re.search(r"\w+\+?=\(([^)]*)$", line)
        inside = bool(m)
        out.append(line)
    return out


def commands(path):
    """(line number, word) for every word in command position in a shell file."""
    with open(path) as f:
        lines = join_arrays(strip_heredocs(f.read().split("\n")))
    defined = set(re.findall(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)", "\n".join(lines), re.M))
    code = strip_quotes("\n".join(lines)).split("\n")
    for n, line in enumerate(code, 1):
        for m in re.finditer(r"\bcommand\s+-v\s+([a-z][\w.+-]*)", line):  # a program the script looks for
            yield n, m.group(1)
        for piece in SEPARATORS.split(line):
            words = piece.split()
            while words and re.match(r"^\w+=", words[0]):  # VAR=value cmd
                words.pop(0)
            if not words:
                continue
            w = words[0]
            if w in WRAPPERS:
                rest = [x for x in words[1:] if not x.startswith("-") and not re.match(r"^[\d.]+[smh]?$", x)
                        and not re.match(r"^\w+=", x)]
                if rest:
                    yield n, rest[0]
            if re.match(r"^[a-z][\w.+-]*$", w) and w not in KEYWORDS and w not in defined:
                yield n, w


def dpkg_owner(prog):
    """The Debian package that owns the program's file, or None."""
    path = shutil.which(prog)
    if not path:
        return None
    cands = [path, os.path.realpath(path)]
    for c in list(cands):
        for a, b in (("/usr/bin/", "/bin/"), ("/bin/", "/usr/bin/"), ("/usr/sbin/", "/sbin/"), ("/sbin/", "/usr/sbin/")):
            if c.startswith(a):
                cands.append(b + c[len(a):])
    for c in cands:
        r = subprocess.run(["dpkg-query", "-S", c], capture_output=True, text=True)
        owners = [l.split(":", 1)[0].split(",")[0].strip() for l in r.stdout.splitlines()
                  if l and not l.startswith("diversion by")]  # /bin/sh: "diversion by dash from: ..."
        if r.returncode == 0 and owners:
            return owners[0]
    return None


def base_package(pkg):
    """True for a package every Debian system has: Essential: yes or Priority: required."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Essential} ${Priority}", pkg], capture_output=True, text=True)
    return r.returncode == 0 and (r.stdout.startswith("yes") or r.stdout.endswith("required"))


def shown(path):
    """A path as messages show it: from the checkout's top when inside it."""
    p = os.path.abspath(path)
    return os.path.relpath(p, TOP) if p.startswith(TOP + os.sep) else path


def main(argv):
    verbose, files = False, []
    table_path = os.path.join(TOP, "scripts", "packages.txt")
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--verbose":
            verbose = True
        elif a == "--table" and args:
            table_path = args.pop(0)
        elif a.startswith("-"):
            print(__doc__.strip().splitlines()[-1], file=sys.stderr)
            return 2
        else:
            files.append(a)
    if not shutil.which("dpkg-query"):
        print("check-deps: dpkg-query not found: this check needs a Debian system", file=sys.stderr)
        return 2
    table, pkgs = read_table(table_path)
    tname = shown(table_path)
    if not files:
        files = [os.path.join(TOP, ".ci", "run")] + sorted(glob.glob(os.path.join(TOP, "scripts", "*.sh"))) + \
            sorted(glob.glob(os.path.join(TOP, "tests", "*.sh")))
    bad, seen = [], {}
    for path in files:
        for n, word in commands(path):
            seen.setdefault(word, f"{shown(path)}:{n}")
    for prog, where in sorted(seen.items()):
        if not shutil.which(prog) or shutil.which(prog).startswith(TOP):
            continue
        owner = dpkg_owner(prog)
        if owner is None:
            if verbose:
                print(f"check-deps: {prog} ({where}): not owned by a Debian package here; skipped")
            continue
        if prog in table:
            want = table[prog][0]
            if owner not in want.split("|"):
                bad.append(f"{prog} ({where}) comes from {owner}, but {tname} says {want}")
        elif not base_package(owner):
            bad.append(f"{prog} ({where}) comes from {owner}, which {tname} does not list "
                       "and a minimal Debian does not have")
        elif verbose:
            print(f"check-deps: {prog}: from {owner} (every Debian has it)")
    for prog, (pkg, _) in sorted(table.items()):
        owner = dpkg_owner(prog)
        if owner is not None and owner not in pkg.split("|"):
            bad.append(f"{tname}: {prog} comes from {owner} here, not {pkg}")
    for b in bad:
        print(f"check-deps: {b}", file=sys.stderr)
    if verbose or not bad:
        print(f"check-deps: {len(seen)} command words in {len(files)} files; {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
