"""Source manifests (`sources.yaml`) and pipeline files (`pipelines/*.yaml`) as typed pydantic models.

Unknown keys are rejected everywhere: a typo in a manifest must fail loudly, not be ignored.
"""

from __future__ import annotations

import glob
import os
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from curation.config.base import Strict
from curation.core.errors import UserError
from curation.config.row_filter import RowFilter
from curation.core.yamlfile import read_yaml, validate


# ISO 639-1 (or 639-3 where no 639-1 code exists) plus "code" for programming-language sources.
LANGUAGE_CODE = r"^(?:[a-z]{2,3}|code)$"
LanguageCode = Annotated[str, Field(pattern=LANGUAGE_CODE)]

# The 35 European languages of Salamandra / ALIA-40b (salamandra-data.md 1.1, 1.4), plus code.
TARGET_LANGUAGES = (
    "bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc pl pt ro ru sh sk sl sr sv uk"
).split()

Format = Literal["jsonl", "jsonl.gz", "jsonl.zst", "jsonl.xz", "jsonl.bz2", "parquet", "warc"]
Domain = Literal[
    "web", "code", "legal", "government", "parliamentary", "news", "science", "biomedical",
    "encyclopedic", "books", "subtitles", "instructions", "patents", "math", "forum", "education", "mixed",
]
Collection = Literal["download", "crawl", "provider"]
# Native per-document annotations a source can carry; the quality stage knows how to use each.
AnnotationName = Literal[
    "quality_warnings",  # OSCAR / Ungoliant: list of warnings (tiny, short_sentences, header, footer, noisy)
    "harmful_pp",  # OSCAR: perplexity under a KenLM trained on harmful content (low = likely adult)
    "categories",  # OSCAR: UT1 blocklist categories of the URL's domain
    "tlsh",  # OSCAR: TLSH fuzzy hash (LLM-Datasets' exact dedup key)
    "identification",  # OSCAR: native document language {label, prob}
    "edu_score",  # FineWeb-Edu: classifier score (float)
    "edu_int_score",  # FineWeb-Edu: rounded score (int), kept when >= 3
    "curate_score",  # CATalog: CURATE document score
]
SLUG = r"^[a-z0-9][a-z0-9._-]*$"


TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


class FieldMap(Strict):
    """Where the document fields live in a native record. Values are dotted paths ("a.b.c").

    `text` is one path, a list of paths (the present ones joined with `text_separator`, e.g. Aya's
    inputs + targets) or a template naming paths in braces ("{inputs}\\n\\n{targets}": every one required).
    """

    text: str | Annotated[list[str], Field(min_length=1)] = "text"
    text_separator: str = "\n\n"
    id: str | None = None
    url: str | None = None
    title: str | None = None
    language: str | None = None
    language_score: str | None = None
    programming_language: str | None = None
    # output key -> dotted path. A list of paths is accepted; the key is then the last path segment.
    metadata: dict[str, str] = {}

    @field_validator("text")
    @classmethod
    def _text_paths(cls, v: Any) -> Any:
        for p in [v] if isinstance(v, str) else v:
            if not p or ("{" in p or "}" in p) and not isinstance(v, str):
                raise ValueError(f"'{p}': a list of text fields holds dotted paths, not templates")
        if isinstance(v, str) and ("{" in v or "}" in v) and not TEMPLATE_FIELD.search(v):
            raise ValueError(f"'{v}': a template names fields in braces, e.g. '{{inputs}}\\n\\n{{targets}}'")
        return v

    @property
    def text_paths(self) -> list[str]:
        """The native paths the text is made of, in order."""
        if isinstance(self.text, list):
            return list(self.text)
        names = TEMPLATE_FIELD.findall(self.text)
        return names or [self.text]

    @property
    def text_template(self) -> list[str] | None:
        """A template's pieces, literal text and field names alternating (literal first); None otherwise."""
        if isinstance(self.text, str) and TEMPLATE_FIELD.search(self.text):
            return TEMPLATE_FIELD.split(self.text)
        return None

    @field_validator("metadata", mode="before")
    @classmethod
    def _list_to_dict(cls, v: Any) -> Any:
        if isinstance(v, list):
            out = {}
            for p in v:
                if not isinstance(p, str):
                    raise ValueError("metadata entries must be dotted paths (strings)")
                out[p.rsplit(".", 1)[-1]] = p
            return out
        return v


