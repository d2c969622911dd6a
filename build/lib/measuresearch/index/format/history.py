"""A build's change history (written by the build, fingerprints.py), read by the service on first use."""

import json
import threading

from measuresearch.index.format.layout import HISTORY_FILE


class History:
    """The change history of one build, read on first use."""

    def __init__(self, folder):
        self.folder = folder
        self._data = None
        self._lock = threading.Lock()

    def data(self):
        """Return the history as plain data ({"builds": [], ...} for a build made before histories)."""
        with self._lock:
            if self._data is None:
                try:
                    self._data = json.loads((self.folder / HISTORY_FILE).read_text(encoding="utf-8"))
                except FileNotFoundError:
                    self._data = {"builds": [], "first_indexed": [], "last_changed": []}
            return self._data

    def dates(self, docnum):
        """Return {"first_indexed", "last_changed"} of one document (None when unknown)."""
        data = self.data()
        if docnum >= len(data["first_indexed"]):
            return {"first_indexed": None, "last_changed": None}
        return {"first_indexed": data["first_indexed"][docnum], "last_changed": data["last_changed"][docnum]}
