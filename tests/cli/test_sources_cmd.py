"""The `curate sources` commands."""

from __future__ import annotations

import pytest
import yaml

from curation.config.manifest import bundled_manifest_path, load_manifest

from conftest import curate, line_of, write, manifest_text, entry

def test_cli_validate_reports_one_line_without_traceback(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"format: jsonl": "format: csv"}))
    bad = write(tmp_path, "bad.yaml", text)
    r = curate("sources", "validate", str(bad))
    assert r.returncode == 2, r
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {bad}:{line_of(text, 'format: csv')}: source 'x': field 'format'")
    assert r.stdout == ""


@pytest.mark.parametrize(
    "text",
    [
        manifest_text(entry("x", "X", **{"name: X": "name: X: Y"})),  # invalid YAML
        manifest_text(entry("x", "A"), entry("x", "B")),  # duplicate id
        manifest_text(entry("x", "X", **{"    location:": "    annotations: [tlsh]\n    location:"})),
    ],
    ids=["syntax", "duplicate", "annotation"],
)
def test_cli_validate_other_mistakes(tmp_path, text):
    bad = write(tmp_path, "bad.yaml", text)
    r = curate("sources", "validate", str(bad))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}:"), r.stderr


def test_cli_validate_missing_file(tmp_path):
    r = curate("sources", "validate", str(tmp_path / "absent.yaml"))
    assert r.returncode == 2
    assert r.stderr.splitlines() == [f"error: {tmp_path / 'absent.yaml'}: no such file"]


def test_cli_validate_good_files(tmp_path):
    r = curate("sources", "validate")
    assert r.returncode == 0, r.stderr
    assert f"{len(load_manifest().sources)} sources OK" in r.stdout
    good = write(tmp_path, "sources.yaml", manifest_text(entry("a", "A"), entry("b", "B")))
    r = curate("sources", "validate", str(good))
    assert r.returncode == 0, r.stderr
    assert "2 sources OK" in r.stdout
    pipe = write(tmp_path, "p.yaml", "name: p\nsources:\n  - use: hplt-es\n    location: sample://hplt/es/*.jsonl\n    format: jsonl\n  - use: eurlex\n    location: sample://eurlex/*.jsonl.gz\n")
    r = curate("sources", "validate", str(pipe))
    assert r.returncode == 0, r.stderr
    assert "pipeline 'p' OK (2 sources, 8 parts)" in r.stdout


def test_cli_validate_checks_locations_and_the_mixture_with_their_lines(tmp_path):
    """What `curate run` would refuse, `sources validate` refuses too, at the line to fix."""
    text = "name: p\nsources:\n  - use: eurlex\n    location: sample://eurlex/*.jsonl.gz\n  - use: hplt-es\nmixture: demo\n"
    pipe = write(tmp_path, "p.yaml", text)
    r = curate("sources", "validate", str(pipe))
    assert r.returncode == 2 and r.stderr.splitlines() == [f"error: {pipe}:5: source 'hplt-es': field 'location': no files match /data/raw/hplt-es/*.jsonl.zst"], r.stderr
    pipe.write_text(text.replace("  - use: hplt-es\n", "").replace("mixture: demo", "mixture: dmeo"))
    r = curate("sources", "validate", str(pipe))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and r.stderr.startswith(f"error: {pipe}:5: field 'mixture': dmeo: no such mixture file"), r.stderr


# --- `curate sources list / show` -----------------------------------------------------------------


def test_cli_sources_list():
    m = load_manifest()
    r = curate("sources", "list")
    assert r.returncode == 0, r.stderr
    assert f"{len(m.sources)} sources in {bundled_manifest_path()}" in r.stdout
    for s in m.sources:
        assert f" {s.id} " in r.stdout, s.id
    oscar_row = next(line for line in r.stdout.splitlines() if " colossal-oscar " in line)
    assert "jsonl.zst" in oscar_row and "remote" in oscar_row and "web" in oscar_row


def test_cli_sources_list_of_a_local_manifest(tmp_path):
    text = manifest_text(
        entry("here", "Here", **{"location: data/*.jsonl": "location: data/*.jsonl"}),
        entry("absent", "Absent", **{"location: data/*.jsonl": "location: nothing/*.jsonl"}),
    )
    path = write(tmp_path, "m/sources.yaml", text)
    (tmp_path / "m" / "data").mkdir()
    for n in ("a", "b"):
        (tmp_path / "m" / "data" / f"{n}.jsonl").write_text('{"text": "x"}\n')
    r = curate("sources", "list", "--manifest", str(path), cwd=tmp_path)  # locations: against the manifest
    assert r.returncode == 0, r.stderr
    assert "2 sources in" in r.stdout  # (the title wraps to the width of a narrow table)
    here = next(line for line in r.stdout.splitlines() if " here " in line)
    absent = next(line for line in r.stdout.splitlines() if " absent " in line)
    assert "2 files" in here
    assert "not found" in absent
    assert "es ca" in here and "CC0-1.0" in here


def test_cli_sources_show():
    r = curate("sources", "show", "colossal-oscar")
    assert r.returncode == 0, r.stderr
    shown = yaml.safe_load(r.stdout)
    oscar = load_manifest().get("colossal-oscar")
    assert shown == oscar.model_dump(mode="json", exclude_defaults=True)
    assert shown["id"] == "colossal-oscar" and shown["format"] == "jsonl.zst"
    assert shown["fields"]["text"] == "content"
    assert "no" in shown["languages"]


def test_cli_sources_show_by_name():
    r = curate("sources", "show", "starcoder (STARCODERDATA)")
    assert r.returncode == 0, r.stderr
    shown = yaml.safe_load(r.stdout)
    assert shown["id"] == "starcoder" and len(shown["programming_languages"]) == 92


def test_cli_sources_show_unknown():
    r = curate("sources", "show", "nope")
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nope" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
