"""The package's layering: no import cycle anywhere in curation/, function-level imports included
(tools/import_cycles.py), and the cycle finder itself finds a planted cycle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import load_tool

ROOT = Path(__file__).resolve().parent.parent
import_cycles = load_tool("import_cycles")


def test_no_import_cycle_in_the_package():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "import_cycles.py")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert r.stdout.strip() == "no import cycles"


def test_the_cycle_finder_sees_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles.cycles(edges) == [["a", "b", "c"]]
    assert import_cycles.cycles({"a": {"b"}, "b": set()}) == []


def test_function_level_imports_count(tmp_path):
    pkg = tmp_path / "curation"
    (pkg / "low").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "high.py").write_text("from curation.low.base import thing\n")
    # the import that dodges the cycle at run time is still a dependency
    (pkg / "low" / "base.py").write_text("def thing():\n    from curation.high import other\n    return other\n")
    edges = import_cycles.graph(pkg)
    assert edges["curation.low.base"] == {"curation.high"}
    assert import_cycles.cycles(edges) == [["curation.high", "curation.low.base"]]


# ARCHITECTURE.md's layers, top to bottom; "top" is runner, cli, train, bench, evals.
LAYERS = ["core", "config", "formats", "readers", "stages", "engine", "phases", "reports", "top"]
# The one sanctioned exception: the pipeline's config sections are assembled from the config classes
# that stages and phases declare beside their code.
ASSEMBLERS = {"curation.config.stages", "curation.config.pipeline"}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "top"


def test_no_module_imports_from_a_layer_below_its_own():
    below = sorted(f"{a} -> {b}" for a, targets in import_cycles.graph().items() for b in targets
                   if a not in ASSEMBLERS and LAYERS.index(_layer(b)) > LAYERS.index(_layer(a)))
    assert below == []
