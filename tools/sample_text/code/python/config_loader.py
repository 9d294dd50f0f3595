"""Layered configuration: defaults < config file < environment variables."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "APP_"


@dataclass
class DatabaseConfig:
    host: str = "localhost"
    port: int = 5432
    name: str = "app"
    user: str = "app"
    password: str = ""


@dataclass
class Config:
    debug: bool = False
    log_level: str = "INFO"
    workers: int = 4
    allowed_hosts: list[str] = field(default_factory=lambda: ["localhost"])
    database: DatabaseConfig = field(default_factory=DatabaseConfig)


def _coerce(value: str, target_type):
    if target_type is bool or target_type == "bool":
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if target_type is int or target_type == "int":
        return int(value)
    if target_type in (list, "list[str]"):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _apply(obj, data: dict, path: str = "") -> None:
    for f in fields(obj):
        if f.name not in data:
            continue
        current = getattr(obj, f.name)
        if hasattr(current, "__dataclass_fields__"):
            _apply(current, data[f.name], f"{path}{f.name}.")
        else:
            setattr(obj, f.name, data[f.name])


def _apply_env(obj, prefix: str) -> None:
    for f in fields(obj):
        current = getattr(obj, f.name)
        key = f"{prefix}{f.name.upper()}"
        if hasattr(current, "__dataclass_fields__"):
            _apply_env(current, key + "__")
        elif key in os.environ:
            setattr(obj, f.name, _coerce(os.environ[key], f.type))


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Build a Config from defaults, an optional JSON file and the environment.

    Nested keys are addressed with a double underscore, e.g.
    ``APP_DATABASE__HOST=db.internal``.
    """
    cfg = Config()
    path = path or os.environ.get(f"{ENV_PREFIX}CONFIG")
    if path:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"config file not found: {p}")
        with p.open(encoding="utf-8") as fh:
            _apply(cfg, json.load(fh))
    _apply_env(cfg, ENV_PREFIX)
    if cfg.workers < 1:
        raise ValueError("workers must be >= 1")
    cfg.log_level = cfg.log_level.upper()
    return cfg


if __name__ == "__main__":
    print(load_config())
