"""Read corpus YAML as yamlout writes it, without PyYAML's nodes: a third of libyaml's time.

A build's first reading of a corpus (before read_cache keeps a copy) spent
most of its time in libyaml composing a node per value, about 90 microseconds
a measure. The files an import writes have one shape (yamlout.py): block
mappings and indentless lists, one scalar a line, each scalar plain (as
PyYAML writes it plain) or single-quoted, keys of lowercase letters, digits
and `_`, an empty list or mapping as `[]` or `{}`. This module reads exactly
that shape, line by line, and gives up (None) on anything else: a comment,
another flow collection, a double-quoted or multi-line scalar, a tab, a key
written twice or of KEY_LIMIT characters or more, a value PyYAML would read
as other than text, a list, a mapping, a decimal integer (of Python's size),
true, false or null, lists and mappings nested deeper than DEEPEST. A file
it gives up on is read by PyYAML, as before. tests/corpus/test_yamlin.py holds
it to PyYAML's reading, on yamlout's output of many made-up records and on
those texts damaged line by line.
"""

import functools
import re

from measuresearch.corpus.yamlout import _ORDINARY, _plain

INT, BOOL, NULL = (f"tag:yaml.org,2002:{kind}" for kind in ("int", "bool", "null"))
# `<indent>[- ]key:[ value]` (a key of the corpus's kind), or `<indent>- value` (a list's item)
_LINE = re.compile(r"( *)(- )?(?:([a-z_][a-z0-9_]*):(?: (.*))?|(.*))\Z")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")  # what PyYAML's int resolver and int() read alike
KEY_LIMIT = 1024  # libyaml refuses a plain key longer than this ("could not find expected ':'"): left from here on
DEEPEST = 50  # levels of lists and mappings read here (a corpus file has five); deeper, PyYAML says what it finds


class _Other(Exception):
    """A line or value of another shape than yamlout writes: the file is left to PyYAML."""


def read(text):
    """Return (data, lines, tags) of a corpus file's text (a mapping), or None when it is not of yamlout's shape.

    lines: {id(mapping): (its line, {key: its line})} of every mapping that is an item of a list (lines
    from 1), as PyYAML's nodes give them. tags: those of its values not read as text, a mapping or a list.
    """
    if "\r" in text or "\t" in text or not text.endswith("\n"):
        return None
    reader = _Reader([_line(line) if len(line) < 200 else _split(line) for line in text[:-1].split("\n")])
    try:
        data, _ = reader.mapping(0, 0, None)
    except (_Other, IndexError, ValueError):  # ValueError: an integer of more digits than int() reads
        return None
    if reader.at != len(reader.lines) or not data:
        return None
    return data, reader.item_lines, reader.tags


def _split(line):
    """Return (indent, dash, key, value text) of a line, key None for a list's item `- value`; (-1, ...) for
    a line of neither kind."""
    found = _LINE.match(line)
    indent, dash, key = len(found[1]), found[2] is not None, found[3]
    if key is None and not dash:
        return -1, False, None, None
    return indent, dash, key, found[4] if key is not None else found[5]


_line = functools.lru_cache(maxsize=65536)(_split)  # the short lines repeat: keys, names, dates, sources


class _Reader:
    def __init__(self, lines):
        self.lines, self.at, self.item_lines, self.tags = lines, 0, {}, set()
        self.depth = 0

    def mapping(self, indent, first_line, first):
        """Read a block mapping at indent; first: its first key and value text when it was read as a list
        item's (`- key: value`), on line first_line."""
        data, key_lines, lines = {}, {}, self.lines
        if first is not None:
            key, rest = first
            key_lines[key] = first_line
            data[key] = self.value(indent, rest)
        while self.at < len(lines):
            at_indent, dash, key, rest = lines[self.at]
            if at_indent != indent or dash or key is None:
                break  # the end of this mapping (a line nobody reads ends the file's reading: read())
            self.at += 1
            if key in data or not _text_key(key):  # a key twice (check names it), or one YAML reads as no text
                raise _Other
            key_lines[key] = self.at
            data[key] = self.value(indent, rest)
        return data, key_lines

    def value(self, indent, rest):
        if rest is not None:
            return self.scalar(rest)
        # `key:` then a list at the same indent, or a mapping deeper
        at_indent, dash, key, _ = self.lines[self.at]
        self.depth += 1
        if self.depth > DEEPEST:
            raise _Other
        if at_indent == indent and dash:
            data = self.sequence(indent)
        elif at_indent != indent + 2 or dash or key is None:
            raise _Other
        else:
            data, _ = self.mapping(indent + 2, 0, None)
        self.depth -= 1
        return data

    def sequence(self, indent):
        items, lines = [], self.lines
        while self.at < len(lines):
            at_indent, dash, key, rest = lines[self.at]
            if at_indent != indent or not dash:
                break
            self.at += 1
            if key is not None:  # `- key: value`: a mapping
                line = self.at  # (from 1)
                if not _text_key(key):
                    raise _Other
                data, key_lines = self.mapping(indent + 2, line, (key, rest))
                self.item_lines[id(data)] = (line, key_lines)
                items.append(data)
            elif rest in ("[]", "{}"):  # yamlout leaves an empty list or mapping in a list to PyYAML
                raise _Other
            else:
                items.append(self.scalar(rest))
        return items

    def scalar(self, text):
        if text.startswith("'"):
            inner = text[1:-1]
            if len(text) < 2 or not text.endswith("'") or "'" in inner.replace("''", ""):
                raise _Other
            value = inner.replace("''", "'")
            if not (value.isprintable() or _ORDINARY.match(value)):
                raise _Other
            return value
        if text == "[]":
            return []
        if text == "{}":
            return {}
        if text == "null":
            self.tags.add(NULL)
            return None
        if text == "true" or text == "false":
            self.tags.add(BOOL)
            return text == "true"
        if _DECIMAL.match(text):
            self.tags.add(INT)
            return int(text)
        if _short_text(text) if len(text) < 300 else _plain_text(text):
            return text
        raise _Other


def _plain_text(text):
    """Whether PyYAML reads text, written plain, as that text: yamlout writes it so."""
    return bool((text.isprintable() or _ORDINARY.match(text)) and _plain(text))


_short_text = functools.lru_cache(maxsize=65536)(_plain_text)  # names, dates and sources repeat


@functools.lru_cache(maxsize=1024)
def _text_key(key):
    return len(key) < KEY_LIMIT and _plain(key)
