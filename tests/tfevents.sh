#!/usr/bin/env bash
# tfevents.sh - TensorBoard event files checked with Debian's `protoc --decode_raw`, not with our own code:
# every record's TFRecord framing and both masked CRC-32Cs, every record decoded by protoc, the first one's
# file_version, every scalar equal to the run's metrics.csv (train/val/test loss and acc, lr, penalty; step =
# epoch; none for an empty cell) and the same non-empty set of histograms every epoch; the HParams plugin's
# session start (hyper-parameters: the run's --set overrides and seed from summary.json, and its group) and
# end (its status) as plugin_data.proto encodes them.
# usage: tfevents.sh TARGET...
#   TARGET is a run directory (events.out.tfevents.* and metrics.csv), or the test_tfevents helper, which is
#   run as `test_tfevents --write DIR` to make one; with the helper, a corrupted copy must be rejected too.
# Exits 77 (skipped) when protoc (package protobuf-compiler) is missing and cannot be installed.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

if ! command -v protoc > /dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q protobuf-compiler > "$tmp/apt.log" 2>&1 ||
      { apt-get update -q > /dev/null 2>&1 && apt-get install -y -q protobuf-compiler > "$tmp/apt.log" 2>&1; }
  fi
  if ! command -v protoc > /dev/null; then
    echo "SKIPPED: protoc is not installed (Debian package protobuf-compiler) and could not be installed"
    exit 77
  fi
fi
command -v python3 > /dev/null || { echo "SKIPPED: python3 is missing"; exit 77; }

cat > "$tmp/tfcheck.py" << 'PY'
"""check RUN_DIR: decode a run's event files with protoc and compare with metrics.csv;
corrupt FILE crc|value: spoil a copy (a data byte; or the first scalar's value, CRC fixed up)."""
import codecs, csv, decimal, glob, json, os, struct, subprocess, sys

TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    TABLE.append(c)

def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF

def masked(b):
    c = crc32c(b)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def records(path):
    """(offset, data) of each record; raises ValueError on bad framing or CRC."""
    b = open(path, "rb").read()
    at, out = 0, []
    while at < len(b):
        if len(b) - at < 12:
            raise ValueError("%s: record %d: truncated header" % (path, len(out)))
        n, hc = struct.unpack_from("<QI", b, at)
        if hc != masked(b[at:at + 8]):
            raise ValueError("%s: record %d: length CRC mismatch" % (path, len(out)))
        if at + 12 + n + 4 > len(b):
            raise ValueError("%s: record %d: truncated data" % (path, len(out)))
        data = b[at + 12:at + 12 + n]
        if struct.unpack_from("<I", b, at + 12 + n)[0] != masked(data):
            raise ValueError("%s: record %d: data CRC mismatch" % (path, len(out)))
        out.append((at, data))
        at += 12 + n + 4
    return out

def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])

def parse(text):
    """protoc --decode_raw text as nested lists of (field, token or list)."""
    stack = [[]]
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s == "}":
            stack.pop()
        elif s.endswith("{"):
            node = []
            stack[-1].append((int(s[:-1]), node))
            stack.append(node)
        else:
            f, _, v = s.partition(": ")
            stack[-1].append((int(f), v))
    return stack[0]

def get(msg, field, want=None):
    vals = [v for f, v in msg if f == field and (want is None or isinstance(v, want))]
    return vals[0] if len(vals) == 1 else None

def f32(tok):
    return struct.unpack("<f", struct.pack("<I", int(tok, 0)))[0]

def f64(tok):
    return struct.unpack("<d", struct.pack("<Q", int(tok, 0)))[0]

def string(tok):
    if not (tok.startswith('"') and tok.endswith('"')):
        return None
    return codecs.escape_decode(tok[1:-1].encode())[0].decode("utf-8")

# metrics.csv column -> scalar tag; a column metrics.csv lacks is not checked
COLUMNS = {"train_loss": "train/loss", "train_acc": "train/acc", "val_loss": "val/loss", "val_acc": "val/acc",
           "test_loss": "test/loss", "test_acc": "test/acc", "lr": "lr", "penalty": "penalty",
           "train_eval_loss": "train_eval/loss", "train_eval_acc": "train_eval/acc"}

