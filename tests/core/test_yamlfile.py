"""YAML loading: duplicate keys and alias bombs refused at their line, before anything is expanded."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_one_line_error, entry, line_of, manifest_text, write
from curation.config.manifest import load_manifest
from curation.config.pipeline import load_pipeline
from curation.core.errors import UserError
from curation.core.yamlfile import MAX_ALIASES, MAX_EXPANDED_NODES, load, read_yaml
from curation.phases.mix import load_mixture

# The classic "billion laughs": 9 levels of 9 aliases, under 600 bytes, 9**8 strings once expanded.
BOMB = "name: bomb\nsources: []\n" + 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9)
)


def test_alias_bomb_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.yaml", BOMB)
    assert len(BOMB.encode()) < 600
    with pytest.raises(UserError) as e:
        read_yaml(path)
    # the 33rd alias is on the line of a4 (9 per line from a1)
    assert_one_line_error(e.value, path, 1 + line_of(BOMB, "a3: &a3"), f"more than {MAX_ALIASES} YAML aliases")


def test_few_aliases_that_expand_too_far_are_refused(tmp_path: Path) -> None:
    """Within the alias count, each level doubling: caught by the expanded size, counted in linear time."""
    text = "a0: &a0 [" + ",".join(["1"] * 2000) + "]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 16))
    path = write(tmp_path, "wide.yaml", text)
    with pytest.raises(UserError, match=f"more than {MAX_EXPANDED_NODES:,} nodes"):
        read_yaml(path)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rec.yaml", "a: &a [1, *a]\n")
    with pytest.raises(UserError, match="refers to a node that contains it"):
        read_yaml(path)


def test_merge_keys_and_a_few_aliases_still_load(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.yaml", "base: &b {x: 1}\nother: {<<: *b, y: 2}\nno: no\nyes: true\n")
    data, lines = read_yaml(path)
    assert data == {"base": {"x": 1}, "other": {"x": 1, "y": 2}, "no": "no", "yes": True}
    assert lines[("other",)] == 2


def test_duplicate_key_is_refused_with_both_lines(tmp_path: Path) -> None:
    text = "name: x\nseed: 1\nsources: []\nseed: 2\n"
    path = write(tmp_path, "dup.yaml", text)
    with pytest.raises(UserError) as e:
        read_yaml(path)
    assert_one_line_error(e.value, path, 4, "duplicate key 'seed'", "first at line 2")


def test_nested_duplicate_key_in_a_manifest(tmp_path: Path) -> None:
    text = manifest_text(entry(id="a"), entry(id="b", **{"    domain: web\n": "    domain: web\n    domain: news\n"}))
    path = write(tmp_path, "sources.yaml", text)
    with pytest.raises(UserError) as e:
        load_manifest(path)
    assert_one_line_error(e.value, path, line_of(text, "domain: news"), "duplicate key 'domain'")


def test_pipelines_and_mixtures_use_the_same_loader(tmp_path: Path) -> None:
    pipeline = "name: p\nsources:\n  - use: colossal-oscar\n    location: a\n    location: b\n"
    path = write(tmp_path, "pipeline.yaml", pipeline)
    with pytest.raises(UserError) as e:
        load_pipeline(path)
    assert_one_line_error(e.value, path, 5, "duplicate key 'location'")
    mixture = "name: m\ntoken_budget: 10\nsampling:\n  by_language: {es: 2, es: 3}\n"
    path = write(tmp_path, "mix.yaml", mixture)
    with pytest.raises(UserError) as e:
        load_mixture(path)
    assert_one_line_error(e.value, path, 4, "duplicate key 'es'")
    with pytest.raises(UserError, match="bomb.yaml:"):
        load(BOMB, "bomb.yaml")


def test_bundled_yaml_files_load() -> None:
    """Everything the package ships passes the stricter loader."""
    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("curation/data/**/*.yaml"), *root.glob("pipelines/*.yaml"), *root.glob("mixtures/*.yaml"), root / "sources.yaml"]
    assert len(files) > 5
    for f in files:
        if f.is_file():
            read_yaml(f)
