"""The same work done by SQLite FTS5 (standard library): BM25 top-k, snippets, facet counts.

Same corpus, same requests, same answer shape: hits with highlighted titles and
a description snippet, the exact total, and the five disjunctive facet counts.
The page's rows are ranked first and only they are highlighted.
"""

import re
import sqlite3

from measuresearch.query.parser import LawNumber, Phrase, parse
from measuresearch.index.format.schema import FACETS

# the facet columns a measure has (measuresearch adds a group facet counted from the country column)
FILTER_NAMES = tuple(name for name in FACETS if name != "year")

WEIGHTS = (4.0, 2.5, 2.0, 1.5, 1.5, 1.0)  # titles, sub_pillar, pillar, coverage, country, description
COLUMNS = ("titles", "sub_pillar", "pillar", "coverage", "country", "description")


def build(measures, path=":memory:"):
    """Create and fill the FTS5 table and the facet table; return the connection."""
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute(f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(COLUMNS)}, "
               "tokenize='porter unicode61 remove_diacritics 2')")
    db.execute("CREATE TABLE meta (id INTEGER PRIMARY KEY, mid TEXT, country TEXT, pillar TEXT, sub_pillar TEXT,"
               " coverage TEXT, year INTEGER, dates TEXT)")
    with db:
        for n, m in enumerate(measures, 1):
            db.execute("INSERT INTO fts(rowid, titles, sub_pillar, pillar, coverage, country, description) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (n, "\n\n".join(m.titles), m.sub_pillar, m.pillar,
                                                      m.coverage or "", m.country, m.description))
            db.execute("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (n, m.id, m.country, m.pillar,
                                                                           m.sub_pillar, m.coverage, m.year,
                                                                           "\n".join(m.dates)))
    for name in (*FILTER_NAMES, "year"):
        db.execute(f"CREATE INDEX meta_{name} ON meta({name})")
    db.execute("INSERT INTO fts(fts) VALUES('optimize')")
    return db


def _quote(text):
    return '"' + text.replace('"', '""') + '"'


def match_expression(q, relaxed=False):
    """Translate the search box into FTS5 syntax (words AND-ed, phrases, OR, NOT)."""
    parsed = parse(q)

    def option(o):
        if isinstance(o, Phrase):
            return _quote(" ".join(w.text for w in o.words))
        if isinstance(o, LawNumber):
            return _quote(" ".join(re.split(r"[-/]", o.text)))
        return _quote(o.text)

    clauses = ["(" + " OR ".join(option(o) for o in c.options) + ")" for c in parsed.positive]
    if not clauses:
        return None
    expression = (" OR " if relaxed else " AND ").join(clauses)
    for clause in parsed.negative:
        expression += " NOT (" + " OR ".join(option(o) for o in clause.options) + ")"
    return expression


def _filters(request, skip=None):
    sql, args = [], []
    for name, values in request.filters.items():
        if name != skip and values:
            sql.append(f"meta.{name} IN ({', '.join('?' * len(values))})")
            args.extend(values)
    if skip != "year" and (request.year_from is not None or request.year_to is not None):
        sql.append("meta.year BETWEEN ? AND ?")
        args += [request.year_from or -10 ** 9, request.year_to or 10 ** 9]
    return sql, args


def search(db, request):
    """Answer one request: (total, hits, facets), as measuresearch's search() does."""
    expression = match_expression(request.q)
    total, hits, facets = _run(db, request, expression)
    if total == 0 and expression and len(parse(request.q).positive) > 1:
        total, hits, facets = _run(db, request, match_expression(request.q, relaxed=True))
    return total, hits, facets


def _where(expression, request, skip=None):
    sql, args = _filters(request, skip)
    if expression:
        sql.insert(0, "fts MATCH ?")
        args.insert(0, expression)
    return (" WHERE " + " AND ".join(sql)) if sql else "", args


def _top_highlighted(db, source, where, args, expression, limit, offset):
    """Return the top rows by BM25, highlighted: ranked first, then only those rows highlighted.

    highlight() and snippet() inside the ORDER BY ... LIMIT query would run for
    every matching row that enters the sorter, not just the page's.
    """
    rank = f"bm25(fts, {', '.join(map(str, WEIGHTS))})"
    top = db.execute(f"SELECT fts.rowid, meta.mid, {rank}, meta.dates FROM {source}{where} ORDER BY {rank} "
                     "LIMIT ? OFFSET ?", args + [limit, offset]).fetchall()
    if not top:
        return []
    marks = {rowid: (title, text) for rowid, title, text in db.execute(
        "SELECT rowid, highlight(fts, 0, '<mark>', '</mark>'), snippet(fts, 5, '<mark>', '</mark>', '…', 40) "
        f"FROM fts WHERE fts MATCH ? AND rowid IN ({', '.join('?' * len(top))})",
        [expression] + [row[0] for row in top])}
    return [(mid, score, *marks[rowid], dates) for rowid, mid, score, dates in top]


def _run(db, request, expression):
    source = "fts JOIN meta ON meta.id = fts.rowid" if expression else "meta"
    where, args = _where(expression, request)
    try:
        total = db.execute(f"SELECT count(*) FROM {source}{where}", args).fetchone()[0]
        offset = (request.page - 1) * request.per_page
        if expression:
            rows = _top_highlighted(db, source, where, args, expression, request.per_page, offset)
        else:
            rows = db.execute(f"SELECT meta.mid, meta.year FROM meta{where} ORDER BY meta.year DESC LIMIT ? OFFSET ?",
                              args + [request.per_page, offset]).fetchall()
        facets = {}
        for name in (*FILTER_NAMES, "year"):
            where_f, args_f = _where(expression, request, skip=name)
            facets[name] = db.execute(f"SELECT meta.{name}, count(*) FROM {source}{where_f} GROUP BY meta.{name} "
                                      "ORDER BY count(*) DESC", args_f).fetchall()
    except sqlite3.OperationalError:  # a query FTS5 cannot parse: count it as an empty answer
        return 0, [], {}
    return total, rows, facets
