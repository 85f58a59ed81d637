"""The one exception type the command line reports as a single line.

``UsageError`` is bad input from the person at the keyboard: an argument, a ``--set`` key or value, a
file whose contents do not fit. ``yolox-edu`` prints it as ``yolox-edu COMMAND: error: …`` and exits
with status 2 (as argparse does for its own usage errors). Anything else (a ``TypeError``, a
``KeyError``) is a bug and keeps its traceback. Both are ``ValueError`` subclasses, so library callers
that catch ``ValueError`` keep working."""

from __future__ import annotations

__all__ = ["UsageError", "ConfigKeyError", "MissingExtraError", "USAGE_EXIT_CODE"]

USAGE_EXIT_CODE = 2  # what argparse exits with on a usage error


class UsageError(ValueError):
    """Bad input (argument, config value, file contents); the message says what to do instead."""


class ConfigKeyError(UsageError, KeyError):
    """An unknown or ambiguous config key (also a ``KeyError``: a lookup that failed)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MissingExtraError(UsageError, ImportError):
    """An optional dependency is not installed; the message names the ``pip install`` that adds it."""
