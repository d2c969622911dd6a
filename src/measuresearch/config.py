"""The one place that reads the environment."""

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class Config:
    """Where the corpus and the index live."""

    corpus: str
    index: str


def from_environment(environ=None):
    """Return the Config from MEASURESEARCH_CORPUS and MEASURESEARCH_INDEX."""
    environ = os.environ if environ is None else environ
    return Config(
        corpus=environ.get("MEASURESEARCH_CORPUS") or "corpus",
        index=environ.get("MEASURESEARCH_INDEX") or "index",
    )
