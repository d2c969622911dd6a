"""Write corpus YAML exactly as PyYAML's dumper does, about ten times faster.

PyYAML builds a Python node per value before its C emitter runs; at 100,000
measures that is most of an import. Corpus files have one shape (mappings of
text, numbers and lists), so this module writes that shape directly and picks
each scalar's style by PyYAML's rules: plain when PyYAML would write it plain,
else single-quoted. Anything else (line breaks, tabs, control or special
characters, other types) is handed to PyYAML itself, one measure at a time.
tests/test_yamlout.py checks the bytes against yaml.dump and the round trip
through yaml.safe_load.
"""

import functools
import re

import yaml

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
# Printable characters that never need an escape: no breaks, tabs, controls, BOM or surrogates.
_ORDINARY = re.compile(r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*\Z")
_FIRST = set("#,[]{}&*!|>'\"%@`")
# The first characters PyYAML looks its implicit types (bool, int, float, null, timestamp ...) up by; a text
# starting otherwise is text, unless a resolver takes any first character (None) or a path.
_IMPLICIT_FIRST = frozenset(_RESOLVER.yaml_implicit_resolvers)
_BY_FIRST = None not in _IMPLICIT_FIRST and not _RESOLVER.yaml_path_resolvers


class _Fallback(Exception):
    """A value this module does not write itself."""


def dump(document):
    """Return the YAML of a corpus document: {country, measures: [...], removed: [...]}."""
    lines = []
    for key, value in document.items():
        if key == "measures" and value:
            lines.append("measures:")
            lines.extend(_item(measure) for measure in value)
        else:
            lines.append(_text({key: value}).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _item(measure):
    """Return one list item (a measure) as PyYAML writes it under a mapping key."""
    try:
        return "\n".join(_sequence([measure], ""))
    except _Fallback:
        return _text([measure]).rstrip("\n")


def _text(value):
    return yaml.dump(value, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1 << 30)


def scalar(value):
    """Return a scalar as PyYAML writes it in block context, or raise _Fallback."""
    if isinstance(value, str) and len(value) < 300:  # names, titles and dates repeat
        return _short(value)
    return _scalar(value)


@functools.lru_cache(maxsize=65536)
def _short(value):
    return _scalar(value)


def _scalar(value):
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or not (value.isprintable() or _ORDINARY.match(value)):  # printable: ordinary
        raise _Fallback
    if _plain(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _plain(text):
    if not text or text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return False
    if text[0] in _FIRST or (text[0] in "?:-" and (len(text) == 1 or text[1] == " ")):
        return False
    if ": " in text or text.endswith(":") or " #" in text:
        return False
    if _BY_FIRST and text[0] not in _IMPLICIT_FIRST:
        return True
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR


def _mapping(data, pad):
    lines = []
    for key, value in data.items():
        if type(value) is str and type(key) is str:  # most values: one line `key: text`, the key's part kept
            lines.append(_head(pad, key) + (_short(value) if len(value) < 300 else _scalar(value)))
        elif isinstance(value, (list, dict)):
            if not value:
                lines.append(f"{pad}{scalar(key)}: {'[]' if isinstance(value, list) else '{}'}")
            elif isinstance(value, list):
                lines.append(f"{pad}{scalar(key)}:")
                lines.extend(_sequence(value, pad))
            else:
                lines.append(f"{pad}{scalar(key)}:")
                lines.extend(_small_mapping(value, pad + "  "))
        else:
            lines.append(f"{pad}{scalar(key)}: {scalar(value)}")
    return lines


def _small_mapping(data, pad):
    """Return _mapping's lines of a mapping of scalars (an event, a source), kept: the same ones repeat."""
    try:  # types are part of the key: 1, 1.0 and True are equal keys and values, written apart
        return _kept(pad, tuple((key, key.__class__, value, value.__class__) for key, value in data.items()))
    except TypeError:  # a list or a mapping inside (unhashable): written each time
        return _mapping(data, pad)


@functools.lru_cache(maxsize=4096)
def _kept(pad, items):
    return tuple(_mapping({key: value for key, _, value, _ in items}, pad))


@functools.lru_cache(maxsize=1024)
def _head(pad, key):
    return f"{pad}{scalar(key)}: "


def _sequence(items, pad):
    lines = []
    for item in items:
        if isinstance(item, dict) and item:
            inner = _small_mapping(item, pad + "  ") if pad else _mapping(item, pad + "  ")
            lines.append(f"{pad}- {inner[0][len(pad) + 2:]}")
            lines.extend(inner[1:])
        elif isinstance(item, (list, dict)):
            raise _Fallback
        else:
            lines.append(f"{pad}- {scalar(item)}")
    return lines
