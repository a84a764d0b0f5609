"""The committed .pyi stubs name exactly what the module and the package export."""
import ast
import inspect
import pathlib

import veil
from veil import _veil

STUBS = pathlib.Path(veil.__file__).parent


def stub_names(path):
    tree = ast.parse(path.read_text())
    top, members = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            top.add(node.name)
            members[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} | {
                t.id for n in node.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
        elif isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            top.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            top |= {a.asname or a.name for a in node.names if a.asname}
    return top, members


def public(obj):
    return {n for n in dir(obj) if not n.startswith("_") or n in ("__init__", "__version__", "__len__")}


def test_native_module_stub_matches_the_module():
    top, members = stub_names(STUBS / "_veil.pyi")
    assert public(_veil) - {"__init__"} == top
    for name, names in members.items():
        cls = getattr(_veil, name)
        own = {n for n in public(cls) if n == "__init__" or not hasattr(Exception, n)}
        if issubclass(cls, Exception):
            own = {n for n in own if n in vars(cls) or n in ("reason", "message")}
        else:
            own = {n for n in own if n != "__init__" or "__init__" in vars(cls)}
        assert own - {"__init__"} <= names, f"{name}: not in the stub: {own - names}"
        assert names - {"__init__"} <= own | {"reason", "message"}, f"{name}: stub names too much: {names - own}"


def test_package_stub_matches_the_package():
    top, _ = stub_names(STUBS / "__init__.pyi")
    assert set(veil.__all__) == top - {"_Path"}


def test_everything_public_has_a_docstring():
    missing = [n for n in veil.__all__ if n != "__version__" and not inspect.getdoc(getattr(veil, n))]
    assert not missing, missing
    for cls in (veil.Profile, veil.Key, veil.Deidentifier, veil.FileResult, veil.BatchReport, veil.Image):
        for name in public(cls) - {"__init__"}:
            attr = getattr(cls, name)
            if callable(attr) and not isinstance(attr, type):
                assert inspect.getdoc(attr), f"{cls.__name__}.{name}"
