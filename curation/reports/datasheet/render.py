"""Facts + configuration -> DATASHEET.md (the Jinja2 template) -> DATASHEET.html (one self-contained file).

The template asks the questions by id; rendering fails unless it asked every question of the paper once,
in order. The HTML is the Markdown converted with Python-Markdown, wrapped in a page with its style inline
and every figure embedded as a base64 PNG, so that the file needs nothing else to be read.
"""

from __future__ import annotations

import base64
import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from curation.core.errors import UserError
from curation.reports.datasheet import questions
from curation.reports.datasheet.config import answer
from curation.reports.datasheet.figures import FIGURES

FIGURE_DIR = "figures"


def bundled_template_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("curation") / "data" / "DATASHEET.md.j2"))


# --- template helpers -------------------------------------------------------------------------------


def _n(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def _dec(value: Any, k: int = 2) -> str:
    return "–" if value is None else f"{float(value):.{k}f}"


def _pct(value: Any) -> str:
    return _dec(value, 2)


def _cell(value: Any) -> str:
    """Text from a manifest or config made safe inside a Markdown table cell (and the HTML made from it)."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|").replace("<", "&lt;")


def _codes(values: Any) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _g(value: Any) -> str:
    """A float as short as it reads (float32 settings such as 0.9995 included)."""
    return "–" if value is None else f"{float(value):.6g}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class _Asked:
    """What the template asked, in order: checked against the paper's list after rendering."""

    def __init__(self, config: BaseModel, config_name: str):
        self.config = config
        self.config_name = config_name
        self.sections: list[str] = []
        self.questions: list[str] = []
        self.figures: list[str] = []

    def section(self, sid: str) -> str:
        s = questions.SECTION_BY_ID.get(sid)
        if s is None:
            raise UserError(f"the datasheet template asks for an unknown section '{sid}' (known: {', '.join(questions.SECTION_BY_ID)})")
        self.sections.append(sid)
        return f"## {s.title}\n\n*{s.intro}*"

    def question(self, qid: str) -> str:
        q = questions.QUESTIONS.get(qid)
        if q is None:
            raise UserError(f"the datasheet template asks an unknown question '{qid}' (see curation/reports/datasheet/questions.py)")
        self.questions.append(qid)
        return f"### {q.title}" + (f"\n\n*{q.detail}*" if q.detail else "")

    def given(self, qid: str) -> str:
        text = self.also(qid)
        return text or f"*No information was provided* (`{self.config_name}`: `{qid}`)."

    def also(self, qid: str) -> str:
        if qid not in questions.QUESTIONS:
            raise UserError(f"the datasheet template reads an unknown question '{qid}' from {self.config_name}")
        return answer(self.config, qid) or ""

    def figure(self, name: str, caption: str) -> str:
        if name not in FIGURES:
            raise UserError(f"the datasheet template embeds an unknown figure '{name}' (known: {', '.join(FIGURES)})")
        self.figures.append(name)
        return f"![{caption}]({FIGURE_DIR}/{name}.png)"

    def check(self, template: Path) -> None:
        want = list(questions.QUESTIONS)
        if self.questions == want and self.sections == [s.id for s in questions.SECTIONS]:
            return
        missing = [q for q in want if q not in self.questions]
        repeated = sorted({q for q in self.questions if self.questions.count(q) > 1})
        if missing or repeated:
            detail = "; ".join(x for x in (f"missing: {', '.join(missing)}" if missing else "", f"asked twice: {', '.join(repeated)}" if repeated else "") if x)
        else:
            detail = "the sections or questions are out of the paper's order"
        raise UserError(f"{template}: the datasheet must ask every question of Gebru et al. (2021) once, in order ({detail})")


def render_markdown(facts: dict[str, Any], config: BaseModel, config_name: str, template: Path | None = None) -> tuple[str, list[str]]:
    """The datasheet's Markdown and the figures it embeds."""
    import jinja2

    template = Path(template) if template else bundled_template_path()
    if not template.is_file():
        raise UserError(f"{template}: no such template")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        undefined=jinja2.StrictUndefined,  # a misspelt fact is an error, not a silent blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters.update(n=_n, pct=_pct, dec=_dec, g=_g, json=_json, cell=_cell, codes=_codes)
    env.tests.update(match=lambda value, pattern: re.match(pattern, str(value)) is not None, contains=lambda seq, item: item in seq)
    asked = _Asked(config, config_name)
    try:
        tpl = env.get_template(template.name)
        text = tpl.render(**facts, config=config, config_name=config_name, section=asked.section, question=asked.question,
                          given=asked.given, also=asked.also, figure=asked.figure)
    except jinja2.TemplateSyntaxError as e:
        raise UserError(f"{template}:{e.lineno}: template syntax error: {e.message}") from None
    except jinja2.UndefinedError as e:
        raise UserError(f"{template}: {e.message}") from None
    asked.check(template)
    # No trailing spaces, at most one blank line in a row, however the template's conditionals fell.
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text, asked.figures


# --- HTML -------------------------------------------------------------------------------------------

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; line-height: 1.45; color: #1f2328; }
h1, h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h3 { margin-top: 1.6em; font-size: 1.05em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .9em; }
th, td { border: 1px solid #d0d7de; padding: .3em .6em; }
th { background: #f6f8fa; }
code { background: #f6f8fa; padding: .1em .3em; border-radius: 3px; font-size: .9em; }
img { max-width: 100%; }
"""


def _embed_figures(figures: dict[str, bytes]):
    """A Python-Markdown extension that points every figure <img> at a data: URI of its PNG and refuses any
    other image source (the page must be self-contained)."""
    from markdown.extensions import Extension
    from markdown.treeprocessors import Treeprocessor

    uris = {f"{FIGURE_DIR}/{name}.png": "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in figures.items()}

    class Embed(Treeprocessor):
        def run(self, root: ET.Element) -> None:
            for img in root.iter("img"):
                src = img.get("src", "")
                if src not in uris:
                    raise UserError(f"the datasheet links an image that is not one of its figures: {src}")
                img.set("src", uris[src])

    class EmbedExtension(Extension):
        def extendMarkdown(self, md) -> None:
            md.treeprocessors.register(Embed(md), "embed_figures", 0)

    return EmbedExtension()


def render_html(markdown_text: str, figures: dict[str, bytes], title: str) -> str:
    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables", "sane_lists", "toc", _embed_figures(figures)], output_format="html")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
