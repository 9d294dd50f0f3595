"""trafilatura's XPath expressions compiled to Python predicates
(stages/_trafilatura_xpath.py, stages/_xpath_subset.py): the same elements selected, the same text extracted,
the library's own expressions back after the context."""

from __future__ import annotations

import contextlib
from copy import deepcopy

import pytest
from trafilatura import core, external, main_extractor, xpaths
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

import curation.stages.extract as extract_module
from curation.bench._pages import find_pages
from curation.core.errors import UserError
from curation.stages import _trafilatura_xpath as fx
from curation.stages._xpath_subset import CompiledXPath
from curation.stages.extract import TrafilaturaOptions, load_html, trafilatura_extract

# boilerplate classes and ids of the kinds trafilatura's regexes look for, around a real article
CLASSY_PAGE = """<!DOCTYPE html><html><head><title>Paella</title></head><body>
<div id="site-navbar" class="navbar navbar-expand"><a href="/">Inicio</a> <a href="/blog">Blog</a></div>
<div class="breadcrumb"><a href="/">Inicio</a> / <a href="/recetas">Recetas</a></div>
<div id="main"><div class="article-body post-content">
<p>La paella es un plato tradicional de la Comunidad Valenciana que se cocina con arroz, azafrán y aceite de oliva.</p>
<p>Para prepararla se sofríe primero la carne, después se añaden las verduras y finalmente el arroz con el caldo.</p>
<p class="story-body">El socarrat, la capa de arroz tostado del fondo, es para muchos la mejor parte del plato.</p>
<div class="share-buttons social"><a href="/fb">Compartir</a></div>
<span class="meta timestamp">12 de marzo</span><p class="bottom">Más recetas abajo</p>
<div class="commentary">Un comentario del autor sobre el arroz: mejor bomba que largo.</div>
</div></div>
<div class="sidebar widget"><p>Lo más leído</p></div>
<section id="comments" class="comment-list"><div class="comment">Muy buena receta, gracias.</div></section>
<div id="disqus_thread"></div><div style="display: none" id="hidden-tracker">x</div>
<div class="mvp-post-add-box"><h2>Otra receta</h2></div>
<div class="footer Footer"><p>© 2024 Mi Sitio</p><a class="link" href="/privacidad">Privacidad</a></div>
</body></html>"""


def _real_pages(limit: int = 60, max_bytes: int = 1_000_000) -> list[str]:
    """HTML manuals installed under /usr/share/doc (Debian packages' documentation)."""
    try:
        pages = find_pages(None, limit)
    except UserError:
        pytest.skip("no HTML manuals under /usr/share/doc")
    return [html.decode("utf-8", "replace") for _, html in pages if len(html) <= max_bytes]


def _replaced() -> list[tuple[str, int, object, object]]:
    """(list, index, original, compiled replacement) for every replaced expression."""
    return [(name, i, original, fx.FAST[name][i]) for name in fx.LISTS for i, original in enumerate(fx.ORIGINAL[name])
            if fx.FAST[name][i] is not original]


# the lists of trafilatura's metadata pass (authors, categories, tags, titles), which our extraction does not run
METADATA_LISTS = {"AUTHOR_XPATHS", "AUTHOR_DISCARD_XPATHS", "CATEGORIES_XPATHS", "TAGS_XPATHS", "TITLE_XPATHS"}


def test_content_expressions_are_compiled():
    compiled = {(name, i) for name in fx.LISTS for i, x in enumerate(fx.FAST[name]) if isinstance(x, CompiledXPath)}
    # the expressions that cost the most on real pages are compiled to Python predicates
    assert {("OVERALL_DISCARD_XPATH", 0), ("OVERALL_DISCARD_XPATH", 1), ("BODY_XPATH", 0), ("REMOVE_COMMENTS_XPATH", 0),
            ("PRECISION_DISCARD_XPATH", 1), ("TEASER_DISCARD_XPATH", 0), ("DISCARD_IMAGE_ELEMENTS", 0)} <= compiled
    for name in fx.LISTS:
        for i, original in enumerate(fx.ORIGINAL[name]):
            fast = fx.FAST[name][i]
            if isinstance(fast, CompiledXPath):
                assert fast.path == original.path
            else:  # outside the subset: the library's own object
                assert fast is original
                # every content expression with a regex (the costly kind) is in the subset
                assert name in METADATA_LISTS or "re:test(" not in original.path, (name, i)


def test_rewritten_expressions_select_the_same_elements_on_real_pages():
    pages = _real_pages() + [CLASSY_PAGE]
    options = Extractor(precision=True, comments=False, tables=False, formatting=False)
    nonempty = 0
    for html in pages:
        raw = load_html(html)
        if raw is None:
            continue
        # as trafilatura meets them: the raw tree, and the cleaned tree with converted tags (list, item, head...)
        converted = convert_tags(tree_cleaning(deepcopy(raw), options), options)
        for tree in (raw, converted):
            for name, i, original, replacement in _replaced():
                want = original(tree)
                assert replacement(tree) == want, (name, i, replacement)
                nonempty += bool(want)
    assert nonempty > 20  # the comparison is not only between empty selections


def _stock(html: str) -> tuple[str, str | None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(extract_module, "fast_xpaths", contextlib.nullcontext)
        return trafilatura_extract(html, None, TrafilaturaOptions())


def test_extracted_text_is_identical_with_and_without_fast_xpaths_on_real_pages():
    pages = _real_pages() + [CLASSY_PAGE]
    texts = 0
    for html in pages:
        ours = trafilatura_extract(html, None, TrafilaturaOptions())
        assert ours == _stock(html)
        texts += bool(ours[0])
    assert texts > len(pages) // 2
    assert "socarrat" in trafilatura_extract(CLASSY_PAGE, None, TrafilaturaOptions())[0]


def _current() -> dict[str, list]:
    return {name: list(getattr(xpaths, name)) for name in fx.LISTS}


def test_originals_are_restored_after_the_context_and_after_an_exception():
    before = _current()
    assert all(a is b for name in fx.LISTS for a, b in zip(before[name], fx.ORIGINAL[name]))
    with fx.fast_xpaths():
        inside = _current()
        assert xpaths.OVERALL_DISCARD_XPATH[0] is fx.FAST["OVERALL_DISCARD_XPATH"][0]
        # the importing modules hold the same lists: they see the swap too
        assert main_extractor.OVERALL_DISCARD_XPATH is xpaths.OVERALL_DISCARD_XPATH
        assert main_extractor.BODY_XPATH[0] is fx.FAST["BODY_XPATH"][0]
        assert external.OVERALL_DISCARD_XPATH[0] is fx.FAST["OVERALL_DISCARD_XPATH"][0]
        assert core.REMOVE_COMMENTS_XPATH[0] is fx.FAST["REMOVE_COMMENTS_XPATH"][0]
        with fx.fast_xpaths():  # nested: the outer block keeps the fast ones
            pass
        assert _current() == inside
    after = _current()
    assert all(a is b for name in fx.LISTS for a, b in zip(after[name], before[name]))
    with pytest.raises(RuntimeError):
        with fx.fast_xpaths():
            assert main_extractor.BODY_XPATH[0] is fx.FAST["BODY_XPATH"][0]
            raise RuntimeError("extraction failed")
    after_error = _current()
    assert all(a is b for name in fx.LISTS for a, b in zip(after_error[name], before[name]))
    # and our extraction leaves the library as it found it
    trafilatura_extract(CLASSY_PAGE, None, TrafilaturaOptions())
    assert all(a is b for name in fx.LISTS for a, b in zip(_current()[name], before[name]))
