"""The base of every typed configuration section of a pipeline file (stages and whole-run phases)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A config section that rejects unknown keys (a typo is an error, not a silently ignored option)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StageConfig(Strict):
    """What every per-document stage and whole-run phase config has: it can be switched off."""

    enabled: bool = True

    def active(self) -> bool:
        """Whether the stage runs: enabled, and given what it needs (a stage whose input is optional says so)."""
        return self.enabled