def hparams_record(tag, step, val, sessions):
    """A "_hparams_/..." value (the HParams plugin, tensorboard/plugins/hparams/plugin_data.proto):
    metadata (9) { plugin_data (1) { plugin_name (1) "hparams", content (2) HParamsPluginData } };
    HParamsPluginData { version (1) 0, omitted; session_start_info (3) | session_end_info (4) }.
    Appends ("start", step, hparams dict, group, start time) or ("end", step, status, end time)."""
    pd = get(get(val, 9, list) or [], 1, list) or []
    content = get(pd, 2, list)
    if string(get(pd, 1, str) or "") != "hparams" or content is None:
        return "%s: no plugin_data of plugin hparams: %s" % (tag, val)
    if get(content, 1, str) not in (None, "0"):
        return "%s: plugin data version %s, not 0" % (tag, get(content, 1, str))
    start, end = get(content, 3, list), get(content, 4, list)
    if tag == "_hparams_/session_start_info" and start is not None:
        hp = {}
        for f, entry in start:
            if f != 1:
                continue
            key, value = string(get(entry, 1, str) or ""), get(entry, 2, list) or []
            kinds = [(k, v) for k, v in value]
            if len(kinds) != 1 or kinds[0][0] not in (2, 3, 4):
                return "%s: hparam %s: not one number, string or bool: %s" % (tag, key, value)
            k, v = kinds[0]
            hp[key] = f64(v) if k == 2 else string(v) if k == 3 else bool(int(v))
        t = get(start, 5, str)
        sessions.append(("start", step, hp, string(get(start, 4, str) or ""), f64(t) if t else None))
    elif tag == "_hparams_/session_end_info" and end is not None:
        t = get(end, 2, str)
        sessions.append(("end", step, int(get(end, 1, str) or "0"), f64(t) if t else None))
    else:
        return "%s: holds neither a session start (3) nor a session end (4): %s" % (tag, content)
    return None

def check_sessions(run, sessions, last_epoch):
    """The HParams records against summary.json: one session start at step 0 whose hparams are the
    --set overrides (but name, seed, threads, output.*; a JSON number, bool or string, else the text) and
    the seed, with the group (the config's name and those overrides, or the name a sweep gives a setting) and
    a start time; one end with status 1 (ok, patience) or 2 (diverged) after the
    last epoch, none for a run that did not end. A directory without summary.json (the helper's) has none."""
    starts = [x for x in sessions if x[0] == "start"]
    ends = [x for x in sessions if x[0] == "end"]
    path = os.path.join(run, "summary.json")
    if not os.path.exists(path):
        return ["%s: HParams records without summary.json: %s" % (run, sessions)] if sessions else []
    summ = json.load(open(path))
    want, named, group = {}, False, summ["name"]
    for o in summ.get("overrides", []):
        k, _, v = o.partition("=")
        named |= k == "name"
        if k in ("name", "seed", "threads") or k.startswith("output."):
            continue
        group += " " + o
        try:
            v = json.loads(v)
        except ValueError:
            pass
        want[k] = v if isinstance(v, (bool, str)) else float(v) if isinstance(v, (int, float)) else o.partition("=")[2]
    want["seed"] = float(summ["seed"])
    errors = []
    if len(starts) != 1:
        errors.append("%s: %d HParams session starts, expected 1" % (run, len(starts)))
    else:
        _, step, hp, _, t = starts[0]
        group = summ["name"] if named else group  # a sweep names each setting (the same for its seeds)
        if "--resume" in summ.get("command", ""):
            # summary.json has the resume's overrides; the start is the first run's: its hyper-parameters
            # are keys of config.json with its values (training.epochs, which a resume may change, aside)
            cfg, want = json.load(open(os.path.join(run, "config.json"))), {"seed": want["seed"]}
            for k in hp:
                node = cfg
                for part in k.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                want[k] = hp[k] if k == "training.epochs" else node if not isinstance(node, (int, float)) or \
                    isinstance(node, bool) else float(node)
            group = starts[0][3] if starts[0][3].startswith(summ["name"]) else summ["name"]
        if step != 0 or hp != want or starts[0][3] != group or not t:
            errors.append("%s: session start step %d, group %r, time %s, hparams %s; expected step 0, group %r, a"
                          " time and %s" % (run, step, starts[0][3], t, hp, group, want))
    status = 2 if summ.get("stop_reason") == "diverged" else 1 if summ.get("status") == "ok" else None
    if status is None and ends:
        errors.append("%s: a session end for a run that did not end: %s" % (run, ends))
    if status is not None and (len(ends) != 1 or ends[0][2] != status or ends[0][1] <= last_epoch or not ends[0][3]):
        errors.append("%s: session ends %s; expected one with status %d after step %d" % (run, ends, status, last_epoch))
    return errors

