"""YAML documents that remember where everything came from and how it looked.

A `YamlDocument` keeps ruamel's round-trip tree, so it can answer "which line
holds this value?" for error messages, and so a save changes only the values
that changed: comments, key order, quoting and layout stay as the person wrote
them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString

from reqs.atomic import write_atomic
from reqs.parsecache import ParseCache
from reqs.problems import Problem

# (mapping indent, sequence indent, sequence dash offset), most common first.
_LAYOUTS = [(2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 8, 4), (4, 4, 0), (2, 3, 1), (3, 3, 1), (3, 5, 3)]
_TAG = re.compile(r"(^|[\s:,\[{-])!")  # a YAML tag such as !!int or !custom

_SYNTAX_HINTS = [
    ("cannot start any token", "'\\t'", "a tab is used for indenting here; YAML needs spaces, so replace the tab with spaces"),
    ("mapping values are not allowed", "", "there is a ':' YAML did not expect; if the text itself contains ': ', put the whole value in quotes"),
    ("could not find expected ':'", "", "a line here is missing the ':' after its key, or a quote is opened and never closed"),
    ("while scanning a quoted scalar", "", "a quote is opened here and never closed; add the closing quote"),
    ("expected <block end>", "", "this line is not indented like the lines around it; line it up with its neighbours"),
    ("expected ',' or ']'", "", "a list in [ ] is not closed properly; check the commas and the closing ]"),
    ("expected ',' or '}'", "", "a mapping in { } is not closed properly; check the commas and the closing }"),
    ("found unexpected end of stream", "", "the file ends before a quote or bracket is closed; close it"),
]


def _yaml(layout: tuple[int, int, int] = _LAYOUTS[0]) -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a person's long lines
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def syntax_problem(path: str, error: YAMLError, text: str = "") -> Problem:
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    line = problem_mark.line + 1 if problem_mark is not None else 0
    problem = str(getattr(error, "problem", "") or error)
    context = str(getattr(error, "context", "") or "")
    if context_mark is not None and context.startswith(("while scanning a quoted", "while parsing a flow")):
        line = context_mark.line + 1  # where the quote or bracket was opened, not where the file ran out
    if "<stream end>" in problem and (opened := _unclosed_bracket_line(text)):
        return Problem(path, opened, "a [ or { opened on this line is never closed; close it with ] or }")
    if "duplicate key" in problem:
        key = re.search(r'duplicate key "([^"]*)"', problem)
        name = key.group(1) if key else "a key"
        first = _first_line_of_key(text, name, context_mark.line if context_mark else 0, line - 1)
        where = f" (also on line {first})" if first else ""
        return Problem(path, line, f"'{name}' appears twice here{where}; keep only one of them")
    for needle, extra, hint in _SYNTAX_HINTS:
        if (needle in problem or needle in context) and extra in problem:
            return Problem(path, line, hint)
    return Problem(path, line, f"this is not valid YAML ({problem}); check the indentation, the colons and the quotes")


def _unclosed_bracket_line(text: str) -> int | None:
    """The line of the last [ or { that has no partner, ignoring quoted text and comments."""
    open_lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        quote = None
        for position, char in enumerate(line):
            if quote:
                quote = None if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#" and (position == 0 or line[position - 1].isspace()):
                break
            elif char in "[{":
                open_lines.append(number)
            elif char in "]}" and open_lines:
                open_lines.pop()
    return open_lines[-1] if open_lines else None


def _first_line_of_key(text: str, key: str, start: int, stop: int) -> int | None:
    pattern = re.compile(rf"^\s*(?:-\s+)?['\"]?{re.escape(key)}['\"]?\s*:")
    for number, line in enumerate(text.splitlines()[start:stop], start=start + 1):
        if pattern.match(line):
            return number
    return None


def to_plain(node: Any) -> Any:
    """The tree as plain Python: dicts, lists, str, int, float, bool, None.

    Dates and datetimes become ISO-8601 strings, as the workspace contract
    says they are, whether or not the person quoted them.
    """
    if isinstance(node, dict):
        return {_plain_key(key): to_plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [to_plain(item) for item in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, (dt.datetime, dt.date)):
        return node.isoformat()
    if isinstance(node, str):
        return str(node)
    return str(node)


def _plain_key(key: Any) -> str:
    plain = to_plain(key)
    return plain if isinstance(plain, str) else str(plain).lower() if isinstance(plain, bool) else str(plain)


@dataclass
class YamlDocument:
    """One YAML file as loaded: its text, its round-trip tree and its plain data."""

    path: Path
    display: str  # the path as people see it in messages
    text: str
    root: Any
    _layout: tuple[int, int, int] | None = field(default=None, repr=False)

    @classmethod
    def from_cache(cls, path: Path, display: str, text: str, data: Any) -> YamlDocument:
        """A document whose plain data is known already (see reqs.parsecache); its tree is read only when needed."""
        return _CachedDocument(path=path, display=display, text=text, root=None, known=data)

    @classmethod
    def parse(cls, text: str, path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
        try:
            root = _yaml().load(text)
        except YAMLError as error:
            return None, [syntax_problem(display, error, text)]
        except (ValueError, TypeError, IndexError, KeyError, RecursionError) as error:  # ruamel's constructors raise these on odd input
            tagged = next((n for n, line in enumerate(text.splitlines(), 1) if _TAG.search(line)), 0)
            if tagged:  # nearly always a tag the value does not fit, like `!!int` on nothing
                return None, [Problem(display, tagged, "this value has a YAML tag (a word after !) that it does not fit; "
                                      "remove the tag")]
            return None, [Problem(display, 0, f"this file cannot be read as YAML ({error}); check its syntax")]
        return cls(path=path, display=display, text=text, root=root), []

    @classmethod
    def read(cls, path: Path, display: str, cache: ParseCache | None = None) -> tuple[YamlDocument | None, list[Problem]]:
        try:
            raw = path.read_bytes()
        except OSError as error:
            return None, [Problem(display, 0, f"cannot read this file ({error.strerror}); check that it exists and you may read it")]
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            return None, [Problem(display, line, "this line has characters that are not UTF-8 text; save the file as UTF-8")]
        if cache is None:
            return cls.parse(text, path, display)
        key = cache.key(raw)
        known = cache.get(display, key)
        if known is not None:
            return cls.from_cache(path, display, text, known), []
        document, problems = cls.parse(text, path, display)
        if document is not None:
            cache.put(display, key, document.data)
        return document, problems

    @property
    def data(self) -> Any:
        return to_plain(self.root)

    def line_of(self, loc: tuple[Any, ...]) -> int:
        """The 1-based line that best matches a location such as ("examples", 0, "then")."""
        node = self.root
        line = _start_line(node)
        for step in loc:
            if isinstance(node, CommentedMap):
                key = _find_key(node, step)
                if key is _MISSING:
                    break
                line = node.lc.key(key)[0]
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
                line = node.lc.item(step)[0]
                node = node[step]
            else:
                break
        return line + 1

    # --- saving -----------------------------------------------------------------

    def update(self, data: Any) -> None:
        """Change the tree to hold `data`, touching only the values that differ."""
        self.root = _merge(self.root, data)

    def dump(self) -> str:
        layout = self._layout or self._guess_layout()
        out = io.StringIO()
        _yaml(layout).dump(self.root, out)
        text = out.getvalue()
        if "\r\n" in self.text:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return text

    def save(self) -> bool:
        """Write the document if it changed. Returns whether anything was written."""
        text = self.dump()
        if text == self.text and self.path.exists():
            return False
        write_atomic(self.path, text)
        self.text = text
        return True

    def _guess_layout(self) -> tuple[int, int, int]:
        best, best_score = _LAYOUTS[0], -1
        original = self.text.replace("\r\n", "\n").splitlines()
        for layout in _LAYOUTS:
            yaml = _yaml(layout)
            out = io.StringIO()
            try:
                yaml.dump(yaml.load(self.text), out)
            except YAMLError:
                break
            lines = out.getvalue().splitlines()
            score = sum(a == b for a, b in zip(lines, original)) - abs(len(lines) - len(original))
            if lines == original:
                best = layout
                break
            if score > best_score:
                best, best_score = layout, score
        self._layout = best
        return best


_MISSING = object()


def _start_line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return lc.line if lc is not None and lc.line is not None else 0


def _find_key(node: CommentedMap, step: Any) -> Any:
    if step in node:
        return step
    for key in node:
        if _plain_key(key) == step:
            return key
    return _MISSING


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for key in [k for k in old if _plain_key(k) not in new]:
            del old[key]
        for key, value in new.items():
            existing = _find_key(old, key)
            if existing is _MISSING:
                old[key] = _fresh(value, like=None)
            elif to_plain(old[existing]) != value:
                old[existing] = _merge(old[existing], value)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        for index, value in enumerate(new):
            if index < len(old):
                if to_plain(old[index]) != value:
                    old[index] = _merge(old[index], value)
            else:
                old.append(_fresh(value, like=old[-1] if len(old) else None))
        del old[len(new):]
        return old
    if isinstance(old, ScalarString) and isinstance(new, str) and ("\n" not in new or isinstance(old, LiteralScalarString)):
        return type(old)(new)  # keep the person's quoting style
    return _fresh(new, like=old)


def _fresh(value: Any, like: Any) -> Any:
    """A new node for `value`, styled like its sibling `like` where that matters."""
    if isinstance(value, dict):
        node = CommentedMap((key, _fresh(item, like=None)) for key, item in value.items())
        if isinstance(like, CommentedMap) and like.fa.flow_style():
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        node = CommentedSeq(_fresh(item, like=None) for item in value)
        for item in node:  # records read best one to a line: - {tank_id: T1, level_pct: 12.5}
            if isinstance(item, CommentedMap) and item and not any(isinstance(v, (dict, list)) for v in item.values()):
                item.fa.set_flow_style()
        if isinstance(like, CommentedSeq) and like.fa.flow_style():
            node.fa.set_flow_style()
        return node
    if isinstance(value, str) and "\n" in value.strip("\n"):
        return LiteralScalarString(value)
    return value


@dataclass
class _CachedDocument(YamlDocument):
    """Reading YAML with its comments and lines is slow (about 3 ms a file); most commands need only the data."""

    known: Any = None
    _parsed: bool = field(default=False, repr=False)

    def __getattribute__(self, name: str) -> Any:
        if name == "root" and not object.__getattribute__(self, "_parsed"):
            object.__setattr__(self, "root", _yaml().load(object.__getattribute__(self, "text")))
            object.__setattr__(self, "_parsed", True)
        return object.__getattribute__(self, name)

    @property
    def data(self) -> Any:
        return self.known if not self._parsed else to_plain(self.root)
