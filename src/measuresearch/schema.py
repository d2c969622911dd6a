"""The Whoosh schema and the Measure -> document mapping."""

import json

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from .analysis import pieces, roman_analyzer, spell_analyzer, text_analyzer

# Searchable text fields and the boost a match in each gets (BM25F-style field
# weights applied per query term): the instrument's title and the indicator
# (sub-pillar, pillar) say what a measure is; the description only mentions.
FIELD_BOOSTS = {
    "titles": 4.0,
    "sub_pillar_text": 2.5,
    "pillar_text": 2.0,
    "coverage_text": 1.5,
    "country_text": 1.5,
    "description": 1.0,
}
ROMAN_BOOST = 0.6
# Which record key each text field comes from.
TEXT_SOURCES = {
    "titles": "titles",
    "sub_pillar_text": "sub_pillar",
    "pillar_text": "pillar",
    "coverage_text": "coverage",
    "country_text": "country",
    "description": "description",
}
FACETS = ("country", "pillar", "sub_pillar", "coverage", "year")
TITLE_SEPARATOR = "\n\n"


def build_schema():
    """Return a new Whoosh schema for measures."""
    text = text_analyzer()
    fields = {name: TEXT(analyzer=text, phrase=True) for name in FIELD_BOOSTS}
    fields.update(
        id=ID(stored=True, unique=True),
        roman=TEXT(analyzer=roman_analyzer(), phrase=False),
        spell=TEXT(analyzer=spell_analyzer(), phrase=False),
        country=ID(stored=True),
        pillar=ID(stored=True),
        sub_pillar=ID(stored=True),
        coverage=ID(stored=True),
        year=NUMERIC(stored=True, bits=32),
        record=STORED(),
    )
    return Schema(**fields)


def field_text(record, source):
    """Return the text of one record key as a single string."""
    value = record.get(source)
    if isinstance(value, list):
        return TITLE_SEPARATOR.join(value)
    return value or ""


def roman_text(record):
    """Return the text whose romanization keys are indexed.

    Titles in full (so a Cyrillic query finds a romanized title); elsewhere
    only words with non-ASCII letters, since the English prose would add
    nothing but noise.
    """
    words = []
    for source in ("coverage", "description"):
        text = field_text(record, source)
        words.extend(p.raw for p in pieces(text) if not p.raw.isascii())
    return field_text(record, "titles") + "\n" + " ".join(words)


def document(measure):
    """Return the Whoosh document of one Measure."""
    record = measure.to_dict()
    doc = {name: field_text(record, source) for name, source in TEXT_SOURCES.items()}
    doc.update(
        id=measure.id,
        roman=roman_text(record),
        spell="\n".join(doc.values()),
        country=measure.country,
        pillar=measure.pillar,
        sub_pillar=measure.sub_pillar,
        record=json.dumps(record, ensure_ascii=False),
    )
    if measure.coverage:
        doc["coverage"] = measure.coverage
    if measure.year is not None:
        doc["year"] = measure.year
    return doc
