"""What reading a corpus file found, kept beside the corpus so that the next build reads JSON, not YAML.

Parsing YAML is a seventh of a build (libyaml's nodes, then their data; yamlin.py
reads the files imports write in a third of that time), and a
corpus file rarely changes between two builds. The build's writers keep, for
each file read without a problem, its data and the lines of its measures and
tombstones (what a later problem or duplicate id names) in
`.read-cache/<file>.json`. A copy is used only for the same bytes (their SHA-1)
read by the same code (code_version: a digest of this package's source, of the
size and time of the files of the libraries that read YAML and analyse words, and
of the versions of Python and libyaml): an edit of the file, an upgrade or any
change of the code or of a library's data makes it stale, and the YAML is read
again. The copy's
own bytes carry their SHA-1 too, so a copy damaged on disk is read as none. A
copy is kept only when JSON gives its data back equal (no dates, NaN or integers
past 64 bits). Only a cache: a copy that cannot be read, or a folder that cannot
be written (a read-only corpus), changes nothing but the time.

Whoever may write the corpus folder may write a copy with a matching key and
other data, as they may write the YAML itself: a copy is trusted as the file is.
"""

import functools
import hashlib
import importlib.util
import os
import pathlib
import stat
import sys

import orjson
import yaml

from measuresearch import storage

FOLDER = ".read-cache"
# a copy is about as large as its YAML; one this many times larger (and this much more) is not read
LARGEST = 4
LARGEST_MORE = 1 << 20


# the libraries whose code or data decide what a corpus file reads as, or what a word's terms are (import names)
LIBRARIES = ("yaml", "_yaml", "orjson", "whoosh", "Stemmer", "iuliia", "qazaq_transliterator", "confusable_homoglyphs",
             "breame")


@functools.cache
def code_version():
    """Return a digest of the code that reads corpus files and analyses their words: the content of every module of
    the package, the size and time of each file of the libraries (LIBRARIES, where they are imported from), the
    versions of Python and of the libyaml PyYAML was built with. The build works it out before its writers start."""
    try:
        libyaml = yaml._yaml.get_version_string() if getattr(yaml, "__with_libyaml__", False) else "none"
    except AttributeError:
        libyaml = "unknown"
    digest = hashlib.sha1(f"{sys.version} {libyaml} {[_installed(name) for name in LIBRARIES]}".encode())
    package = pathlib.Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _installed(module):
    """Return the name, size and time of each file of a library where it is imported from (not its compiled .pyc):
    `confusable_homoglyphs update` rewrites the data the analysis reads (confusables.json) and keeps the version."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    origin = pathlib.Path(spec.origin)
    files = sorted(origin.parent.rglob("*")) if spec.submodule_search_locations else [origin]
    found = []
    for file in files:
        if file.suffix != ".pyc" and file.is_file():
            stat_ = file.stat()
            found.append((str(file), stat_.st_size, stat_.st_mtime_ns))
    return found


def entry_path(path):
    """Return where the copy of a corpus file is kept."""
    path = pathlib.Path(path)
    return path.parent / FOLDER / (path.name + ".json")


def _key(raw):
    return hashlib.sha1(raw).hexdigest() + "-" + code_version()


def load(path, raw):
    """Return (data, lines, tombstone lines) kept for these bytes of the corpus file at path, or None."""
    return _checked(_signed(entry_path(path), _key(raw), LARGEST * len(raw) + LARGEST_MORE))


def _signed(path, key, largest):
    """Return the data of a copy written by _sign() under this key, or None."""
    text = _read_regular(path, largest)
    head, _, body = (text or b"").partition(b"\n")
    try:
        header = orjson.loads(head) if text else None
        if not isinstance(header, dict) or header.get("key") != key \
                or header.get("sha1") != hashlib.sha1(body).hexdigest():
            return None
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _sign(path, key, body):
    """Write a copy: a header line (its key, the SHA-1 of the rest), then body (JSON)."""
    storage.write_text(path, orjson.dumps({"key": key, "sha1": hashlib.sha1(body).hexdigest()}) + b"\n" + body,
                       durable=False)


def load_named(corpus_dir, name, largest):
    """Return the data kept under `name` in a corpus folder's copies by the same code (save_named), or None."""
    return _signed(pathlib.Path(corpus_dir) / FOLDER / name, code_version(), largest)


