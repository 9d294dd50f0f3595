"""The extract stage's engines: trafilatura (no metadata pass, title from <title>) and resiliparse."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
import trafilatura
import trafilatura.utils
from lxml.html import HtmlElement
from pydantic import ValidationError

from curation.config.manifest import Source
from curation.core.errors import UserError
from curation.core.schema import DOCUMENT_SCHEMA
from curation.stages.extract import (
    Extract,
    ExtractConfig,
    TrafilaturaOptions,
    load_html,
    trafilatura_extract,
)

ARTICLE = (
    "<html><head><title>Noticias</title></head><body><article><p>"
    + "La ciudad celebró ayer su fiesta mayor con música y baile en todas las plazas. " * 8
    + "</p></article></body></html>"
)


def make_source(fmt: str, **kw) -> Source:
    return Source(id="src", name="Test source", languages=["es"], domain="web", licence="CC0-1.0", format=fmt, location="x", **kw)


def docs_table(texts: list[str], metadata: list[str | None] | None = None) -> pa.Table:
    n = len(texts)
    return pa.Table.from_pydict(
        {"id": [f"d{i}" for i in range(n)], "text": texts, "source": ["src"] * n, "language": ["es"] * n, "language_score": [None] * n,
         "url": [f"https://example.es/{i}" for i in range(n)], "metadata": metadata or [None] * n, "origin": [f"f:{i}" for i in range(n)]},
        schema=DOCUMENT_SCHEMA,
    )


BOILERPLATE_PAGE = """<!DOCTYPE html><html><head><title>La receta de la paella valenciana</title></head><body>
<nav><ul><li><a href="/">Inicio</a></li><li><a href="/contacto">Contacto</a></li><li><a href="/blog">Blog</a></li></ul></nav>
<div id="cookie-banner" class="cookies">Usamos cookies para mejorar tu experiencia. Aceptar cookies.</div>
<main><article><h1>La receta de la paella valenciana</h1>
<p>La paella es un plato tradicional de la Comunidad Valenciana que se cocina con arroz, azafrán y aceite de oliva en una paellera amplia.</p>
<p>Para prepararla se sofríe primero la carne, después se añaden las verduras y finalmente el arroz con el caldo caliente, sin remover.</p>
<p>El socarrat, la capa de arroz tostado del fondo, es para muchos la mejor parte del plato y la prueba de una buena cocción.</p>
</article></main>
<footer><p>© 2024 Mi Sitio. Todos los derechos reservados.</p><a href="/privacidad">Política de privacidad</a></footer>
</body></html>"""


def test_extract_removes_boilerplate():
    src = make_source("warc")
    empty_page = "<html><head></head><body><div></div><script>var x = 1;</script></body></html>"
    out = Extract(ExtractConfig()).process(docs_table([BOILERPLATE_PAGE, empty_page], ['{"keep":1}', None]), src)
    assert out.reasons == [None, "no_text"]
    text = out.table["text"][0].as_py()
    for sentence in ("La paella es un plato tradicional", "se sofríe primero la carne", "El socarrat"):
        assert sentence in text
    for boilerplate in ("Inicio", "Contacto", "cookies", "derechos reservados", "privacidad", "<p>"):
        assert boilerplate not in text, boilerplate
    meta = json.loads(out.table["metadata"][0].as_py())
    assert meta == {"keep": 1, "title": "La receta de la paella valenciana"}  # existing metadata kept
    assert out.table["text"][1].as_py() == ""
    assert out.table["id"].to_pylist() == ["d0", "d1"]


def test_extract_applies_to_html_sources_only():
    ex = Extract(ExtractConfig())
    assert ex.applies_to(make_source("warc"))
    assert ex.applies_to(make_source("jsonl", content="html"))
    assert not ex.applies_to(make_source("jsonl"))


@pytest.mark.parametrize("engine", ["trafilatura", "resiliparse"])
def test_both_engines_keep_the_article_and_drop_the_menus(engine):
    src = make_source("warc")
    empty_page = "<html><head></head><body><div></div><script>var x = 1;</script></body></html>"
    out = Extract(ExtractConfig(engine=engine)).process(docs_table([BOILERPLATE_PAGE, ARTICLE, empty_page]), src)
    assert out.reasons == [None, None, "no_text"]
    text = out.table["text"][0].as_py()
    for sentence in ("La paella es un plato tradicional", "se sofríe primero la carne", "El socarrat"):
        assert sentence in text
    for boilerplate in ("Inicio", "Contacto", "<p>", "var x"):
        assert boilerplate not in text, boilerplate
    assert "La ciudad celebró ayer su fiesta mayor" in out.table["text"][1].as_py()
    titles = [json.loads(m)["title"] if m else None for m in out.table["metadata"].to_pylist()]
    assert titles == ["La receta de la paella valenciana", "Noticias", None]


def test_title_is_taken_from_the_title_element_not_the_metadata_pass():
    page = "<html><head><title>\n  Uno   dos\n</title></head><body><article><p>" + "Texto del artículo. " * 20 + "</p></article></body></html>"
    text, title = trafilatura_extract(page, None, TrafilaturaOptions())
    assert title == "Uno dos" and text.startswith("Texto del artículo.")
    assert trafilatura_extract("", None, TrafilaturaOptions()) == ("", None)


def test_engine_options_are_checked():
    cfg = ExtractConfig.model_validate({"engine": "resiliparse", "resiliparse": {"main_content": False}})
    assert cfg.resiliparse.main_content is False
    for bad in ({"engine": "lynx"}, {"trafilatura": {"favour_precision": True}}):
        with pytest.raises(ValidationError):
            ExtractConfig.model_validate(bad)


def _trafilatura_own_parse(html: str) -> tuple[str, str | None]:
    """The extraction as trafilatura parses the page itself (lxml.html's element classes)."""
    tree = trafilatura.utils.load_html(html)
    opts = TrafilaturaOptions()
    doc = trafilatura.bare_extraction(tree, url=None, with_metadata=False, include_formatting=False, **opts.model_dump())
    return (doc.text if doc is not None else None) or "", " ".join(tree.findtext(".//title").split()) or None


def _real_pages(limit: int = 40) -> list[str]:
    """HTML manuals installed under /usr/share/doc (Debian packages' documentation), if any."""
    from curation.bench._pages import find_pages

    try:
        return [html.decode("utf-8", "replace") for _, html in find_pages(None, limit)]
    except UserError:
        return []


def test_own_parser_gives_trafilaturas_text_on_real_pages():
    # the C-level class lookup must not change what trafilatura extracts
    pages = _real_pages() or [BOILERPLATE_PAGE, ARTICLE]
    for html in pages:
        ours = trafilatura_extract(html, None, TrafilaturaOptions())
        assert ours == _trafilatura_own_parse(html)


def test_own_parser_elements_are_html_elements_and_non_html_is_rejected():
    tree = load_html(BOILERPLATE_PAGE.encode())
    assert all(isinstance(e, HtmlElement) for e in tree.iter() if isinstance(e.tag, str))
    assert tree.findtext(".//title") == "La receta de la paella valenciana"
    # a str declaring its encoding is parsed from bytes (lxml refuses it as str), as trafilatura does
    declared = '<?xml version="1.0" encoding="utf-8"?>' + BOILERPLATE_PAGE
    assert trafilatura_extract(declared, None, TrafilaturaOptions())[1] == "La receta de la paella valenciana"
    # what trafilatura's load_html rejects, ours rejects (empty input, text that is not HTML, a lone fragment)
    for not_html in ("", "   ", "plain text only", "<p>x</p>"):
        assert trafilatura.utils.load_html(not_html) is None
        assert load_html(not_html) is None
        assert trafilatura_extract(not_html, None, TrafilaturaOptions()) == ("", None)
