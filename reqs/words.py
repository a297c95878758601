"""Small pieces of plain English shared by every message shall writes."""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """'1 example', '3 examples': a count with its noun, plural where it must be."""
    return f"{number} {noun}{'s' * (number != 1)}"
