"""Fix the trivial things in model-written code without asking the model again.

Small models forget imports, wrap code in prose, or name the function
differently. These are mended here; what cannot be mended (a syntax error, a
name defined nowhere) is returned as a problem to show the model.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import threading
from dataclasses import dataclass, field

# name -> the import that defines it
_FROM_IMPORTS = {
    "defaultdict": "collections", "Counter": "collections", "OrderedDict": "collections", "deque": "collections",
    "namedtuple": "collections", "groupby": "itertools", "chain": "itertools", "islice": "itertools",
    "accumulate": "itertools", "combinations": "itertools", "product": "itertools", "reduce": "functools",
    "lru_cache": "functools", "cmp_to_key": "functools", "itemgetter": "operator", "attrgetter": "operator",
    "Decimal": "decimal", "ROUND_HALF_UP": "decimal", "timedelta": "datetime", "date": "datetime",
    "mean": "statistics", "median": "statistics", "floor": "math", "ceil": "math", "isclose": "math",
}
_MODULES = {"math", "statistics", "re", "json", "collections", "itertools", "functools", "operator", "decimal", "string", "bisect", "heapq"}
_DATETIME_ATTRIBUTES = {"date", "datetime", "timedelta", "time", "timezone"}


@dataclass
class Fixed:
    code: str
    problems: list[str] = field(default_factory=list)
    mended: list[str] = field(default_factory=list)  # what was fixed, for the log


_FENCED = re.compile(r"^[ \t]*```[\w+-]*[ \t]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)  # a fenced block's body


def extract_code(answer: str) -> str:
    """The Python in a model's answer: the fenced block that defines a function, else the whole answer."""
    blocks = _FENCED.findall(answer)
    for block in blocks:
        if "def " in block:
            return block.strip() + "\n"
    if blocks:
        return blocks[0].strip() + "\n"
    return answer.strip().removeprefix("```python").removeprefix("```").removesuffix("```").strip() + "\n"


# CPython 3.11 can fail with "AST constructor recursion depth mismatch" when threads parse at
# once, and the build graph writes components in parallel: parse one at a time.
PARSING = threading.Lock()


def fix_code(answer: str, function: str = "run") -> Fixed:
    with PARSING:
        return _fix_code(answer, function)


def _fix_code(answer: str, function: str) -> Fixed:
    code = extract_code(answer)
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        return Fixed(code, [f"line {error.lineno}: {error.msg}; the code does not parse"])
    fixed = Fixed(code)
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    if function not in functions:
        if not functions:
            return Fixed(code, [f"there is no function; write `def {function}(...)`"])
        code += f"\n\n{function} = {functions[-1]}\n"
        fixed.mended.append(f"named {functions[-1]} as {function}")
    imports = _missing_imports(tree)
    if imports:
        code = "\n".join(imports) + "\n\n" + code
        fixed.mended.append("added " + "; ".join(imports))
    fixed.code = code
    undefined = _undefined_names(ast.parse(code))
    fixed.problems = [f"name '{name}' is used but never defined" for name in sorted(undefined)]
    return fixed


def _missing_imports(tree: ast.Module) -> list[str]:
    undefined = _undefined_names(tree)
    modules = sorted(undefined & _MODULES)
    names = [f"from {_FROM_IMPORTS[name]} import {name}" for name in sorted(undefined) if name in _FROM_IMPORTS]
    if "datetime" in undefined:
        uses_module = any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "datetime"
                          and n.attr in _DATETIME_ATTRIBUTES for n in ast.walk(tree))
        if uses_module:
            modules = sorted([*modules, "datetime"])
        else:
            names.insert(0, "from datetime import datetime")
    return [f"import {module}" for module in modules] + names


def _undefined_names(tree: ast.Module) -> set[str]:
    defined = set(dir(builtins))
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    return used - defined


_QUERY_START = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


def extract_sql(answer: str) -> Fixed:
    """The one query in a model's answer: the fenced block that selects, else the answer from SELECT or WITH on."""
    blocks = _FENCED.findall(answer)
    candidates = [b for b in blocks if re.search(r"\bselect\b", b, re.IGNORECASE)] or [answer]
    text = candidates[0]
    start = re.search(r"^\s*(SELECT|WITH)\b", text, re.IGNORECASE | re.MULTILINE)
    if start is None:
        return Fixed(text.strip(), ["the answer holds no SELECT query"])
    query = text[start.start():].strip()
    statements = [s for s in (part.strip() for part in query.split(";")) if s]
    # A second statement after the query is prose or a stray example; a query has one statement.
    query = statements[0] if statements else query
    problems = [] if _QUERY_START.match(query) else ["the answer holds no SELECT query"]
    return Fixed(query, problems)


