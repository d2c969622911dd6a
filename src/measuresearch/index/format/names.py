"""The economies' names a build indexed (economies.json), read by its writers and by the service."""

import json
import pathlib

from measuresearch.domain.economy_names import EconomyNames
from measuresearch.index.format.layout import ECONOMIES_FILE


def read(folder):
    """Return the EconomyNames of a build folder (none recorded: every economy has only its own name)."""
    try:
        data = json.loads((pathlib.Path(folder) / ECONOMIES_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    return EconomyNames(data)
