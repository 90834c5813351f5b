"""Map JSON pointers to line/column in the original text, lazily.

The document is parsed by the C ``json`` module first; this scanner only runs when there are
errors to place, and only over the containers on the way to them (each container is scanned once,
then cached), so valid flows never pay for it.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner json uses

from airflow_provider_cams.flowjson.issues import Token

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")
# json's own (C) value scanner: skipping a whole screen costs what parsing it costs, ~100x less
# than scanning its brackets in Python. NaN/Infinity are accepted so positions of those still exist.
_SCAN_ONCE = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class PositionIndex:
    """Offsets of values (and of object keys) inside one JSON text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._children: dict[int, dict[Token, tuple[int, int]]] = {}
        self._newlines: list[int] | None = None
        self._arrays: dict[int, tuple[dict[Token, tuple[int, int]], int, bool]] = {}
        self._placed = 0

    def _ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def _skip(self, i: int) -> int:
        """Offset just past the value starting at ``i``."""
        text = self.text
        c = text[i]
        if c == '"':
            return scanstring(text, i + 1)[1]
        if c in "{[":
            try:
                return int(_SCAN_ONCE(text, i)[1])
            except (StopIteration, ValueError):
                return len(text)
        m = _SCALAR.match(text, i)
        return m.end() if m else i + 1

    def _members(self, start: int) -> dict[Token, tuple[int, int]]:
        """Children of the container at ``start``: token -> (key offset, value offset)."""
        cached = self._children.get(start)
        if cached is not None:
            return cached
        text = self.text
        members: dict[Token, tuple[int, int]] = {}
        i = self._ws(start + 1)
        if text[start] == "{":
            while i < len(text) and text[i] == '"':
                key, j = scanstring(text, i + 1)
                j = self._ws(self._ws(j) + 1)  # past ':'
                members[key] = (i, j)  # a duplicate key keeps the last one, like json.loads
                i = self._ws(self._skip(j))
                if i < len(text) and text[i] == ",":
                    i = self._ws(i + 1)
        else:
            return self._elements(start, None)
        self._children[start] = members
        return members

    def _elements(self, start: int, wanted: Token | None) -> dict[Token, tuple[int, int]]:
        """Elements of the array at ``start``, scanned only as far as ``wanted`` (all if None).

        An error deep in a 1 MB flow's 22nd screen skips 22 screens, not all of them; a later look-up
        in the same array resumes where the last one stopped.
        """
        members, i, done = self._arrays.get(start) or ({}, self._ws(start + 1), False)
        text = self.text
        while not done and (wanted is None or wanted not in members):
            if i >= len(text) or text[i] == "]":
                done = True
                break
            members[len(members)] = (i, i)
            i = self._ws(self._skip(i))
            if i < len(text) and text[i] == ",":
                i = self._ws(i + 1)
            else:
                done = True
        self._arrays[start] = (members, i, done)
        return members

    def offset(self, tokens: tuple[Token, ...], at_key: bool = False) -> int:
        """Offset of the value at ``tokens`` (of its key if ``at_key``); the deepest existing
        ancestor when the path does not exist (e.g. a missing property)."""
        pos = self._ws(0)
        if pos >= len(self.text):
            return 0
        for n, token in enumerate(tokens):
            if self.text[pos] not in "{[":
                break
            container = self._members(pos) if self.text[pos] == "{" else self._elements(pos, token)
            member = container.get(token)
            if member is None:
                break
            if at_key and n == len(tokens) - 1:
                return member[0]
            pos = member[1]
        return pos

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``.

        The first few positions are counted directly (C speed, no index of a 1 MB text's lines);
        from the 17th on, an index of the newlines makes each one a bisection.
        """
        self._placed += 1
        if self._newlines is None and self._placed <= 16:
            line_start = self.text.rfind("\n", 0, offset) + 1
            return self.text.count("\n", 0, offset) + 1, offset - line_start + 1
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, offset)
        line_start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - line_start + 1
