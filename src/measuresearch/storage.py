"""The file steps every reader and writer shares: one YAML loader, one durable write, one lock.

A durable write puts the text in a temporary file beside its target, fsyncs
it, renames it over the target and fsyncs the folder, so that a crash leaves
the old file or the new one, never a part. A lock is flock() on a file of the
folder it guards: the kernel drops it when the holding process dies.
"""

import contextlib
import fcntl
import json
import os
import pathlib
import tempfile
import time

import orjson
import yaml

from measuresearch.errors import InputProblems, Problem


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's safe loader when PyYAML was built with it (the same nodes and marks, ten times faster).

    Its resolver is asked the tag of every scalar; a plain scalar whose first
    character starts none of the implicit patterns (true, 1.5, null, 2024-01-01...)
    and a quoted one are strings without trying them: a third of composing a
    corpus file.
    """

    # the first characters of the implicit patterns; None (no shortcut) if a pattern may start anyhow or a path
    # resolver is set, which the safe loader never has
    _STARTS = (frozenset(key for key in yaml.SafeLoader.yaml_implicit_resolvers if key)
               if None not in yaml.SafeLoader.yaml_implicit_resolvers and not yaml.SafeLoader.yaml_path_resolvers
               else None)

    # the tag of a plain scalar depends on its text alone (no path resolver): remembered for short texts
    # ("1998", "3", "true"), which a corpus repeats in every measure's events
    _RESOLVED = {}
    _RESOLVED_LIMIT = 10_000

    def resolve(self, kind, value, implicit):
        if self._STARTS is None:
            return super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode:
            if not implicit[0] or (value and value[0] not in self._STARTS):
                return self.DEFAULT_SCALAR_TAG
            tag = self._RESOLVED.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 32 and len(self._RESOLVED) < self._RESOLVED_LIMIT:
                    self._RESOLVED[value] = tag
            return tag
        return self.DEFAULT_MAPPING_TAG if kind is yaml.MappingNode else self.DEFAULT_SEQUENCE_TAG

    def construct_object(self, node, deep=False):
        """Return the data of one node; a value its tag cannot read ("!!int x") is a YAML error at its line.

        PyYAML's constructors raise ValueError or AttributeError there, not a
        YAMLError. Every node goes through here, in the plain walk
        (_plain_data) and in construct_document alike.
        """
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError, KeyError, IndexError) as exc:  # `!!bool y`
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {node.value!r} as {node.tag}: {exc}",
                                                    node.start_mark) from None


YAML_LOADER = _Loader
YAMLError = yaml.YAMLError


def load_yaml(text):
    """Return the data of one YAML document (plain types only); yaml.YAMLError if it is not YAML."""
    return yaml.load(text, Loader=YAML_LOADER)


def parse_yaml(text, path, what="YAML error", tags=None):
    """Return (node, data) of one YAML document; a syntax error is InputProblems at its line, headed `what`.

    tags: a set, given the tag of every node not read as text, a mapping or a list (an int, a float, a date...), or
    GENERAL when the document was left whole to PyYAML's constructor (see _plain_data).
    """
    loader, node = YAML_LOADER(text), None
    try:
        node = loader.get_single_node()
        data = _plain_data(loader, node, tags) if node is not None else None
    except RecursionError:  # libyaml composes up to 1,000 levels; the walk (and Python's stack) takes fewer
        line = _deep_line(node, DEEPEST)
        raise InputProblems([Problem(str(path), line, f"{what}: lists or mappings nested more than {DEEPEST} "
                                                      "levels deep")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputProblems([Problem(str(path), mark.line + 1 if mark else 1, f"{what}: {problem}")]) from None
    finally:
        loader.dispose()
    return node, data


DEEPEST = 100  # levels of lists and mappings said too deep (a corpus file has four)


def _deep_line(node, levels):
    """Return the line (from 1) of the first node nested deeper than `levels` under node, walked without recursion."""
    stack, deepest = [(node, 0)], {}  # id(node) -> the deepest level it was met at: aliases share nodes
    while stack:
        node, depth = stack.pop()
        if depth > levels:
            return node.start_mark.line + 1
        if deepest.get(id(node), -1) >= depth:
            continue  # met as deep before (a billion-laughs file would take exponential time otherwise)
        deepest[id(node)] = depth
        if isinstance(node, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in reversed(node.value))
    return 1


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq"))
GENERAL = "a document read by PyYAML's constructor"
_FLATTENED = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")  # keys the constructor's flatten_mapping rewrites


class _General(Exception):
    """A node the plain walk leaves to PyYAML's constructor: a merge key, a recursive alias, an unhashable key."""


