"""The generation side's one error: a model could not be found, verified, loaded or run."""
from __future__ import annotations


class ModelError(RuntimeError):
    """A model could not be found, verified, loaded or run. The message says why."""
