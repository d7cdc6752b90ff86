#!/usr/bin/env python3
"""Headers point downward only: core < nn < data < io < run < cli.

Reads the #include "..." lines of src/<layer>/*.{c,h} and include/rm_*.h. A header's layer is the folder
of its implementation (include/rm_X.h -> src/<layer>/X.c; LAYER_OF names the few without one). A file may
include headers of its own layer or a lower one; every upward include is an error unless EXCEPTIONS lists
it with the reason. Modules (a header with its .c) must not depend on each other in a cycle.

usage: tests/layers.py SOURCE_DIR     (exit 0 ok, 1 a violation, printed one per line)
"""
import glob, os, re, sys

ORDER = ["core", "nn", "data", "io", "run", "cli"]
# Headers whose implementation is not one src/<layer>/<name>.c.
LAYER_OF = {"rm_cli.h": "cli", "rm_layers.h": "nn", "rm_progress.h": "run"}
# (including file, included header): why the upward include is right. Empty: none is needed today.
EXCEPTIONS = {}


def main(top):
    layer, module_files = {}, {}
    for h in glob.glob(os.path.join(top, "include", "rm_*.h")):
        name = os.path.basename(h)
        impl = glob.glob(os.path.join(top, "src", "*", name[3:-2] + ".c"))
        layer[name] = LAYER_OF.get(name) or (os.path.basename(os.path.dirname(impl[0])) if impl else None)
        if layer[name] is None:
            print(f"layers: include/{name}: no src/<layer>/{name[3:-2]}.c and not in LAYER_OF")
            return 1
        module_files[name] = [h] + impl
    files = [(f, os.path.basename(os.path.dirname(f))) for f in glob.glob(os.path.join(top, "src", "*", "*.[ch]"))]
    for f in glob.glob(os.path.join(top, "src", "*", "*.h")):  # module-private headers live with their layer
        layer[os.path.basename(f)] = os.path.basename(os.path.dirname(f))
    files += [(h, layer[os.path.basename(h)]) for h in glob.glob(os.path.join(top, "include", "rm_*.h"))]
    bad = []
    deps = {}
    for f, own in files:
        rel = os.path.relpath(f, top)
        with open(f) as fh:
            for n, line in enumerate(fh, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m or m.group(1) not in layer:
                    continue
                inc = m.group(1)
                if ORDER.index(layer[inc]) > ORDER.index(own) and (rel, inc) not in EXCEPTIONS:
                    bad.append(f"{rel}:{n}: {own} includes {inc} of {layer[inc]}, a higher layer")
        mod = next((k for k, fs in module_files.items() if f in fs), None)
        if mod:
            with open(f) as fh:
                for inc in re.findall(r'^\s*#\s*include\s+"(rm_[a-z_0-9]+\.h)"', fh.read(), re.M):
                    if inc != mod and inc in module_files:
                        deps.setdefault(mod, set()).add(inc)
    # cycles between modules: a depth-first search over the dependency graph
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(deps.get(m, ())):
            if state.get(d) == 1:
                bad.append("module cycle: " + " -> ".join(stack[stack.index(d):] + [d]))
            elif not state.get(d):
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(module_files):
        if not state.get(m):
            visit(m)
    for b in bad:
        print(f"layers: {b}")
    if not bad:
        print(f"layers: {len(files)} files, every include points down or sideways, no module cycle")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    sys.exit(main(os.path.abspath(sys.argv[1])))
