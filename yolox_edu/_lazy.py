"""Lazy package attributes (PEP 562), so that ``import yolox_edu`` and ``yolox-edu --help`` stay instant.

A package lists its public names and the submodule each lives in; the submodule (and torch with it) is
imported the first time one of its names is read::

    __getattr__, __dir__ = lazy_exports(__name__, {"build_model": ".models", ...})

A public name must not equal a submodule's name (``yolox_edu.predict`` the function vs a ``predict.py``):
importing the submodule would set the package attribute to the module and hide the function. The test
``tests/test_lazy_import.py`` checks every package for such a clash.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose public names live in submodules.

    ``exports`` maps a public name to the (relative) module that defines it, e.g. ``{"predict": ".inference"}``.
    A name read once is cached in the package's namespace, so later reads cost a dict lookup.
    """

    def __getattr__(name: str) -> object:
        try:
            module_name = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module_name, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__


def group(module: str, *names: str) -> dict[str, str]:
    """``{name: module for name in names}``: one line per submodule in a package's export table."""
    return dict.fromkeys(names, module)
