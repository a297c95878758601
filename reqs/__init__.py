"""The requirement model: parsing, validation, storage and hashing.

Plain Python with no user interface; the command line and the terminal UI are
thin shells over these functions.
"""

from reqs.problems import InvalidInput, Problem, ShallError

__all__ = ["InvalidInput", "Problem", "ShallError"]
