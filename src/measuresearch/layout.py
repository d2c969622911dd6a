"""The index folder's layout: what a build leaves behind and how a reader finds the live one.

    index/current          symlink to the live build (replaced atomically)
    index/build-<id>/      a complete build: Whoosh files, meta.json, facets.json, words.json, records-*
    index/.build-<id>/     a build in progress; left over only by a crash
    index/.lock            flock()ed while a build runs; the kernel drops it if we die

Both sides use this module: indexer.py writes builds, engine.py reads them,
so the serving path needs no build code to find an index.
"""

import json
import os
import pathlib

CURRENT = "current"
LOCK = ".lock"
META = "meta.json"
FACETS_FILE = "facets.json"
WORDS_FILE = "words.json"
BUILD_PREFIX = "build-"
WORK_PREFIX = ".build-"
# Bumped whenever the schema or the side files change; a service refuses older builds.
FORMAT_VERSION = 5


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


def usable(index_root):
    """Return True when the live build exists and has this version's format."""
    folder = current_build(index_root)
    meta = read_meta(folder) if folder else None
    return bool(meta) and meta.get("format") == FORMAT_VERSION
