"""What reading a corpus file found, kept beside the corpus so that the next build reads JSON, not YAML.

Parsing YAML is a seventh of a build (libyaml's nodes, then their data), and a
corpus file rarely changes between two builds. The build's writers keep, for
each file read without a problem, its data and the lines of its measures and
tombstones (what a later problem or duplicate id names) in
`.read-cache/<file>.json`. A copy is used only for the same bytes (their SHA-1)
read by the same code (a digest of this package's source and PyYAML's version):
an edit of the file, an upgrade or any change of the code makes it stale, and
the YAML is read again. A copy is kept only when JSON gives its data back equal
(no dates, NaN or integers past 64 bits). Only a cache: a copy that cannot be
read, or a folder that cannot be written, changes nothing but the time.
"""

import functools
import hashlib
import pathlib

import orjson
import yaml

from measuresearch import storage

FOLDER = ".read-cache"


@functools.cache
def code_version():
    """Return a digest of the code that reads corpus files: every module of the package, and PyYAML's version."""
    digest = hashlib.sha1(f"{yaml.__version__} {getattr(yaml, '__with_libyaml__', False)}".encode())
    package = pathlib.Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def entry_path(path):
    """Return where the copy of a corpus file is kept."""
    path = pathlib.Path(path)
    return path.parent / FOLDER / (path.name + ".json")


def _key(raw):
    return hashlib.sha1(raw).hexdigest() + "-" + code_version()


def load(path, raw):
    """Return (data, lines, tombstone lines) kept for these bytes of the corpus file at path, or None."""
    try:
        entry = orjson.loads(entry_path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != _key(raw):
        return None
    data, lines, removed = entry.get("data"), entry.get("lines"), entry.get("removed_lines")
    if not (isinstance(data, dict) and isinstance(data.get("measures"), list) and isinstance(lines, list)
            and isinstance(removed, list) and len(lines) == len(data["measures"])
            and len(removed) == len(data.get("removed") or [])):
        return None
    return data, lines, removed


def save(path, raw, data, lines, removed):
    """Keep what reading these bytes found: the file's data, [line, line of its id] of each measure and the line of
    each tombstone. Nothing is kept when JSON would not give the data back equal."""
    entry = {"key": _key(raw), "data": data, "lines": lines, "removed_lines": removed}
    try:
        text = orjson.dumps(entry)
        if orjson.loads(text) != entry:  # a date, NaN: JSON would give back another value
            return
        storage.write_text(entry_path(path), text, durable=False)
    except (OSError, TypeError, orjson.JSONEncodeError):
        pass
