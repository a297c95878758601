"""Prompts for the model, kept short: the embedded models read about 65-130 tokens a second on 2 cores."""

from __future__ import annotations

PROMPT_VERSION = "component-python-sql-4"

SYSTEM = """You write one Python function for a small data program.
Rules:
- Write `def run(...)` taking the named inputs. Each input is a list of records (dicts).
- Return the output: a new list of records (dicts) with the output fields.
- A record has only the fields listed for its input. To use a field of another input, look it up by the key they share.
- Use only the Python standard library, and import what you use.
- date fields hold datetime.date objects; datetime fields hold datetime.datetime objects.
- Do exactly what the requirement says; the examples show it, but the rule is the requirement.
- Do not print, read files or use the network.
Answer with the code only, in one ```python block."""

TASK = """Requirement{plural}:
{requirements}

{context}Inputs:
{inputs}

Output: {output}, a list of records with fields {fields}.
An expected record may name only some of its fields; output all of them.

{examples}

Write `def run({parameters}):` now."""

EXAMPLE = """Example "{name}":
{inputs}
expected {output} = {expected}"""

# One repair prompt for both languages; REPAIR_WORDS fills in what the answer is and how it is fenced.
REPAIR = """Your {answer}:
```{fence}
{code}
```
It is wrong on example "{name}":
{inputs}
expected {output} = {expected}
{outcome}

Find the mistake, then write the whole corrected {unit} in one ```{fence} block."""

REPAIR_WORDS = {
    "python": {"answer": "code", "fence": "python", "unit": "function"},
    "sql": {"answer": "query", "fence": "sql", "unit": "query"},
}

SQL_SYSTEM = """You write one DuckDB SQL query for a small data program.
Rules:
- Write one SELECT statement (WITH is allowed). It reads the input tables and returns the output rows.
- Name the output columns exactly as asked.
- A table has only the columns listed for it. To use another table's column, JOIN that table.
- When a query reads more than one table, write every column as alias.column, with the alias of the table that has it.
- date columns are DATE, datetime columns are TIMESTAMP, number is DOUBLE, integer is BIGINT.
- Do exactly what the requirement says; the examples show it, but the rule is the requirement.
Answer with the query only, in one ```sql block."""

SQL_TASK = """Requirement{plural}:
{requirements}

{context}Tables:
{inputs}

Output: rows of {output} with columns {fields}.
An expected row may name only some of its columns; select all of them.

{examples}

Write the SELECT query now."""
