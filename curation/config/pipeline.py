"""Pipeline files (`pipelines/*.yaml`): which sources, where they are, and the stage parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from curation.core.errors import UserError
from curation.config.manifest import (
    SLUG,
    FieldMap,
    Format,
    LanguageCode,
    Source,
    Strict,
    describe_entry,
    bundled_manifest_path,
    load_manifest,
    resolve_location,
)
from curation.config.stages import StagesConfig
from curation.phases.tokenizer.config import TokenizerConfig
from curation.core.yamlfile import read_yaml, validate

class SourceRef(Strict):
    """A pipeline's reference to a sources.yaml entry, with the fields a user usually overrides."""

    use: Annotated[str, Field(pattern=SLUG)]
    location: str | None = None
    languages: list[LanguageCode] | None = None
    format: Format | None = None
    fields: FieldMap | None = None  # a local copy whose records differ from the published schema


def _source_tag(v: Any) -> str:
    if isinstance(v, dict):
        return "reference" if "use" in v else "inline"
    return "reference" if isinstance(v, SourceRef) else "inline"


PipelineSource = Annotated[
    Annotated[SourceRef, Tag("reference")] | Annotated[Source, Tag("inline")], Discriminator(_source_tag)
]


class Pipeline(Strict):
    name: Annotated[str, Field(pattern=SLUG)]
    seed: int = 0
    manifest: str | None = None  # sources.yaml to resolve `use:` against; default: the bundled one
    sources: Annotated[list[PipelineSource], Field(min_length=1)]
    stages: StagesConfig = StagesConfig()
    tokenizer: TokenizerConfig | None = None  # {train: {...}} or {model: path}; absent: no tokenizer, no shards
    mixture: str | None = None


class ResolvedPipeline(BaseModel):
    """A pipeline with every source fully resolved (references merged, locations absolute)."""

    model_config = ConfigDict(frozen=True)
    path: str | None
    pipeline: Pipeline
    sources: list[Source]
    # "file:line" to name in errors found later: "mixture", and each source id (its location's line)
    where: dict[str, str] = {}


def load_pipeline(path: str | Path) -> ResolvedPipeline:
    path = Path(path)
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping with 'name' and 'sources'")
    pipeline = validate(Pipeline, data, path, lines, describe_entry(data))
    base = path.parent.resolve()
    try:
        pipeline = pipeline.model_copy(update={"stages": pipeline.stages.with_paths_resolved(base)})
    except UserError as e:  # "stages.blocklist.lists: ..." -> the line of the deepest key named
        keys = tuple(str(e).split(":", 1)[0].split(" ", 1)[0].split("."))
        line = next((lines[keys[:k]] for k in range(len(keys), 0, -1) if keys[:k] in lines), None)
        raise UserError(f"{path}:{line}: {e}" if line else f"{path}: {e}") from None
    manifest_path = resolve_location(pipeline.manifest, base) if pipeline.manifest else None
    manifest = load_manifest(manifest_path)
    manifest_base = Path(manifest_path).parent if manifest_path else bundled_manifest_path().parent
    sources: list[Source] = []
    located: dict[str, str] = {}  # ResolvedPipeline.where
    if lines.get(("mixture",)):
        located["mixture"] = f"{path}:{lines[('mixture',)]}"
    for i, entry in enumerate(pipeline.sources):
        line = lines.get(("sources", i))
        where = f"{path}:{line}" if line else str(path)
        if isinstance(entry, SourceRef):
            src = manifest.get(entry.use)
            if src is None:
                raise UserError(f"{where}: source #{i + 1}: field 'use': no source '{entry.use}' in {manifest_path or 'the bundled sources.yaml'}")
            update: dict[str, Any] = {}
            if entry.location:
                update["location"] = resolve_location(entry.location, base)
            else:
                update["location"] = resolve_location(src.location, manifest_base)
            if entry.languages:
                extra = sorted(set(entry.languages) - set(src.languages))
                if extra:
                    raise UserError(f"{where}: source '{entry.use}': field 'languages': {extra} not among the source's languages {src.languages}")
                update["languages"] = list(entry.languages)
            if entry.format:
                update["format"] = entry.format
            if entry.fields:
                update["fields"] = entry.fields
            src = _merge(src, update, where)
        else:
            src = entry.model_copy(update={"location": resolve_location(entry.location, base)})
        if any(s.id == src.id for s in sources):
            raise UserError(f"{where}: source '{src.id}': field 'use': the source appears twice in the pipeline")
        sources.append(src)
        loc_line = lines.get(("sources", i, "location")) or line
        located[src.id] = f"{path}:{loc_line}" if loc_line else str(path)
    return ResolvedPipeline(path=str(path.resolve()), pipeline=pipeline, sources=sources, where=located)


def _merge(src: Source, update: dict[str, Any], where: str) -> Source:
    """A manifest entry with a pipeline's overrides, validated again (overrides must stay consistent)."""
    try:
        return Source.model_validate({**src.model_dump(), **{k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in update.items()}})
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "fields"
        raise UserError(f"{where}: source '{src.id}': field '{field}': {first['msg']}") from None


def demo_pipeline_path() -> Path:
    """The bundled demo: binds sources.yaml entries to the sample corpus shipped in the package."""
    return bundled_manifest_path().parent / "demo.yaml"
