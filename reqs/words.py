"""Small pieces of plain English shared by every message shall writes."""

from __future__ import annotations

import re


def counted(number: int, noun: str) -> str:
    """'1 example', '3 examples': a count with its noun, plural where it must be."""
    return f"{number} {noun}{'s' * (number != 1)}"


# Words that say nothing about which notion a statement means.
STOPWORDS = frozenset("""
a about above after all also an and any are as at be been before below between both but by can day days
do does each every for from given has have how if in into is it its less list lists made make makes many
may more most much must no not of on one only or other over per record records same shall should so some
such than that the their them then there these they this those three times to two under up was were what
when where which who whose will with within would
""".split())


def stem(word: str) -> str:
    """A word cut to what its forms share: "anaemic" and "anaemia", "grades" and "graded" meet."""
    if len(word) > 4:
        word = re.sub(r"e$", "", re.sub(r"(ed|ing)$", "", re.sub(r"(ies|es|s)$", "", word)))
    return word[:5]


def notion_words(text: str) -> set[str]:
    """The stems of the words of a text that can name a notion: "the fever readings" gives {"fever", "readi"}."""
    return {stem(w) for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in STOPWORDS}
