"""Hints on how a statement reads, after EARS (the Easy Approach to Requirements Syntax).

EARS statements have five shapes, each around "the system shall":
  ubiquitous      The system shall …
  event-driven    When <trigger>, the system shall …
  state-driven    While <state>, the system shall …
  unwanted        If <condition>, then the system shall …
  optional        Where <feature is included>, the system shall …
A statement is also flagged when what follows "shall" is a quality ("be
fast", "be easy") rather than a result someone can see and an example can
check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SHAPES = [
    ("event-driven", re.compile(r"^\s*when\b.+\bshall\b", re.I | re.S), "When …, the system shall …"),
    ("state-driven", re.compile(r"^\s*while\b.+\bshall\b", re.I | re.S), "While …, the system shall …"),
    ("unwanted behaviour", re.compile(r"^\s*if\b.+\bthen\b.+\bshall\b", re.I | re.S), "If …, then the system shall …"),
    ("optional feature", re.compile(r"^\s*where\b.+\bshall\b", re.I | re.S), "Where …, the system shall …"),
    ("ubiquitous", re.compile(r"^\s*the\s+\w+(\s+\w+)?\s+shall\b", re.I | re.S), "The system shall …"),
    ("ubiquitous", re.compile(r"^\s*for\s+(each|every|all)\b.+\bshall\b", re.I | re.S), "For each …, the system shall …"),
]
# What each shape tells a reader, in words a nurse or a farmer uses (the EARS names are for the docs).
IN_WORDS = {"event-driven": "when it happens and what the system shall do then",
            "state-driven": "what the system shall do while something is so",
            "unwanted behaviour": "what the system shall do if something goes wrong",
            "optional feature": "what the system shall do where something is there",
            "ubiquitous": "what the system shall always do"}

# Words after "shall" that say what someone can see: a result an example can check.
OBSERVABLE = re.compile(
    r"\bshall\s+(?:not\s+)?(?:also\s+)?(list|show|keep|raise|count|report|compute|calculate|record|alert|give|mark|"
    r"send|total|sum|add|flag|warn|display|print|return|produce|find|rank|group|pay|charge|set|store|remind|"
    r"tell|say|name|select|choose|pick|sort|order|track|hold|make|create|plan|schedule|work out|put|grade|"
    r"classify|rate|score|label|assign|divide|split|match|check|compare|estimate|measure)\w*\b", re.I)
QUALITY = re.compile(r"\bshall\s+(?:always\s+)?(be|work|run|perform|handle|support|allow|feel|look)\b", re.I)


@dataclass(frozen=True)
class Hint:
    kind: str  # "ok" when the statement reads well, "warning" when it could be better
    text: str


def statement_hints(statement: str) -> list[Hint]:
    text = " ".join(statement.split())
    if not text:
        return [Hint("warning", "Say what the system shall do, like: When a tank's level is below 20 %, "
                                "the system shall raise a refill alert.")]
    if not re.search(r"\bshall\b", text, re.I):
        return [Hint("warning", "Use \"shall\" to say what the system must do, like: When …, the system shall …")]
    hints = []
    for name, pattern, form in SHAPES:
        if pattern.search(text):
            hints.append(Hint("ok", f"Clear: it says {IN_WORDS[name]} ({form})"))
            break
    else:
        hints.append(Hint("warning", "Start with When, While, If … then, Where, or The system shall, "
                                     "so it is clear when it applies and what it gives"))
    if QUALITY.search(text) and not OBSERVABLE.search(text):
        hints.append(Hint("warning", "This says how the system should be, not what it gives you. Say what it "
                                     "shows, lists, counts or keeps, so an example can check it."))
    elif not OBSERVABLE.search(text):
        hints.append(Hint("warning", "Name a result someone can see after \"shall\": what it lists, shows, "
                                     "counts, keeps or raises"))
    return hints
