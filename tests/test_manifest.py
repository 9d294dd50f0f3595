"""Source manifests, pipeline files and the `curate sources` commands.

Every user mistake in a YAML file must come back as a UserError of one line per mistake that names the
file, the line, the entry and the field, and the CLI must print it as `error: ...` (exit 2, no traceback).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import curation
from curation.errors import UserError
from curation.manifest import TARGET_LANGUAGES, Source, bundled_manifest_path, load_manifest, sample_dir
from curation.pipeline import load_pipeline

# Sources of the Salamandra card that the bundled manifest must carry (ids as in sources.yaml).
KEY_SOURCES = [
    "colossal-oscar", "starcoder", "fineweb-edu", "hplt-es", "eurlex", "mc4-legal", "macocu", "curlicat",
    "wikimedia", "opensubtitles", "parlamint", "aya", "ncc", "catalog", "corpusnos", "euscrawl", "latxa",
    "legal-es", "french-pd-books", "pes2o",
]


def curate(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "curation.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the `occurrence`-th match of `needle`."""
    seen = 0
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return n
    raise AssertionError(f"{needle!r} not in the test YAML")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# --- the bundled manifest -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest():
    return load_manifest()


def test_bundled_manifest_is_the_package_file(manifest):
    path = bundled_manifest_path()
    assert path.is_file()
    assert path == Path(curation.__file__).parent / "data" / "sources.yaml"
    # load_manifest() and load_manifest(<that path>) are the same manifest
    assert load_manifest(path) == manifest
    assert len(manifest.sources) >= len(KEY_SOURCES)


@pytest.mark.parametrize("source_id", KEY_SOURCES)
def test_key_sources_are_complete(manifest, source_id):
    src = manifest.get(source_id)
    assert src is not None, f"{source_id} missing from the bundled sources.yaml"
    assert isinstance(src, Source)
    assert src.licence.strip()
    assert src.languages and all(isinstance(lang, str) for lang in src.languages)
    assert src.format in ("jsonl", "jsonl.gz", "jsonl.zst", "parquet", "warc")
    assert src.location.strip()
    assert src.fields.text


def test_source_ids_are_unique(manifest):
    ids = [s.id for s in manifest.sources]
    assert len(ids) == len(set(ids))


def test_starcoder_has_92_programming_languages(manifest):
    sc = manifest.get("starcoder")
    assert sc.languages == ["code"]
    assert len(sc.programming_languages) == 92
    assert len(set(sc.programming_languages)) == 92
    assert {"python", "java", "c", "cpp", "rust", "yaml"} <= set(sc.programming_languages)
    assert sc.fields.programming_language == "{dir}"


def test_every_target_language_is_covered(manifest):
    assert len(TARGET_LANGUAGES) == 35
    assert len(set(TARGET_LANGUAGES)) == 35
    covered = {lang for s in manifest.sources for lang in s.languages}
    missing = sorted(set(TARGET_LANGUAGES) - covered)
    assert not missing, f"no source covers {missing}"


def test_norwegian_is_not_read_as_a_boolean(manifest):
    # unquoted `no` is YAML's false: the manifest must quote it
    oscar = manifest.get("colossal-oscar")
    assert "no" in oscar.languages
    assert set(oscar.languages) == set(TARGET_LANGUAGES)


def test_annotated_sources_carry_their_annotation_paths(manifest):
    oscar = manifest.get("colossal-oscar")
    assert oscar.format == "jsonl.zst"
    assert {"quality_warnings", "harmful_pp"} <= set(oscar.annotations)
    for src in manifest.sources:
        for a in src.annotations:
            assert a in src.fields.metadata, (src.id, a)


# --- manifest errors ------------------------------------------------------------------------------

GOOD_ENTRY = """\
  - id: {id}
    name: {name}
    languages: [es, ca]
    domain: web
    licence: CC0-1.0
    format: jsonl
    location: data/*.jsonl
"""


def manifest_text(*entries: str) -> str:
    return "version: 1\nsources:\n" + "".join(entries)


def entry(id: str = "x", name: str = "X", **replace: str) -> str:
    text = GOOD_ENTRY.format(id=id, name=name)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


def assert_one_line_error(exc: UserError, path: Path, line: int, *needles: str) -> str:
    msg = str(exc)
    assert len(msg.splitlines()) == 1, msg
    assert msg.startswith(f"{path}:{line}: "), msg
    for needle in needles:
        assert needle in msg, (needle, msg)
    assert "Traceback" not in msg
    return msg


def test_a_good_manifest_loads(tmp_path):
    path = write(tmp_path, "sources.yaml", manifest_text(entry("a", "A"), entry("b", "B")))
    m = load_manifest(path)
    assert [s.id for s in m.sources] == ["a", "b"]
    assert m.get("b").languages == ["es", "ca"]
    assert m.get("nope") is None