def check(run):
    errors = []
    files = sorted(glob.glob(os.path.join(run, "events.out.tfevents.*")))
    if not files:
        return ["%s: no events.out.tfevents.* file" % run]
    scalars, histos, n_rec, sessions = {}, {}, 0, []
    for path in files:  # in name (= time) order: a later file's value for a (tag, step) wins, as a resumed run's
        try:
            recs = records(path)
        except ValueError as e:
            return [str(e)]
        # one protoc run per file: the records as the repeated field 1 of a wrapper message, which protoc
        # prints as nested messages when (and only when) each one decodes as a message
        wrapped = b"".join(b"\x0a" + varint(len(d)) + d for _, d in recs)
        p = subprocess.run(["protoc", "--decode_raw"], input=wrapped, capture_output=True)
        top = parse(p.stdout.decode()) if p.returncode == 0 else []
        if p.returncode != 0 or len(top) != len(recs):
            return ["%s: protoc --decode_raw failed: %s" % (path, p.stderr.decode().strip())]
        for i, (f, ev) in enumerate(top):
            n_rec += 1
            if f != 1 or not isinstance(ev, list):
                errors.append("%s: record %d: protoc does not decode it as a message: %s" % (path, i, ev))
                continue
            if get(ev, 1, str) is None:
                errors.append("%s: record %d: no wall_time" % (path, i))
            if i == 0:
                if string(get(ev, 3, str) or "") != "brain.Event:2" or get(ev, 5) is not None:
                    errors.append("%s: first record is not file_version brain.Event:2: %s" % (path, ev))
                continue
            step, summ = get(ev, 2, str), get(ev, 5, list)
            vals = [v for f, v in summ or [] if f == 1 and isinstance(v, list)]
            if step is None or len(vals) != 1:
                errors.append("%s: record %d: not a step with one summary value: %s" % (path, i, ev))
                continue
            step = int(step)
            step = step - (1 << 64) if step >= 1 << 63 else step
            val = vals[0]
            tag = string(get(val, 1, str) or "")
            simple, histo = get(val, 2, str), get(val, 5, list)
            if tag.startswith("_hparams_/"):
                err = hparams_record(tag, step, val, sessions)
                if err:
                    errors.append("%s: record %d: %s" % (path, i, err))
            elif not tag or (simple is None) == (histo is None):
                errors.append("%s: record %d: not a tagged scalar or histogram: %s" % (path, i, val))
            elif simple is not None:
                scalars[(tag, step)] = f32(simple)
            else:
                h = [get(histo, k, str) for k in range(1, 6)]
                if None in h:
                    errors.append("%s: record %d: histogram %s lacks min/max/num/sum/sum_squares" % (path, i, tag))
                    continue
                lo, hi, num = f64(h[0]), f64(h[1]), f64(h[2])
                if not (num >= 1 and lo <= hi):
                    errors.append("%s: histogram %s step %d: num %g, min %g, max %g" % (path, tag, step, num, lo, hi))
                histos.setdefault(step, set()).add(tag)
    rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
    if not rows:
        errors.append("%s/metrics.csv: no rows" % run)
    steps, n_cmp = set(), 0
    for row in rows:
        ep = int(row["epoch"])
        steps.add(ep)
        for col, tag in COLUMNS.items():
            if row.get(col) is None:
                continue
            cell, got = row[col].strip(), scalars.get((tag, ep))
            if cell == "":
                if got is not None:
                    errors.append("%s step %d = %r, but metrics.csv has no %s" % (tag, ep, got, col))
                continue
            want = float(cell)
            # the csv's rounding (half its last digit: "%.4f" accuracies) plus float32's (the event's type)
            tol = 0.5 * 10.0 ** decimal.Decimal(cell).as_tuple().exponent + 6e-8 * abs(want) + 1e-45
            if got is None:
                errors.append("no %s scalar at step %d (metrics.csv %s = %s)" % (tag, ep, col, cell))
            elif not abs(got - want) <= tol:
                errors.append("%s step %d = %.9g, metrics.csv %s = %s" % (tag, ep, got, col, cell))
            else:
                n_cmp += 1
    errors += check_sessions(run, sessions, max(steps) if steps else 0)
    checked = {COLUMNS[c] for c in COLUMNS if rows and c in rows[0]}
    for (tag, step) in scalars:
        if tag in checked and step not in steps:
            errors.append("scalar %s at step %d, an epoch metrics.csv does not have" % (tag, step))
    sets = {frozenset(histos.get(ep, ())) for ep in steps}
    if len(sets) != 1 or not next(iter(sets)):
        errors.append("the histograms differ between epochs or are missing: %s" % histos)
    n_h = sum(len(v) for v in histos.values())
    if not errors:
        print("%s: %d records in %d file(s) decoded by protoc; %d scalars equal metrics.csv; %d histograms"
              " (%d tensors x %d epochs)" % (run, n_rec, len(files), n_cmp, n_h, len(next(iter(sets))), len(steps)))
    return errors

