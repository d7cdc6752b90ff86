#!/usr/bin/env bash
# Every program that .ci/run, scripts/ and tests/ call comes from a package scripts/setup.sh installs
# (scripts/packages.txt) or from one every Debian system has (scripts/check-deps.py); and the check
# itself fails on a script that calls a program no listed package provides (man without man-db, as
# tests/install.sh did before man-db joined the table).
# usage: deps.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$src/tests/lib.sh"
check=$src/scripts/check-deps.py

python3 "$check" > "$tmp/out" 2> "$tmp/err" && ok || no "the scripts call programs setup.sh does not install: $(cat "$tmp/err")"

# the check can fail: a table without man-db, and a script that renders the man page with man or groff
grep -v '^man-db ' "$src/scripts/packages.txt" > "$tmp/table"
cat > "$tmp/render.sh" <<'SH'
#!/usr/bin/env bash
x=$(man -l page.1 | head -3) || groff -man -Tutf8 page.1 > page.txt  # "echo; file" in a message is not a call
SH
python3 "$check" --table "$tmp/table" "$tmp/render.sh" > "$tmp/out" 2> "$tmp/err"
[[ $? -eq 1 ]] && ok || no "check-deps passed a script calling man without man-db: $(cat "$tmp/err")"
has "$tmp/err" "render.sh:2) comes from man-db, which $tmp/table does not list"
has "$tmp/err" "render.sh:2) comes from groff-base"
grep -q "file" "$tmp/err" && no "a word inside a quoted message was taken for a command: $(cat "$tmp/err")" || ok

# a table naming the wrong package for a program is caught too
sed 's/^cmake  /cmake-data/' "$src/scripts/packages.txt" > "$tmp/table2"
python3 "$check" --table "$tmp/table2" > "$tmp/out" 2> "$tmp/err"
[[ $? -eq 1 ]] && ok || no "check-deps accepted cmake listed under cmake-data"
has "$tmp/err" "cmake-data"
finish