def test_unknown_key(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"    licence: CC0-1.0\n": "    licence: CC0-1.0\n    licnce: MIT\n"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    msg = assert_one_line_error(e.value, path, line_of(text, "licnce:"), "source 'x'", "'licnce'")
    assert "unknown key" in msg


def test_unknown_key_inside_fields(tmp_path):
    text = manifest_text(entry("x", "X", **{"    format: jsonl\n": "    format: jsonl\n    fields:\n      text: body\n      idd: id\n"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "idd:"), "source 'x'", "fields.idd", "unknown key")


def test_line_of_a_key_whose_value_is_a_block(tmp_path):
    # the line is the key's, not that of the block under it
    text = manifest_text(entry("x", "X", **{"    format: jsonl\n": "    format: jsonl\n    fields:\n      - text\n      - id\n"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "fields:"), "source 'x'", "'fields'")


def test_languages_given_as_a_string(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"languages: [es, ca]": 'languages: "es"'}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, 'languages: "es"'), "source 'x'", "'languages'")


def test_unsupported_format(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"format: jsonl": "format: csv"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    msg = assert_one_line_error(e.value, path, line_of(text, "format: csv"), "source 'x'", "'format'")
    assert "jsonl.zst" in msg  # says what is allowed


def test_unquoted_norwegian_is_norwegian(tmp_path):
    # YAML 1.1 would read `no` as false; manifests read only true/false as booleans
    text = manifest_text(entry("x", "X", **{"languages: [es, ca]": "languages: [es, no, nn]"}))
    src = load_manifest(write(tmp_path, "sources.yaml", text)).get("x")
    assert src.languages == ["es", "no", "nn"]


def test_language_that_is_not_a_code(tmp_path):
    text = manifest_text(entry("x", "X", **{"languages: [es, ca]": "languages: [es, true]"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "languages:"), "source 'x'", "languages.1")


def test_missing_required_field(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"    licence: CC0-1.0\n": ""}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    # no line holds the missing key: the entry's own line is given
    assert_one_line_error(e.value, path, line_of(text, "- id: x"), "source 'x'", "'licence'", "missing")


def test_one_line_per_mistake(tmp_path):
    text = manifest_text(
        entry("a", "A", **{"format: jsonl": "format: csv"}),
        entry("b", "B", **{"    licence: CC0-1.0\n": ""}),
    )
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    lines = str(e.value).splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{path}:{line_of(text, 'format: csv')}: source 'a': field 'format'")
    assert lines[1].startswith(f"{path}:{line_of(text, '- id: b')}: source 'b': field 'licence'")


def test_missing_file(tmp_path):
    path = tmp_path / "nope" / "sources.yaml"
    with pytest.raises(UserError) as e:
        load_manifest(path)
    msg = str(e.value)
    assert len(msg.splitlines()) == 1
    assert str(path) in msg and "no such file" in msg


def test_duplicate_source_id(tmp_path):
    text = manifest_text(entry("x", "First"), entry("y", "Y"), entry("x", "Second"))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    msg = assert_one_line_error(e.value, path, line_of(text, "- id: x", occurrence=2), "source 'x'", "'id'")
    assert "duplicate" in msg


def test_invalid_yaml_syntax(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"name: X": "name: X: Y"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    # a syntax error has no entry or field yet; it names the file and the line
    assert_one_line_error(e.value, path, line_of(text, "name: X: Y"), "invalid YAML")


def test_annotation_without_its_metadata_path(tmp_path):
    text = manifest_text(entry("a", "A"), entry("x", "X", **{"    location:": "    annotations: [edu_score]\n    location:"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "- id: x"), "source 'x'", "edu_score", "fields.metadata.edu_score")


def test_annotation_with_its_metadata_path_is_fine(tmp_path):
    text = manifest_text(entry("x", "X", **{"    location:": "    annotations: [edu_score]\n    fields: {metadata: {edu_score: score}}\n    location:"}))
    src = load_manifest(write(tmp_path, "sources.yaml", text)).get("x")
    assert src.annotations == ["edu_score"] and src.fields.metadata == {"edu_score": "score"}


def test_metadata_list_is_keyed_by_last_segment(tmp_path):
    text = manifest_text(entry("x", "X", **{"    location:": "    fields: {metadata: [a.b.c, d]}\n    location:"}))
    src = load_manifest(write(tmp_path, "sources.yaml", text)).get("x")
    assert src.fields.metadata == {"c": "a.b.c", "d": "d"}


def test_code_source_must_have_only_code(tmp_path):
    text = manifest_text(entry("x", "X", **{"languages: [es, ca]": "languages: [code, es]"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "- id: x"), "source 'x'", "code")


def test_not_a_mapping(tmp_path):
    path = write(tmp_path, "sources.yaml", "- a\n- b\n")
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert str(e.value).startswith(f"{path}: ") and len(str(e.value).splitlines()) == 1


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
    pipe = write(tmp_path, "p.yaml", "name: p\nsources:\n  - use: hplt-es\n  - use: eurlex\n")
    r = curate("sources", "validate", str(pipe))
    assert r.returncode == 0, r.stderr
    assert "pipeline 'p' OK (2 sources)" in r.stdout


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
    from curation.pipeline import demo_pipeline_path

    rp = load_pipeline(demo_pipeline_path())
    assert rp.pipeline.name == "demo"
    assert {s.id for s in rp.sources} >= {"colossal-oscar", "starcoder", "fineweb-edu", "hplt-es"}
    for s in rp.sources:
        assert s.location.startswith(str(sample_dir())), s.location


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
