"""The bench's Python helpers (bench/, bench/peers/) for the tests beside this file, which run under
Debian's python3 with numpy and the standard library only.

summarize.py, paired_bootstrap.py and perturb.py import nothing more, so they are imported as
modules. The other peers import scikit-learn at the top for code these tests do not reach;
functions() compiles single functions from their source instead, so the tests check the very
code the bench runs without that import.
"""
import ast
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, "bench")
PEERS = os.path.join(BENCH, "peers")
for path in (PEERS, BENCH):
    if path not in sys.path:
        sys.path.insert(0, path)


def functions(script, *names, **module_globals):
    """The top-level functions, classes and constants `names` of bench/peers/<script> (in the
    order of the source), compiled from its source with
    module_globals (e.g. np=numpy) as their globals; tracebacks point at the script's own lines."""
    path = os.path.join(PEERS, script)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    found, defined = [], set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            found.append(node)
            defined.add(node.name)
        elif isinstance(node, ast.Assign):  # a constant: NAME = ... or A, B = ...
            targets = [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            assigned = {t.id for t in targets if isinstance(t, ast.Name)} & set(names)
            if assigned:
                found.append(node)
                defined |= assigned
    missing = set(names) - defined
    if missing:
        raise ImportError("%s has no function %s" % (path, ", ".join(sorted(missing))))
    namespace = dict(module_globals, __name__=script[:-len(".py")])
    exec(compile(ast.Module(body=found, type_ignores=[]), path, "exec"), namespace)
    return [namespace[name] for name in names]
