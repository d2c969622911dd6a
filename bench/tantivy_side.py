"""The same work done by tantivy (Rust, Lucene-like): the near-limit anchor of the benchmark.

Same corpus, same requests, same answer shape as measuresearch's search():
the page of 20 hits by BM25 over the six weighted sections (the same boosts),
highlighted titles and a description snippet for those 20 only, the exact
total, and the five disjunctive facet counts as term aggregations (each
facet ignores its own filter). English and Russian stemming; no romanization,
look-alike folding or law-number forms (measuresearch does more there).
"""

import tantivy

from measuresearch.query.parser import LawNumber, Phrase, parse
from measuresearch.index.format.schema import FACETS

# the facet columns a measure has (measuresearch adds a group facet counted from the country column)
FILTER_NAMES = tuple(name for name in FACETS if name != "year")

SECTIONS = (("titles", 4.0), ("sub_pillar", 2.5), ("pillar", 2.0), ("coverage", 1.5), ("country", 1.5),
            ("description", 1.0))
ANALYZER = "en_ru_stem"
BUCKETS = 100_000  # every value of a facet is counted, as measuresearch does


def _analyzer():
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english")).filter(tantivy.Filter.stemmer("russian")).build())


def _schema():
    builder = tantivy.SchemaBuilder()
    for name, _ in SECTIONS:
        builder.add_text_field(name, stored=name in ("titles", "description"), tokenizer_name=ANALYZER)
    for name in FILTER_NAMES:
        builder.add_text_field(f"f_{name}", fast=True, tokenizer_name="raw")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_text_field("mid", stored=True, tokenizer_name="raw")
    return builder.build()


def build(measures, path):
    """Index the measures into a new tantivy index in folder path; return the Index."""
    index = tantivy.Index(_schema(), path=str(path))
    index.register_tokenizer(ANALYZER, _analyzer())
    writer = index.writer(heap_size=512_000_000)
    for m in measures:
        doc = {"titles": "\n\n".join(m.titles), "sub_pillar": m.sub_pillar, "pillar": m.pillar,
               "coverage": m.coverage or "", "country": m.country, "description": m.description,
               "mid": m.id, "year": m.year if m.year is not None else -1}
        for name in FILTER_NAMES:
            if getattr(m, name):
                doc[f"f_{name}"] = getattr(m, name)
        writer.add_document(tantivy.Document(**doc))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def open_index(path):
    """Open an index that build() wrote (the cold start)."""
    index = tantivy.Index.open(str(path))
    index.register_tokenizer(ANALYZER, _analyzer())
    return index


class Searcher:
    """Answers SearchRequests on one index."""

    def __init__(self, index):
        self.index, self.schema = index, index.schema
        self.searcher = index.searcher()
        self.fields = [name for name, _ in SECTIONS]
        self.boosts = dict(SECTIONS)

    def _text(self, unit):
        if isinstance(unit, Phrase):
            words = " ".join(w.text for w in unit.words)
        elif isinstance(unit, LawNumber):
            words = unit.text.replace("-", " ").replace("/", " ")
        else:
            words = unit.text
        quoted = '"' + words.replace("\\", " ").replace('"', " ") + '"'
        return self.index.parse_query(quoted, self.fields, field_boosts=self.boosts)

    def _words(self, parsed, relaxed):
        must = tantivy.Occur.Should if relaxed else tantivy.Occur.Must
        parts = []
        for clause in parsed.positive:
            options = [(tantivy.Occur.Should, self._text(o)) for o in clause.options]
            parts.append((must, tantivy.Query.boolean_query(options)))
        for clause in parsed.negative:
            parts.extend((tantivy.Occur.MustNot, self._text(o)) for o in clause.options)
        return parts

    def _filters(self, request, skip=None):
        parts = []
        for name, values in request.filters.items():
            if values and name != skip:
                query = tantivy.Query.term_set_query(self.schema, f"f_{name}", list(values))
                parts.append((tantivy.Occur.Must, query))
        if skip != "year" and (request.year_from is not None or request.year_to is not None):
            query = tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer,
                                              request.year_from if request.year_from is not None else 0,
                                              request.year_to if request.year_to is not None else 10 ** 6)
            parts.append((tantivy.Occur.Must, query))
        return parts

    def _query(self, words, request, skip=None):
        parts = words + self._filters(request, skip)
        if not any(occur != tantivy.Occur.MustNot for occur, _ in parts):
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(parts)

    def search(self, request):
        """Return (total, hits, facets) for one request."""
        parsed = parse(request.q)
        answer = self._run(request, self._words(parsed, relaxed=False), parsed)
        if answer[0] == 0 and len(parsed.positive) > 1:
            answer = self._run(request, self._words(parsed, relaxed=True), parsed)
        return answer

    def _run(self, request, words, parsed):
        query = self._query(words, request)
        offset = (request.page - 1) * request.per_page
        if parsed.positive:
            result = self.searcher.search(query, request.per_page, count=True, offset=offset)
        else:  # no words: newest first, as measuresearch
            result = self.searcher.search(query, request.per_page, count=True, offset=offset,
                                          order_by_field="year")
        hits = self._hits(query, result.hits) if parsed.positive else [
            self.searcher.doc(address)["mid"][0] for _, address in result.hits]
        return result.count, hits, self._facets(words, request)

    def _hits(self, query, ranked):
        titles = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "titles")
        titles.set_max_num_chars(10_000)
        description = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "description")
        description.set_max_num_chars(240)
        hits = []
        for score, address in ranked:
            doc = self.searcher.doc(address)
            hits.append((doc["mid"][0], score, titles.snippet_from_doc(doc).to_html(),
                         description.snippet_from_doc(doc).to_html()))
        return hits

    def _facets(self, words, request):
        """Return {facet: buckets}: one aggregation per set of filters a facet keeps."""
        names = (*FILTER_NAMES, "year")
        field = {name: f"f_{name}" for name in FILTER_NAMES} | {"year": "year"}
        filtered = {name for name, values in request.filters.items() if values}
        if request.year_from is not None or request.year_to is not None:
            filtered.add("year")
        groups = [(None, [n for n in names if n not in filtered])] + [(n, [n]) for n in names if n in filtered]
        facets = {}
        for skip, group in groups:
            if not group:
                continue
            aggregations = {name: {"terms": {"field": field[name], "size": BUCKETS}} for name in group}
            answer = self.searcher.aggregate(self._query(words, request, skip), aggregations)
            for name in group:
                facets[name] = [(b["key"], b["doc_count"]) for b in answer[name]["buckets"]]
        return facets
