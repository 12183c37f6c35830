"""The case type and the environment every case runs in."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    index: int
    category: str
    kind: str
    params: dict = field(default_factory=dict)   # what the plan decided (JSON-able): part of the plan digest
    rng: random.Random | None = None

    def describe(self) -> str:
        bits = [f"{k}={v}" for k, v in self.params.items() if k not in ("note",)]
        note = self.params.get("note")
        return f"{self.category}/{self.kind}" + (f" [{', '.join(bits)}]" if bits else "") + (f": {note}" if note else "")

    def descriptor(self) -> str:
        return json.dumps([self.index, self.category, self.kind, self.params], sort_keys=True, default=str)


@dataclass
class Env:
    """Everything a case may use. Filled in by runner.Run."""
    seed: int
    server: Any
    client: Any                  # KmsClient of the main identity
    idents: dict                 # name -> wire.Identity ("main", "session", "other")
    region: str
    corpus: Any
    victims: Any
    model: Any
    builder: Any
    rec: Any
    timeout: float = 15.0
    big_timeout: float = 40.0

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.server.port}"
