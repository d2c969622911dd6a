"""A progress bar for long builds, drawn only on a terminal."""

import sys
import time


class Progress:
    """Draws `label [#####     ] n/total` on a terminal, at most 10 times a second."""

    def __init__(self, label, stream=None, width=30):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.last = 0.0
        self.drawn = False
        self.enabled = self.stream.isatty()

    def __enter__(self):
        return self

    def update(self, done, total):
        if not self.enabled or (time.monotonic() - self.last < 0.1 and done != total):
            return
        self.last = time.monotonic()
        filled = int(self.width * done / max(total, 1))
        self.stream.write(f"\r{self.label} [{'#' * filled}{' ' * (self.width - filled)}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def __exit__(self, *exc):
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
