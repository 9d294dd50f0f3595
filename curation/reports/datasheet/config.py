"""The project-level datasheet configuration (`datasheet/datasheet.yaml`): what no run can know.

Who made the data and why, funding, contact, ethics review, distribution and maintenance policy. Every
question of the datasheet has a field here, under its section (`motivation.funding`,
`maintenance.contact`, ...): Markdown text that the template prints as (part of) the answer. A question
the run answers with facts adds the field's text after them; a question the run cannot answer shows the
field's text, or says plainly that no information was provided. Unknown keys are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, create_model

from curation.config.base import Strict
from curation.core.errors import UserError
from curation.core.yamlfile import read_yaml, validate
from curation.reports.datasheet.questions import SECTIONS


def _section_model(section) -> type[BaseModel]:
    fields: dict[str, Any] = {q.id.split(".", 1)[1]: (str | None, None) for q in section.questions}
    return create_model(f"{section.title.replace('/', '').replace(' ', '')}Answers", __base__=Strict, **fields)


# One field per question, generated from the question list so that the two cannot drift apart.
_SECTION_MODELS = {s.id: _section_model(s) for s in SECTIONS}

DatasheetConfig: type[BaseModel] = create_model(
    "DatasheetConfig",
    __base__=Strict,
    title=(str | None, None),  # the dataset's name in the heading; default: "the <run> run"
    summary=(str | None, None),  # a paragraph under the heading
    **{sid: (model, model()) for sid, model in _SECTION_MODELS.items()},
)


def bundled_config_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("curation") / "data" / "datasheet.yaml"))


def load_config(path: str | Path | None = None) -> tuple[BaseModel, str]:
    """The configuration and how the datasheet names it (the file name, for "no information in X")."""
    path = Path(path) if path else bundled_config_path()
    data, lines = read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of datasheet sections (motivation, composition, ...)")
    return validate(DatasheetConfig, data, path, lines), path.name


def answer(config: BaseModel, question_id: str) -> str | None:
    """The configured text of a question, or None when the field is absent or blank."""
    section, key = question_id.split(".", 1)
    text = getattr(getattr(config, section), key)
    return text.strip() if isinstance(text, str) and text.strip() else None