class Source(Strict):
    """One entry of sources.yaml: a corpus, where it is and how its records map to documents."""

    id: Annotated[str, Field(pattern=SLUG)]
    name: str
    languages: Annotated[list[LanguageCode], Field(min_length=1)]
    domain: Domain
    licence: str
    citation: str | None = None
    url: str | None = None
    hf_id: str | None = None
    format: Format
    # "html": text is HTML to extract with trafilatura (always so for warc).
    content: Literal["text", "html"] = "text"
    fields: FieldMap = FieldMap()
    annotations: list[AnnotationName] = []
    phases: list[str] = []
    location: str
    collection: Collection | None = None
    programming_languages: list[str] = []
    dumps: list[str] = []
    # Which native records are documents: an expression over their fields (curation/config/row_filter.py);
    # the others are rejected by the read stage with reason "source_filter".
    filter: str | None = None
    notes: str | None = None

    @field_validator("filter")
    @classmethod
    def _parse_filter(cls, v: str | None) -> str | None:
        if v is not None:
            RowFilter(v)  # a ValueError names what is wrong; validation reports file, line and field
        return v

    @model_validator(mode="after")
    def _check(self) -> "Source":
        for a in self.annotations:
            if a not in self.fields.metadata:
                raise ValueError(f"annotation '{a}' needs fields.metadata.{a} (the path that carries it)")
        if "code" in self.languages and len(self.languages) > 1:
            raise ValueError("a code source has languages: [code] only")
        return self

    @property
    def is_html(self) -> bool:
        return self.format == "warc" or self.content == "html"


class Manifest(Strict):
    version: Literal[1] = 1
    sources: list[Source]

    @model_validator(mode="after")
    def _unique(self) -> "Manifest":
        seen = set()
        for s in self.sources:
            if s.id in seen:
                raise ValueError(f"duplicate source id '{s.id}'")
            seen.add(s.id)
        return self

    def get(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


# --- loading ---------------------------------------------------------------------------------------


def bundled_manifest_path() -> Path:
    return Path(str(resources.files("curation") / "data" / "sources.yaml"))


def sample_dir() -> Path:
    return Path(str(resources.files("curation") / "sample"))


def describe_entry(data: Any) -> Any:
    def describe(loc: tuple) -> tuple[str, tuple]:
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            try:
                sid = data["sources"][loc[1]].get("id") or data["sources"][loc[1]].get("use")
            except (TypeError, KeyError, IndexError, AttributeError):
                sid = None
            name = f"source '{sid}'" if sid else f"source #{loc[1] + 1}"
            return name, loc[2:]
        return "", loc

    return describe


def load_manifest(path: str | Path | None = None) -> Manifest:
    path = Path(path) if path else bundled_manifest_path()
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping with a 'sources' list")
    _check_unique_ids(data, path, lines)
    manifest = validate(Manifest, data, path, lines, describe_entry(data))
    return manifest


def _check_unique_ids(data: dict, path: Path, lines: dict[tuple, int]) -> None:
    """Duplicate ids, reported at the repeated entry's line (the Manifest validator alone can only say
    "top level", as its error has no location inside the file)."""
    entries = data.get("sources")
    if not isinstance(entries, list):
        return
    first: dict[str, int] = {}
    messages = []
    for i, entry in enumerate(entries):
        sid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(sid, str):
            continue
        if sid in first:
            line = lines.get(("sources", i, "id")) or lines.get(("sources", i))
            where = f"{path}:{line}" if line else str(path)
            messages.append(f"{where}: source '{sid}': field 'id': duplicate source id (first used at line {lines.get(('sources', first[sid], 'id'))})")
        else:
            first[sid] = i
    if messages:
        raise UserError("\n".join(messages))


def resolve_location(location: str, base_dir: Path) -> str:
    """`sample://x` -> the bundled sample folder; relative paths -> against `base_dir`; URIs unchanged."""
    if location.startswith("sample://"):
        return str(sample_dir() / location[len("sample://"):])
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", location):
        return location if not location.startswith("file://") else location[len("file://"):]
    p = Path(os.path.expanduser(location))
    return str(p if p.is_absolute() else (base_dir / p))


def is_remote(location: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", location))


def expand_location(location: str) -> list[str]:
    """Files matched by a resolved location (a path or glob). Remote URIs are listed with fsspec."""
    if is_remote(location):
        import fsspec

        fs, _, paths = fsspec.get_fs_token_paths(location)
        return sorted(fs.unstrip_protocol(p) for p in paths)
    if any(c in location for c in "*?["):
        return sorted(p for p in glob.glob(location, recursive=True) if os.path.isfile(p))
    if os.path.isdir(location):
        return sorted(str(p) for p in Path(location).rglob("*") if p.is_file())
    return [location] if os.path.isfile(location) else []
