"""Errors a user can cause. The CLI prints their message as one paragraph and exits with status 2."""

from pathlib import Path


class MathcptError(Exception):
    """Base of user-facing errors: the message names the file, line or key and what was expected."""


class ConfigError(MathcptError):
    """A recipe or config file (or a --set override) is invalid."""


class DataError(MathcptError):
    """Input data is missing, unreadable or malformed in a way that cannot be skipped."""


def require_inputs(inputs: list[str]) -> None:
    """The command-line inputs (files or folders) all exist; otherwise a DataError naming every missing one."""
    missing = [i for i in inputs if not Path(i).exists()]
    if missing:
        raise DataError(f"input not found: {', '.join(missing)}")