def corrupt(path, how):
    recs = records(path)
    b = bytearray(open(path, "rb").read())
    at, data = recs[1]  # the first scalar: its float is the data's last 4 bytes
    if how == "crc":
        b[at + 12 + len(data) // 2] ^= 0x10
    else:
        b[at + 12 + len(data) - 1] ^= 0x01
        b[at + 12 + len(data):at + 16 + len(data)] = struct.pack("<I", masked(bytes(b[at + 12:at + 12 + len(data)])))
    open(path, "wb").write(b)

if __name__ == "__main__":
    if sys.argv[1] == "corrupt":
        corrupt(sys.argv[2], sys.argv[3])
        sys.exit(0)
    errs = check(sys.argv[2])
    for e in errs:
        print(e, file=sys.stderr)
    sys.exit(1 if errs else 0)
PY

[[ $# -ge 1 ]] || { echo "usage: tfevents.sh TEST_TFEVENTS_OR_RUN_DIR..." >&2; exit 2; }
k=0
for target in "$@"; do
  k=$((k + 1))
  if [[ -d $target ]]; then
    python3 "$tmp/tfcheck.py" check "$target" && ok || no "$target"
    continue
  fi
  run=$tmp/example$k
  if ! "$target" --write "$run" > "$tmp/path" 2> "$tmp/err"; then
    no "$target --write $run: $(cat "$tmp/err")"
    continue
  fi
  python3 "$tmp/tfcheck.py" check "$run" && ok || no "the example run"
  # the checker itself: a spoiled byte (a CRC) and a spoiled value (CRCs fixed up) must each be caught
  for how in crc value; do
    rm -rf "$run.$how" && cp -r "$run" "$run.$how"
    python3 "$tmp/tfcheck.py" corrupt "$run.$how/$(basename "$(cat "$tmp/path")")" "$how" || { no "corrupt $how"; continue; }
    if python3 "$tmp/tfcheck.py" check "$run.$how" 2> "$tmp/err"; then
      no "a corrupted file ($how) passed"
    else
      ok; echo "rejected as it should be ($how): $(head -1 "$tmp/err")"
    fi
  done
done
finish