def mend_query(query: str, tables: dict[str, dict[str, str]]) -> Fixed:
    """Mend a query's references that DuckDB cannot bind, where only one reading makes sense.

    `a.name` where table `a` has no `name` but exactly one other table in the
    query has it becomes that table's reference; a bare `pupil_id` that is
    ambiguous takes the first table DuckDB offers; an input table used
    (`clinic_days.day`) but never read is added beside the first table read.
    The query is only planned (EXPLAIN) on empty tables, with file and
    network access off, so nothing the model wrote runs here. The mended query is kept only if it then binds;
    otherwise the query stays as the model wrote it, for the sandbox to judge.
    """
    try:
        import duckdb
    except ImportError:
        return Fixed(query)
    connection = duckdb.connect(":memory:", config={"enable_external_access": False, "threads": 1})
    try:
        for name, columns in tables.items():
            declared = ", ".join(f'"{column}" {kind}' for column, kind in columns.items())
            connection.execute(f'CREATE TABLE "{name}" ({declared})')
        current, mended = query, []
        for _ in range(MAX_MEND_ROUNDS):
            try:
                connection.execute("EXPLAIN " + current)
            except duckdb.Error as error:
                step = _qualified(current, str(error), _aliases(connection, current), tables)
                if step is None:
                    return Fixed(query)
                current, note = step
                mended.append(note)
                continue
            return Fixed(current, mended=mended)
        return Fixed(query)
    finally:
        connection.close()


MAX_MEND_ROUNDS = 6


def _qualified(query: str, error: str, aliases: dict[str, str], tables: dict[str, dict[str, str]]) -> tuple[str, str] | None:
    """The query with one binding error mended, and a note saying how; None when it is not a qualification slip."""
    if found := re.search(r'(?:Table|Values list) "(\w+)" does not have a column named "(\w+)"', error):
        wrong, column = found.groups()
        owners = [alias for alias, table in aliases.items() if column in tables.get(table, {})]
        if len(owners) != 1:
            return None
        mended = re.sub(rf"\b{re.escape(wrong)}\s*\.\s*{re.escape(column)}\b", f"{owners[0]}.{column}", query)
        return (mended, f"{wrong}.{column} is {owners[0]}.{column}") if mended != query else None
    if found := re.search(r"Ambiguous reference to column name \"(\w+)\" \(use: '(\w+)\.\w+'", error):
        column, alias = found.groups()
        bare = rf"(?<![\w.\"])(?<!\bAS )(?<!\bas ){re.escape(column)}(?![\w\"(])"
        mended = re.sub(bare, f"{alias}.{column}", _outside_using(query, column))
        mended = mended.replace(_USING_MARK, column)
        return (mended, f"{column} is {alias}.{column}") if mended != query else None
    if found := re.search(r'Referenced table "(\w+)" not found', error):
        table = found.group(1)
        if table not in tables or table in aliases:
            return None
        # A one-record table of settings (the clinic day) read without a join: add it beside the first table read.
        first = _FIRST_TABLE.search(query)
        if first is None:
            return None
        return query[:first.end()] + f", {table}" + query[first.end():], f"added {table} to FROM"
    return None


_CLAUSE_WORDS = r"(?:WHERE|JOIN|LEFT|RIGHT|INNER|OUTER|FULL|CROSS|GROUP|ORDER|HAVING|LIMIT|QUALIFY|WINDOW|UNION|ON|USING)\b"
_FIRST_TABLE = re.compile(rf"\bFROM\s+\w+(?:\s+(?:AS\s+)?(?!{_CLAUSE_WORDS})\w+)?", re.IGNORECASE)

_USING_MARK = "\x00using\x00"


def _outside_using(query: str, column: str) -> str:
    """The query with `column` inside USING (...) hidden, so that qualifying leaves join keys alone."""
    return re.sub(r"\bUSING\s*\(([^)]*)\)", lambda m: m.group(0).replace(column, _USING_MARK), query, flags=re.IGNORECASE)


def _aliases(connection, query: str) -> dict[str, str]:
    """alias (or table name) -> table, for every table the query reads by name."""
    tree = json.loads(connection.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0])
    found: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("table_name"):
                found[node.get("alias") or node["table_name"]] = node["table_name"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found