def save_named(corpus_dir, name, body):
    """Keep body (JSON) under `name` among a corpus folder's copies, for the same code; nothing if it cannot be
    written."""
    if _writable(pathlib.Path(corpus_dir)):
        try:
            _sign(pathlib.Path(corpus_dir) / FOLDER / name, code_version(), body)
        except OSError:
            pass


def _read_regular(path, largest):
    """Return the bytes of a regular file (not a link, a FIFO or a device, which could block) of at most `largest`
    bytes, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > largest:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(largest + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _checked(entry):
    """Return (data, lines, tombstone lines) of an entry of the shape save() writes, or None."""
    if not isinstance(entry, dict):
        return None
    data, lines, removed = entry.get("data"), entry.get("lines"), entry.get("removed_lines")
    if not (isinstance(data, dict) and isinstance(lines, list) and isinstance(removed, list)):
        return None
    measures, tombstones = data.get("measures"), data.get("removed") or []
    if not (isinstance(measures, list) and isinstance(tombstones, list) and len(lines) == len(measures)
            and len(removed) == len(tombstones)):
        return None
    if not (all(type(m) is dict for m in measures) and all(type(t) is dict and type(t.get("id")) is str
                                                           for t in tombstones)
            and all(type(pair) is list and len(pair) == 2 and type(pair[0]) is int and type(pair[1]) is int
                    for pair in lines) and all(type(line) is int for line in removed)):
        return None
    return data, lines, removed


def save(path, raw, data, lines, removed, tags):
    """Keep what reading these bytes found: the file's data, [line, line of its id] of each measure and the line of
    each tombstone. Nothing is kept when JSON would not give the data back equal, or the folder cannot be written.

    tags: those of its values not read as text, a mapping or a list (storage.parse_yaml's)."""
    if not _writable(entry_path(path).parent.parent):
        return
    entry = {"data": data, "lines": lines, "removed_lines": removed}
    try:
        body = orjson.dumps(entry, default=_refuse, option=orjson.OPT_PASSTHROUGH_DATETIME
                            | orjson.OPT_PASSTHROUGH_SUBCLASS)
        if tags <= EXACT or orjson.loads(body) == entry:
            _sign(entry_path(path), _key(raw), body)
    except (OSError, TypeError, orjson.JSONEncodeError):
        pass


# What JSON gives back as they are, once orjson.dumps refuses dates, sets, bytes, subclasses, keys that are
# not text and integers past 64 bits (save): texts, mappings and lists (storage.parse_yaml gives no other tag
# for them), ints, bools and nulls. Any other value (a float, which may be NaN or infinite and come back null;
# a tuple of !!omap or !!pairs; a document PyYAML's constructor read whole) makes save() compare the data with
# what its JSON gives back: a third of keeping a copy.
EXACT = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("int", "bool", "null"))


def _refuse(value):
    raise TypeError(f"{type(value).__name__} is not kept as JSON")


@functools.cache
def _writable(corpus_folder):
    """Whether copies can be kept in a corpus folder (asked once a process: a read-only corpus keeps none)."""
    return os.access(corpus_folder, os.W_OK) and (not (corpus_folder / FOLDER).exists()
                                                 or os.access(corpus_folder / FOLDER, os.W_OK))


def prune(corpus_dir, names, named=()):
    """Remove the copies of corpus files no longer there, and what a killed write left (names: the corpus files';
    named: the names of save_named's copies to keep)."""
    kept = {name + ".json" for name in names} | set(named)
    try:
        for entry in (pathlib.Path(corpus_dir) / FOLDER).iterdir():
            if entry.name not in kept:
                entry.unlink(missing_ok=True)
    except OSError:
        pass
