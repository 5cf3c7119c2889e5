"""Package faces whose names load on first use (PEP 562).

A stage's ``__init__.py`` names everything it offers, but importing it must stay cheap where a
light path (a ``--help``, a Beam worker) needs only one module. :func:`lazy_face` gives the
package a module-level ``__getattr__`` that imports a name's module when the name is first read::

    __all__, __getattr__, __dir__ = lazy_face(__name__, {"settings": ("TrainConfig",), ...})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_face"]


def lazy_face(
    package: str, modules: Mapping[str, Sequence[str]]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """Builds a package's ``__all__``, ``__getattr__`` and ``__dir__`` from where its names live.

    Args:
        package: The package's ``__name__``.
        modules: Sub-module name -> the public names it defines, in the face's reading order.

    Returns:
        ``(__all__, __getattr__, __dir__)`` to assign at the package's top level. A name is
        imported from its module on first use and then kept in the package like any attribute.
    """
    where = {name: module for module, names in modules.items() for name in names}

    def getattr_(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return list(where), getattr_, dir_
