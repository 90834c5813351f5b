"""What the validator reports: one :class:`FlowJsonError` per problem, all of them at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FlowJsonError:
    """One problem in a Flow JSON document.

    ``pointer`` is an RFC 6901 JSON pointer (``""`` is the whole document); ``line`` and ``column``
    are 1-based positions in the text (0 when the flow was given as a dict); ``rule`` is a short id
    (``json-syntax``, ``required``, ``version``...) that tests and tools can match on.
    """

    pointer: str
    line: int
    column: int
    message: str
    rule: str

    def format(self, file: str = "<flow>") -> str:
        """``FILE:LINE:COL: POINTER: MESSAGE``, the shape editors and CI annotate from."""
        pointer = self.pointer or "/"
        return f"{file}:{self.line}:{self.column}: {pointer}: {self.message}"


class FlowJsonInvalid(ValueError):
    """A Flow JSON document failed validation; ``errors`` holds every problem found."""

    def __init__(self, errors: Sequence[FlowJsonError], file: str = "<flow>") -> None:
        self.errors: list[FlowJsonError] = list(errors)
        self.file = file
        count = len(self.errors)
        lines = [f"Flow JSON is invalid ({count} error{'s' if count != 1 else ''}):"]
        lines.extend(f"  {error.format(file)}" for error in self.errors)
        super().__init__("\n".join(lines))
