"""Pipeline files (curation/config/pipeline.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import curation
from curation.core.errors import UserError
from curation.config.manifest import load_manifest, sample_dir
from curation.config.pipeline import load_pipeline

from conftest import curate, line_of, write, manifest_text, entry, assert_one_line_error

# --- pipeline files -------------------------------------------------------------------------------


def test_pipeline_unknown_use(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\n  - use: no-such-source\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "no-such-source"), "'use'", "no-such-source")


def test_pipeline_unknown_use_cli(tmp_path):
    path = write(tmp_path, "p.yaml", "name: t\nsources:\n  - use: no-such-source\n")
    r = curate("sources", "validate", str(path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:3:") and "'use'" in lines[0]


def test_pipeline_languages_must_be_a_subset(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\n    languages: [es, fr]\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    msg = assert_one_line_error(e.value, path, line_of(text, "use: hplt-es"), "source 'hplt-es'", "'languages'")
    assert "fr" in msg


def test_pipeline_languages_subset_applies(tmp_path):
    path = write(tmp_path, "p.yaml", "name: t\nsources:\n  - use: colossal-oscar\n    languages: [es, ca, eu]\n")
    (src,) = load_pipeline(path).sources
    assert src.languages == ["es", "ca", "eu"]


def test_pipeline_unknown_stage_option(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\nstages:\n  normalize:\n    nfcc: true\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "nfcc"), "stages.normalize.nfcc", "unknown key")


def test_pipeline_unknown_stage(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\nstages:\n  normalise: {nfc: true}\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "normalise"), "stages.normalise", "unknown key")


def test_pipeline_reference_cannot_override_other_keys(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\n    licence: MIT\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "licence"), "source 'hplt-es'", "'licence'", "unknown key")


def test_pipeline_bad_format_override(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\n    format: csv\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "format: csv"), "source 'hplt-es'", "'format'")


def test_pipeline_fields_override_must_keep_annotations(tmp_path):
    # fineweb-edu's edu_score annotation needs fields.metadata.edu_score: an override dropping it fails
    text = "name: t\nsources:\n  - use: fineweb-edu\n    fields: {text: text}\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "use: fineweb-edu"), "source 'fineweb-edu'", "fields.metadata.edu_score")


def test_pipeline_source_twice(tmp_path):
    text = "name: t\nsources:\n  - use: hplt-es\n  - use: hplt-es\n    format: jsonl\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "use: hplt-es", occurrence=2), "source 'hplt-es'", "twice")


def test_pipeline_bad_inline_source(tmp_path):
    text = "name: t\nsources:\n" + entry("mine", "Mine", **{"languages: [es, ca]": "languages: es"})
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, line_of(text, "languages: es"), "source 'mine'", "'languages'")


def test_pipeline_missing_name(tmp_path):
    text = "seed: 3\nsources:\n  - use: hplt-es\n"
    path = write(tmp_path, "p.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, 1, "'name'", "missing")


def test_valid_pipeline_resolves_sources(tmp_path):
    manifest = load_manifest()
    text = """
    name: t
    seed: 7
    sources:
      - use: hplt-es
        location: data/*.jsonl
        format: jsonl
      - use: eurlex
        location: sample://eurlex/*.jsonl.gz
        format: jsonl.gz
        fields: {text: body, id: celex, metadata: [date, title]}
      - use: starcoder
      - id: mine
        name: Mine
        languages: [gl]
        domain: web
        licence: CC0-1.0
        format: jsonl.zst
        location: local/x.jsonl.zst
    stages:
      read: {max_part_bytes: 4096}
      normalize: {nfc: false, max_blank_lines: 2}
      extract: {enabled: false}
    """
    path = write(tmp_path / "pipelines", "t.yaml", text)
    rp = load_pipeline(path)
    assert rp.path == str(path.resolve())
    assert rp.pipeline.name == "t" and rp.pipeline.seed == 7
    hplt, eurlex, starcoder, mine = rp.sources
    base = (tmp_path / "pipelines").resolve()

    # relative locations: against the pipeline file's folder, not the working directory
    assert hplt.location == str(base / "data" / "*.jsonl")
    assert hplt.format == "jsonl"  # override (the manifest says jsonl.zst)
    assert manifest.get("hplt-es").format == "jsonl.zst"
    assert hplt.fields == manifest.get("hplt-es").fields  # untouched
    assert hplt.licence == manifest.get("hplt-es").licence

    # sample:// -> the package's curation/sample folder
    assert eurlex.location == str(Path(curation.__file__).parent / "sample" / "eurlex" / "*.jsonl.gz")
    assert eurlex.location == str(sample_dir() / "eurlex" / "*.jsonl.gz")
    assert eurlex.fields.text == "body" and eurlex.fields.id == "celex"
    assert eurlex.fields.metadata == {"date": "date", "title": "title"}
    assert eurlex.languages == manifest.get("eurlex").languages
    assert eurlex.format == "jsonl.gz"

    # no override: the manifest entry as it is (remote URI unchanged)
    assert starcoder == manifest.get("starcoder")

    # inline entries are full sources, resolved the same way
    assert mine.id == "mine" and mine.languages == ["gl"] and mine.format == "jsonl.zst"
    assert mine.location == str(base / "local" / "x.jsonl.zst")

    stages = rp.pipeline.stages
    assert stages.read.max_part_bytes == 4096
    assert stages.normalize.nfc is False and stages.normalize.max_blank_lines == 2
    assert stages.normalize.fix_encoding is True  # defaults kept
    built = [s.name for s in stages.build()]
    assert "extract" not in built and built[0] == "normalize"  # disabled stages are not built; order kept


def test_pipeline_with_its_own_manifest(tmp_path):
    write(tmp_path, "corpora/sources.yaml", manifest_text(entry("local", "Local")))
    text = "name: t\nmanifest: ../corpora/sources.yaml\nsources:\n  - use: local\n"
    path = write(tmp_path, "pipelines/t.yaml", text)
    (src,) = load_pipeline(path).sources
    # the manifest's relative location resolves against the manifest's folder
    assert os.path.normpath(src.location) == str((tmp_path / "corpora").resolve() / "data" / "*.jsonl")

    text = "name: t\nmanifest: ../corpora/sources.yaml\nsources:\n  - use: hplt-es\n"
    path = write(tmp_path, "pipelines/u.yaml", text)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, 4, "'use'", "hplt-es", "corpora/sources.yaml")


def test_bundled_demo_pipeline_is_valid():
    from curation.config.pipeline import demo_pipeline_path

    rp = load_pipeline(demo_pipeline_path())
    assert rp.pipeline.name == "demo"
    assert {s.id for s in rp.sources} >= {"colossal-oscar", "starcoder", "fineweb-edu", "hplt-es"}
    for s in rp.sources:
        assert s.location.startswith(str(sample_dir())), s.location


