#!/usr/bin/env python3
"""The module graph points one way (TAP).

f2b-lite/meson.build lists the folders lowest layer first (f2b_layers).  A
module (a .c/.h pair) may include the headers of its own folder and of lower
folders only, and the modules' include graph has no cycle, inside a folder
either; no .c file is over 1,500 lines.  Each violation is one failed check naming the file and the include.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
src = os.path.join(root, 'f2b-lite')
meson = open(os.path.join(src, 'meson.build')).read()
m = re.search(r"f2b_layers\s*=\s*\[([^\]]*)\]", meson)
if not m:
    print("1..1\nnot ok 1 - f2b_layers found in f2b-lite/meson.build")
    sys.exit(1)
layers = re.findall(r"'([^']+)'", m.group(1))
rank = {g: i for i, g in enumerate(layers)}

folder = {}         # module -> folder
files = []          # (path, module, folder)
for g in layers:
    for f in sorted(os.listdir(os.path.join(src, g))):
        if f.endswith(('.c', '.h')):
            mod = f[:-2]
            folder[mod] = g
            files.append((os.path.join(g, f), mod, g))

inc = re.compile(r'^\s*#\s*include\s+"([^"/]+)\.h"', re.M)
edges = {}          # module -> {module: first file:line that includes it}
checks = []         # (ok, description, diagnostics)
unknown = []
for path, mod, g in files:
    text = open(os.path.join(src, path)).read()
    for mm in inc.finditer(text):
        dep = mm.group(1)
        line = text.count('\n', 0, mm.start()) + 1
        if dep not in folder:
            if dep not in ('private',) and not dep.endswith('_cases') and not os.path.exists(
                    os.path.join(src, g, dep + '.h')):
                unknown.append(f"{path}:{line}: includes {dep}.h, found in no folder")
            continue
        if dep == mod:
            continue
        edges.setdefault(mod, {}).setdefault(dep, f"{path}:{line}")
        if rank[folder[dep]] > rank[g]:
            checks.append((False, f"{path}:{line}: {g}/{mod} includes {folder[dep]}/{dep}.h, a higher layer", None))

# one responsibility per file: none over MAX_LINES lines
MAX_LINES = 1500
for path, mod, g in files:
    if path.endswith('.c'):
        with open(os.path.join(src, path)) as fp:
            nl = sum(1 for _ in fp)
        if nl > MAX_LINES:
            checks.append((False, f"{path}: {nl} lines, over {MAX_LINES}", None))

# cycles: Tarjan's strongly connected components
index, low, stack, on, sccs = {}, {}, [], set(), []
sys.setrecursionlimit(10000)


def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in edges.get(v, {}):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in sorted(folder):
    if v not in index:
        strong(v)
for comp in sccs:
    where = [f"{a} -> {b} ({edges[a][b]})" for a in comp for b in edges.get(a, {}) if b in comp]
    checks.append((False, "an include cycle: " + " ".join(comp), where))

n = 0
bad = [c for c in checks if not c[0]]
print(f"1..{4 + len(bad)}")
for okk, desc, diag in bad:
    n += 1
    print(f"not ok {n} - {desc}")
    for d in diag or []:
        print(f"# {d}")
n += 1
print(("ok" if not [c for c in bad if 'cycle' in c[1]] else "not ok") + f" {n} - no include cycle among {len(folder)} modules")
n += 1
print(("ok" if not [c for c in bad if 'higher layer' in c[1]] else "not ok") +
      f" {n} - every include points to its own layer or a lower one ({' < '.join(layers)})")
n += 1
print(("ok" if not [c for c in bad if 'lines, over' in c[1]] else "not ok") +
      f" {n} - no .c file over {MAX_LINES} lines")
n += 1
print(("ok" if not unknown else "not ok") + f" {n} - every quoted include names a module of f2b-lite")
for u in unknown:
    print(f"# {u}")
sys.exit(1 if bad or unknown else 0)
