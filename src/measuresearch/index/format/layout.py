"""The index folder's layout: what a build leaves behind and how a reader finds the live one.

    index/current          symlink to the live build (replaced atomically)
    index/build-<id>/      a complete build: Whoosh files, meta.json, facets.json, words.json, records-*,
                           groups.json, economies.json, taxonomy.json, columns-<segment>.bin/.json (the
                           postings, columnar: columns.py)
    index/.build-<id>/     a build in progress; left over only by a crash
    index/.lock            flock()ed while a build runs; the kernel drops it if we die

Both sides use this module: indexer.py writes builds, engine.py reads them,
so the serving path needs no build code to find an index.
"""

import json
import os
import pathlib
import zlib

from measuresearch.index.format.schema import current_fingerprint

CURRENT = "current"
LOCK = ".lock"
META = "meta.json"
# every other file of a build with its size and CRC-32, written last: a build whose files differ is not served
MANIFEST = "files.json"
FACETS_FILE = "facets.json"
WORDS_FILE = "words.json"
# Measures a re-import with --prune removed: id -> {country, sub_pillar, titles, removed_on}; they answer 410.
# A build without it (made before tombstones existed) has none.
REMOVED_FILE = "removed.json"
GROUPS_FILE = "groups.json"  # the jurisdiction groups the build was checked against (groups.py)
ECONOMIES_FILE = "economies.json"  # every name of each economy, indexed with its records (economy_names.py)
TAXONOMY_FILE = "taxonomy.json"  # every name of each pillar and sub-pillar, for the filters (taxonomy_names.py)
# The change history, carried from build to build inside the build folders (fingerprints.py):
FINGERPRINTS_FILE = "fingerprints.json"  # per measure: content fingerprint, first indexed, last changed
HISTORY_FILE = "history.json"  # the last builds' added / changed / removed measures, for the service
BUILD_PREFIX = "build-"
WORK_PREFIX = ".build-"
# Bumped whenever the schema or the side files change; a service refuses older builds.
# 10: each title its own section (no phrase spans two titles); 11: a look-alike reading unstemmed; 12: files.json;
# 13: a word indexed in its own script only, the romanization keys of a Latin word marked (writing_systems.LATIN_KEY);
# 14: a law number's bare number marked (analysis.NUMBER_MARK); 15: only where its suffix holds a letter;
# 16: words.json's "romanized" (a phrase typed in Latin letters finds a Cyrillic title);
# 17: taxonomy.json (a filter takes a pillar's or sub-pillar's alias: `pillar=<alias>`, `not_pillar=<alias>`)
# 18: a Cyrillic word keyed also by its stem's skeleton (writing_systems.cyrillic_keys: "elektronnoy" finds "Электронная")
# 19: a law number's keys in NFKC ("４１８-Ｖ" is "418-v": analysis.law_keys)
FORMAT_VERSION = 19


def current_build(index_root):
    """Return the folder of the live build, or None when there is none."""
    link = pathlib.Path(index_root) / CURRENT
    try:
        name = os.readlink(link)
    except OSError:
        return None
    return pathlib.Path(index_root) / name


def read_meta(folder):
    """Return the metadata of the build in folder (a dict), or None when it cannot be read."""
    try:
        meta = json.loads((pathlib.Path(folder) / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def build_meta(index_id, built_at, documents, records, fingerprint):
    """Return the metadata a build records (meta.json)."""
    return {"index_id": index_id, "built_at": built_at, "documents": documents, "records": records,
            "format": FORMAT_VERSION, "schema": fingerprint}


# A service checks a build's small files whole when it picks the build up, and of a larger one its size and
# SAMPLES blocks of SAMPLE_BYTES spread over it (a 100k build is 1.4 GB: read whole, the pickup would hold
# requests for seconds); `index --if-needed` checks every byte.
WHOLE_UNDER, SAMPLES, SAMPLE_BYTES = 8 << 20, 16, 1 << 16


def file_sums(folder, known=None):
    """Return {file name: [size, CRC-32, CRC-32s of the samples]} of every file of a build folder but the manifest.

    known: the file_sum() of some of its files, taken by the processes that wrote them.
    """
    sums, known = {}, known or {}
    for path in sorted(pathlib.Path(folder).iterdir()):
        if path.name != MANIFEST and path.is_file():
            sums[path.name] = known[path.name] if path.name in known else file_sum(path)
    return sums


def file_sum(path):
    """Return [size, CRC-32, CRC-32s of the samples] of one file (file_sums)."""
    size = os.stat(path).st_size
    return [size, _crc(path), _samples(path, size)]


def _crc(path):
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _samples(path, size):
    """Return the CRC-32s of SAMPLES blocks spread evenly over a file of WHOLE_UNDER bytes or more (else [])."""
    if size < WHOLE_UNDER:
        return []
    with open(path, "rb") as handle:
        found = []
        for n in range(SAMPLES):
            handle.seek(max(size - SAMPLE_BYTES, 0) * n // (SAMPLES - 1))
            found.append(zlib.crc32(handle.read(SAMPLE_BYTES)))
        return found


def damaged(folder, whole=False):
    """Return how a build's files differ from what its build wrote (files.json), or None when they do not.

    A file missing, cut, grown, zeroed or with a byte changed since the build: serving it would answer
    wrongly without a word (columns read as nothing found, records as other text), so it is refused.
    whole: every byte of every file is read; else a large file's size and samples (WHOLE_UNDER).
    """
    folder = pathlib.Path(folder)
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = {str(name): (int(size), int(crc), [int(c) for c in samples])
                  for name, (size, crc, samples) in listed.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return f"has no readable list of its files ({MANIFEST})"
    for name, (size, crc, samples) in listed.items():
        path = folder / name
        try:
            if path.stat().st_size != size:
                return f"has a damaged file: {name} is {path.stat().st_size} bytes, not {size}"
            if (_crc(path) != crc) if whole or not samples else (_samples(path, size) != samples):
                return f"has a damaged file: {name} differs from what its build wrote"
        except OSError as exc:
            return f"has a missing or unreadable file: {name} ({exc.strerror or exc})"
    return None


def unusable(meta):
    """Return why this version cannot serve a build with this metadata, or None when it can."""
    if not meta:
        return "has no readable meta.json"
    if meta.get("format") != FORMAT_VERSION or "schema" not in meta:
        return "was built by another version of measuresearch"
    if meta.get("schema") != current_fingerprint():
        return "has a schema that names classes or fields this version does not have"
    return None


def usable(index_root):
    """Return True when the live build exists, this version can serve it, and its files are as written."""
    folder = current_build(index_root)
    return folder is not None and unusable(read_meta(folder)) is None and damaged(folder, whole=True) is None
