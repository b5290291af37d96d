"""Exceptions salessim raises for problems a user can fix; the CLI shows them as one line."""

from __future__ import annotations

import enum
from pathlib import Path

_MAX_VALUE_CHARS = 80


class _Omitted(enum.Enum):
    NO_VALUE = "no value"


NO_VALUE = _Omitted.NO_VALUE
"""The value of a ScenarioError that quotes none: it would be a file's content, not a field's."""


class SalessimError(Exception):
    """Base of every error salessim raises on purpose; anything else is a bug."""


class ScenarioError(SalessimError):
    """A scenario file, override or value breaks a rule: names file, field path, rule and value."""

    def __init__(
        self, file: str | Path | None, path: str, rule: str, value: object = NO_VALUE
    ) -> None:
        self.file: str | None = None if file is None else str(file)
        self.path = path
        self.rule = rule
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.path or "<top>"
        rule = " ".join(self.rule.split())
        text = f"{where}: {rule}"
        if self.value is not NO_VALUE:
            text += f" (got {_short_repr(self.value)})"
        return text if self.file is None else f"{self.file}: {text}"

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str | None, str, str, object]]:
        # Batch runs use worker processes, which pickle exceptions; the default would call
        # ScenarioError(message) and fail.
        return (type(self), (self.file, self.path, self.rule, self.value))


def _short_repr(value: object) -> str:
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        return text[: _MAX_VALUE_CHARS - 3] + "..."
    return text
