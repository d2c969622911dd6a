"""The Whoosh schema and the Measure -> document mapping."""

import functools
import hashlib
import json
import pickle
import pickletools

import numpy as np
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.formats import Positions

from measuresearch import storage
from measuresearch.domain import fields
from measuresearch.text.analysis import WORD, exact_analyzer, join_sections, roman_analyzer, text_analyzer

# Every searchable section of a measure goes into one field, "text"; each
# section weighs its words (BM25F): the instrument's title and the indicator
# (sub-pillar, pillar) say what a measure is, the description only mentions.
# Declared with each field (domain/fields.py): (letter, record key, boost).
SECTIONS = fields.SECTIONS
SECTION_BOOSTS = {letter: boost for letter, _, boost in SECTIONS}
ROMAN_BOOST = 0.6
# "exact" holds the same sections as "text", each word unstemmed (folded, American spelling): a query word
# also scores on its own form there, so a measure with the form typed outranks one with only its stem
EXACT_BOOST = 1.0
FACETS = fields.FACETS
SCORED_FIELDS = ("text", "roman", "exact")  # the fields whose lengths BM25F reads
TITLE_SEPARATOR = "\n\n"


class PackedPositions(Positions):
    """Whoosh's Positions format with each posting's positions as packed uint32, not a pickle.

    Encoding is a C-level array copy instead of a pickle per posting (faster
    index builds), and the search reads positions straight into numpy. The
    byte order is little-endian on every machine, so an index can be copied.
    """

    DTYPE = "<u4"

    def encode(self, poslist):
        return np.asarray(poslist, dtype=self.DTYPE).tobytes()

    def decode_positions(self, valuestring):
        return np.frombuffer(valuestring, dtype=self.DTYPE).tolist()

    def decode_frequency(self, valuestring):
        return len(valuestring) // 4


def build_schema():
    """Return a new Whoosh schema for measures."""
    # Hits and facets read records.py's and facets.json's files, not Whoosh's stored
    # fields. The id alone stays stored so that stock Whoosh, searching the same
    # index (the tests' independent reference), can name a hit's measure by itself.
    schema = dict(
        text=TEXT(analyzer=text_analyzer(SECTION_BOOSTS), phrase=True),
        id=ID(stored=True, unique=True),
        roman=TEXT(analyzer=roman_analyzer(), phrase=False),
        exact=TEXT(analyzer=exact_analyzer(SECTION_BOOSTS), phrase=False),
        # each facet (domain/fields.py) as Whoosh's own filter field: a value, or a number (the year)
        **{name: NUMERIC(bits=32) if fields.BY_NAME[name].numeric else ID for name in FACETS},
    )
    schema["text"].format = PackedPositions(field_boost=schema["text"].format.field_boost)
    return Schema(**schema)


def schema_fingerprint(schema):
    """Return a digest of the schema as an index stores it: its field names and every class its pickle names.

    Whoosh keeps the schema pickled in the index, so moving or renaming a class
    it names (an analyzer, a posting format) leaves the index unopenable; a
    build records this digest and a reader compares it before unpickling
    anything, to ask for a rebuild instead.
    """
    data = pickle.dumps(schema, protocol=2)  # the protocol Whoosh's TOC uses
    classes = sorted({arg for op, arg, _ in pickletools.genops(data) if op.name in ("GLOBAL", "INST")})
    text = json.dumps({"fields": sorted(schema.names()), "classes": classes})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@functools.cache
def current_fingerprint():
    """Return the fingerprint of this version's schema (build_schema())."""
    return schema_fingerprint(build_schema())


def field_text(record, source):
    """Return the text of one record key as a single string."""
    value = record.get(source)
    if isinstance(value, list):
        return TITLE_SEPARATOR.join(value)
    return value or ""


def roman_text(record, names=()):
    """Return the text whose romanization keys are indexed (the fields' `roman` role, domain/fields.py).

    Titles in full (so a Cyrillic query finds a romanized title); elsewhere
    only words with non-ASCII letters, since the English prose would add
    nothing but noise. names: the economy's names (its Cyrillic ones give
    "Qazaqstan" its key).
    """
    words = []
    for text in (*(field_text(record, name) for name in fields.ROMAN_WORDS), *names):
        if not text.isascii():  # an ASCII text has no such word (most descriptions)
            words.extend(w for w in WORD.findall(text) if not w.isascii())
    return "\n".join((*(field_text(record, name) for name in fields.ROMAN_WHOLE), " ".join(words)))


@functools.cache
def _repository_names():
    from measuresearch.domain import economy_names, taxonomy  # YAML and CLDR only when a document is made
    return economy_names.EconomyNames(economy_names.table(taxonomy.load(None)))


def country_names(country, names=None):
    """Return every name of an economy as its records' text holds it (names: a build's EconomyNames).

    Without names, the repository's taxonomy (what a corpus folder without its own uses).
    """
    return (names or _repository_names()).names(country)


def section_texts(measure, names=None):
    """Return [(section letter, text)] of the searched parts of one Measure.

    The country section holds every name of the economy (country_names). Each title, and each name, is a
    section of its own (of one letter): the position gap between sections keeps a phrase from spanning the
    end of one title and the start of the next ("No. 544" / "Order On ...": no "544 Order").
    """
    texts = []
    for letter, key, _ in SECTIONS:
        value = getattr(measure, key)
        if key == "country" and value:
            value = country_names(value, names)
        if isinstance(value, list):
            texts.extend((letter, item) for item in value)
        else:
            texts.append((letter, value or ""))
    return texts


def record_and_json(measure):
    """Return (the record of one Measure as shown in hits and on its page, its UTF-8 JSON that records.py keeps,
    whether a reader parses that JSON back into the record itself but for its tuples as lists:
    storage.json_bytes_and_plain)."""
    record = measure.to_dict(complete=True)
    return record, *storage.json_bytes_and_plain(record)


def document(measure, sections=None, names=None):
    """Return the Whoosh document of one Measure.

    sections: section_texts(measure, names), when the caller already has them;
    names: the build's EconomyNames (default: the repository's taxonomy).
    """
    text = join_sections(sections or section_texts(measure, names))
    doc = dict(
        text=text,
        exact=text,
        id=measure.id,
        roman=roman_text(measure.to_dict(), country_names(measure.country, names)),
    )
    for name in FACETS:  # a facet without a value is left out
        value = getattr(measure, name)
        if value is not None and value != "":
            doc[name] = value
    return doc
