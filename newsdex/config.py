"""Where newsdex keeps its data and which engine serves it.

The data directory holds the document store (``store.sqlite``), the derived
indexes (``index/<engine>/``), an optional user alias table (``aliases.toml``)
and ``settings.json``, which remembers the engine an index was built with so
that a later command does not silently open the wrong one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "NEWSDEX_DATA"
ENGINE_ENV = "NEWSDEX_ENGINE"
DEFAULT_DATA_DIR = Path("newsdex-data")
DEFAULT_ENGINE = "whoosh"
ENGINES = ("whoosh", "tantivy")


class ConfigError(ValueError):
    """A setting the user gave cannot be used (unknown engine, unreadable settings)."""


@dataclass(frozen=True)
class DataDir:
    """Paths inside one newsdex data directory."""

    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> DataDir:
        """``--data-dir`` wins, then ``NEWSDEX_DATA``, then ``./newsdex-data``."""
        chosen = path or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR
        return cls(Path(chosen).expanduser())

    @property
    def store_path(self) -> Path:
        return self.root / "store.sqlite"

    @property
    def settings_path(self) -> Path:
        return self.root / "settings.json"

    @property
    def user_aliases(self) -> Path:
        return self.root / "aliases.toml"

    def index_root(self, engine: str) -> Path:
        return self.root / "index" / engine

    def exists(self) -> bool:
        return self.store_path.exists()

    def ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def read_settings(self) -> dict[str, object]:
        if not self.settings_path.exists():
            return {}
        try:
            return json.loads(self.settings_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.settings_path}: unreadable settings ({exc})") from exc

    def write_settings(self, **values: object) -> None:
        settings = self.read_settings() | values
        self.ensure()
        tmp = self.settings_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.settings_path)

    def engine_name(self, requested: str | None = None) -> str:
        """``--engine`` wins, then ``NEWSDEX_ENGINE``, then the engine the index was built with."""
        name = requested or os.environ.get(ENGINE_ENV) or self.read_settings().get("engine") or DEFAULT_ENGINE
        name = str(name).lower()
        if name not in ENGINES:
            raise ConfigError(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
        return name
