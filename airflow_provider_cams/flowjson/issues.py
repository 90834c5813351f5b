"""The internal form of a problem before it gets a line and column."""

from __future__ import annotations

from dataclasses import dataclass

Token = str | int


@dataclass(frozen=True)
class Issue:
    """A problem at a path of object keys / array indexes; ``at_key`` places it on the key."""

    tokens: tuple[Token, ...]
    message: str
    rule: str
    at_key: bool = False

    @property
    def pointer(self) -> str:
        return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in self.tokens)
