"""User-supplied functions named `module:function` in a config or on the command line (reward hooks, rm@k scorers).

Used by `mathcpt eval --reward` and GRPO's `rewards.hook`; a name that does not import is a ConfigError that says
which setting named it.
"""

from __future__ import annotations

import importlib
from typing import Callable

from pipeline.errors import ConfigError


def import_callable(spec: str | None, setting: str) -> Callable | None:
    """`module:function` → the function; None when unset. `setting` names the key or flag in the error."""
    if not spec:
        return None
    module, _, name = spec.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as e:
        raise ConfigError(f"{setting} {spec}: cannot import ({e}); give module:function") from None
    if not callable(fn):
        raise ConfigError(f"{setting} {spec}: {name} is not a function")
    return fn
