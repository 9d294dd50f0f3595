"""Source manifests (curation/config/manifest.py).

Every user mistake in a YAML file must come back as a UserError of one line per mistake that names the
file, the line, the entry and the field, and the CLI must print it as `error: ...` (exit 2, no traceback).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import curation
from curation.core.errors import UserError
from curation.config.manifest import TARGET_LANGUAGES, Source, bundled_manifest_path, load_manifest
from curation.config.row_filter import RowFilter

from conftest import line_of, write, manifest_text, entry, assert_one_line_error

# Sources of the Salamandra card that the bundled manifest must carry (ids as in sources.yaml).
KEY_SOURCES = [
    "colossal-oscar", "starcoder", "fineweb-edu", "hplt-es", "eurlex", "mc4-legal", "macocu", "curlicat",
    "wikimedia", "opensubtitles", "parlamint", "aya", "ncc", "catalog", "corpusnos", "euscrawl", "latxa",
    "legal-es", "french-pd-books", "pes2o",
]


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
    assert src.format in ("jsonl", "jsonl.gz", "jsonl.zst", "jsonl.xz", "jsonl.bz2", "parquet", "warc")
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




def test_sources_shaped_by_the_manifest_not_by_hand(manifest):
    """Aya's prompt and answer, EusCrawl's free subset, Pile of Law's subsets and the xz publications are
    read as published (issue 16), not after a hand-made preprocessing step."""
    assert manifest.get("aya").fields.text_paths == ["inputs", "targets"]
    assert manifest.get("euscrawl").filter and manifest.get("pile-of-law").filter
    assert {manifest.get(s).format for s in ("pile-of-law", "mc4-legal", "eurlex")} == {"jsonl.xz"}
    euscrawl = RowFilter(manifest.get("euscrawl").filter)
    assert euscrawl({"source": "berria", "license": "cc-by-sa"}) and not euscrawl({"source": "berria", "license": "cc-by-nc-sa"})
    assert not euscrawl({"source": "wikipedia", "license": "cc-by-sa"})
    pile = RowFilter(manifest.get("pile-of-law").filter)
    assert pile({}, "train.courtlisteneropinions.12.jsonl.xz") and pile({}, "train.r_legaldvice.jsonl.xz") and not pile({}, "train.bva.jsonl.xz")
