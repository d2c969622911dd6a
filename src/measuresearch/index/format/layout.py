"""The index folder's layout: what a build leaves behind and how a reader finds the live one.

    index/current          symlink to the live build (replaced atomically)
    index/build-<id>/      a complete build: Whoosh files, meta.json, facets.json, words.json, records-*,
                           groups.json, economies.json, columns-<segment>.bin/.json (the postings, columnar:
                           columns.py)
    index/.build-<id>/     a build in progress; left over only by a crash
    index/.lock            flock()ed while a build runs; the kernel drops it if we die

Both sides use this module: indexer.py writes builds, engine.py reads them,
so the serving path needs no build code to find an index.
"""

import json
import os
import pathlib

from measuresearch.index.format.schema import current_fingerprint

CURRENT = "current"
LOCK = ".lock"
META = "meta.json"
FACETS_FILE = "facets.json"
WORDS_FILE = "words.json"
# Measures a re-import with --prune removed: id -> {country, sub_pillar, titles, removed_on}; they answer 410.
# A build without it (made before tombstones existed) has none.
REMOVED_FILE = "removed.json"
GROUPS_FILE = "groups.json"  # the jurisdiction groups the build was checked against (groups.py)
ECONOMIES_FILE = "economies.json"  # every name of each economy, indexed with its records (economy_names.py)
# The change history, carried from build to build inside the build folders (fingerprints.py):
FINGERPRINTS_FILE = "fingerprints.json"  # per measure: content fingerprint, first indexed, last changed
HISTORY_FILE = "history.json"  # the last builds' added / changed / removed measures, for the service
BUILD_PREFIX = "build-"
WORK_PREFIX = ".build-"
# Bumped whenever the schema or the side files change; a service refuses older builds.
FORMAT_VERSION = 11  # 10: each title its own section (no phrase spans two titles); 11: a look-alike reading unstemmed


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
    """Return True when the live build exists and this version can serve it."""
    folder = current_build(index_root)
    return folder is not None and unusable(read_meta(folder)) is None