def _plain_data(loader, node, tags=None):
    """Return the data of a composed document as loader.construct_document(node) does.

    PyYAML's constructor costs about a microsecond and a half a node, a third
    of reading a corpus file: a corpus is mappings, lists and strings, which
    are walked here directly; every other scalar (int, date, null...) is still
    built by the constructor, and a document with a merge key, a recursive
    alias or an unhashable key is left whole to construct_document.
    """
    built = {}  # id(collection node) -> its data, so that an alias gives the same object, as PyYAML's does

    def plain(node):
        tag = node.tag
        if tag == _STR and type(node) is yaml.ScalarNode:
            return node.value
        if type(node) is yaml.ScalarNode:
            if tags is not None:
                tags.add(tag)
            return loader.construct_object(node, deep=True)
        known = built.get(id(node))
        if known is not None:
            if known is _General:  # an alias to a node being walked: a recursive structure
                raise _General()
            return known
        built[id(node)] = _General
        if tag == _MAP and type(node) is yaml.MappingNode:
            data = {}
            for key_node, value_node in node.value:
                if key_node.tag in _FLATTENED:
                    raise _General()
                key = plain(key_node)
                try:
                    data[key] = plain(value_node)
                except TypeError:  # an unhashable key
                    raise _General() from None
        elif tag == _SEQ and type(node) is yaml.SequenceNode:
            data = [plain(child) for child in node.value]
        else:  # !!set, !!omap, a custom tag...: the constructor's data, or its error
            if tags is not None:
                tags.add(tag)
            data = loader.construct_object(node, deep=True)
        built[id(node)] = data
        return data

    try:
        return plain(node)
    except _General:
        if tags is not None:
            tags.add(GENERAL)
        return loader.construct_document(node)
    finally:
        loader.constructed_objects, loader.recursive_objects = {}, {}


def write_text(path, text, durable=True):
    """Replace the file at path with text (str, or bytes already UTF-8) durably (its folder is made if missing).

    durable=False for a cache that a reader checks: no fsync, so a crash may leave it empty, never half old.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = write_beside(path, text, ".tmp", durable=durable)
    try:
        os.replace(written, path)
    except BaseException:
        written.unlink(missing_ok=True)  # a folder in its place, say: nothing is left behind
        raise
    if durable:
        fsync_dir(path.parent)


def json_bytes(data, sort_keys=False):
    """Return data as compact UTF-8 JSON, byte for byte json.dumps(data, ensure_ascii=False, separators=(",", ":"),
    sort_keys=sort_keys).encode().

    orjson's, four to five times faster, for data made only of plain texts, ints, bools,
    None, lists, tuples and maps with text keys, which it writes as json does
    (tests/test_storage.py compares every code point); json's for anything else: a float
    (orjson spells 1.5e-07 as 1.5e-7, and NaN as null), a subclass of those types, a
    date (which orjson writes and json refuses), or an int past 64 bits (orjson refuses it).
    """
    return json_bytes_and_plain(data, sort_keys)[0]


def json_bytes_and_plain(data, sort_keys=False):
    """Return (json_bytes(data, sort_keys), whether orjson wrote it): when it did, data is plain JSON data that
    json.loads gives back equal, but for each tuple read back as a list."""
    if _plain(data):
        try:
            return orjson.dumps(data, option=orjson.OPT_SORT_KEYS if sort_keys else 0), True
        except orjson.JSONEncodeError:
            pass
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8"), False


def _plain(value):
    """Return whether value is a text, int, bool or None, or a list, tuple or map (with text keys) of such values."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(key) is str for key in value) and all(map(_plain, value.values()))
    if kind is list or kind is tuple:
        return all(map(_plain, value))
    return False


def write_json(path, data):
    """Replace the file at path with data as compact UTF-8 JSON (json_bytes), durably."""
    write_text(path, json_bytes(data))


def write_beside(path, text, suffix, durable=True):
    """Write text (str or UTF-8 bytes) into a new file `.<name>.*<suffix>` beside path (mkstemp's 0600), fsync
    it; return its path. Nothing is left behind on failure.
    """
    tmp = new_beside(path, suffix)
    try:
        write_into(tmp, text, durable)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def new_beside(path, suffix):
    """Create an empty file `.<name>.*<suffix>` beside path, mkstemp's 0600; return its path."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return pathlib.Path(tmp)


def write_into(path, text, durable=True):
    """Write text (str or UTF-8 bytes) into the file at path, which must exist (it is never made), and fsync it.

    A file taken away before it is opened is not made again: FileNotFoundError.
    """
    with open(os.open(path, os.O_WRONLY | os.O_TRUNC), "wb") as handle:
        write_pieces(handle, text if isinstance(text, bytes) else text.encode("utf-8"))
        handle.flush()
        if durable:
            os.fsync(handle.fileno())


# A write() of 256 KiB or more makes the kernel (Linux 6.18 here) put the file's pages in large folios, whose first
# use is slow on this project's machines (virtual ones, as huge pages are: processes.numpy_small_pages): 40 MB written
# to a new file in 2.5 MB writes took 0.19-0.26 s, in 64 KiB writes 0.016-0.018 s, in 8 KiB ones 0.037 s.
WRITE_PIECE = 1 << 16


def write_pieces(handle, data):
    """Write bytes-like data (bytes, a numpy array, ...) to a binary file handle in writes of WRITE_PIECE bytes."""
    try:
        view = memoryview(data)
        view = (view if view.c_contiguous else memoryview(view.tobytes())).cast("B")
    except (TypeError, ValueError):  # what a memoryview cannot take apart: numpy's dates, an empty 2-D array
        view = memoryview(data.tobytes())
    for start in range(0, view.nbytes, WRITE_PIECE):
        handle.write(view[start:start + WRITE_PIECE])


def fsync_dir(folder):
    """Make the renames and new names of a folder durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path, busy, wait=0.0, waiting=None, shared=False):
    """Hold flock() on the file at path (made if missing) for the `with` block.

    Wait up to `wait` seconds for another holder, calling waiting() once if we
    must; then raise busy() (an error of errors.py). shared: a shared lock, and
    a lock file that does not exist is not made (nobody holds it).
    """
    if shared and not os.path.exists(path):
        yield
        return
    with open(path, "r" if shared else "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy() from None
                if waiting:
                    waiting()
                    waiting = None
                time.sleep(0.1)
        yield
