"""URL blocklist stage on a sample of the real UT1 lists (tests/stages/data/blocklist/README.md)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from curation.config.manifest import Source
from curation.config.stages import StagesConfig
from curation.core.errors import UserError
from curation.stages.blocklist import (
    Blocklist,
    BlocklistConfig,
    BlocklistIndex,
    normalize_entry,
    url_keys,
)

LISTS = Path(__file__).parent / "data" / "blocklist"
SOURCE = Source(id="crawl", name="crawl", languages=["en"], domain="web", licence="x", format="jsonl", location="x")


def _run(cfg: BlocklistConfig, urls: list[str | None]) -> list[str | None]:
    stage = Blocklist(cfg)
    stage.ensure_setup()
    table = pa.table({"text": ["t"] * len(urls), "url": pa.array(urls, pa.string()), "language": ["en"] * len(urls)})
    return stage.process(table, SOURCE).reasons


def test_host_parent_domain_and_url_prefix_matching():
    cfg = BlocklistConfig(lists=str(LISTS), categories=["all"])
    reasons = _run(cfg, [
        "https://0-casino.info/",  # gambling/domains, the host itself
        "http://www.poker.0-casino.info/table?id=3",  # a subdomain of it, www. ignored
        "https://4qconditioning.blogspot.com/2014/05/post.html",  # adult/urls prefix at a path boundary
        "https://4qconditioning.blogspot.com/20145",  # not at a boundary
        "https://blogspot.com/2014",  # the parent of a listed URL is not listed
        "http://204.71.88.20/ygg/index.htm",  # aggressive/urls, an IP host
        "https://example.org/0-casino.info",  # the listed name in the path only
        None,
        "not a url at all",
    ])
    assert reasons == ["blocklist:gambling", "blocklist:gambling", "blocklist:adult", None, None, "blocklist:aggressive", None, None, None]


def test_default_categories_are_curates_adult_topic():
    # CURATE's launcher example filters --detected_label adult (classify_topic/classify_topic_example.sh)
    assert BlocklistConfig().categories == ["adult"]
    reasons = _run(BlocklistConfig(lists=str(LISTS)), ["https://0-casino.info/", "https://4qconditioning.blogspot.com/2014"])
    assert reasons == [None, "blocklist:adult"]


def test_all_orders_categories_like_curate():
    dirs = BlocklistConfig(lists=str(LISTS), categories=["all"]).category_dirs()
    # classify_topic/topic_filtering.py TopicFilter.most_important_topics = adult, aggressive, drugs first
    assert [d.name for d in dirs] == ["adult", "aggressive", "gambling"]


def test_a_url_in_two_categories_gets_the_first_configured(tmp_path):
    for cat in ("x", "y"):
        (tmp_path / cat).mkdir()
        (tmp_path / cat / "domains").write_text("shared.example\n")
    assert BlocklistIndex([tmp_path / "y", tmp_path / "x"]).category("http://a.shared.example/") == "y"
    assert BlocklistIndex([tmp_path / "x", tmp_path / "y"]).category("http://a.shared.example/") == "x"


def test_entries_and_urls_normalise_alike():
    assert normalize_entry("WWW.Example.COM/Path/") == "example.com/Path"
    assert normalize_entry("# comment") is None
    assert url_keys("https://www.a.b.example.com/x/y?q=1") == ["a.b.example.com/x/y?q=1", "a.b.example.com/x/y", "a.b.example.com/x", "a.b.example.com", "b.example.com", "example.com"]


def test_missing_folder_or_category_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="stages.blocklist.lists"):
        BlocklistConfig(lists=str(tmp_path / "nope")).category_dirs()
    with pytest.raises(UserError, match=r"stages.blocklist.categories: \['porn'\] not found"):
        BlocklistConfig(lists=str(LISTS), categories=["porn"]).category_dirs()


def test_without_lists_the_stage_is_not_built():
    assert "blocklist" not in [s.name for s in StagesConfig().build()]
    assert "blocklist" in [s.name for s in StagesConfig(blocklist=BlocklistConfig(lists=str(LISTS))).build()]
