"""The benchmark workload: a synthetic corpus on disk and a fixed query mix drawn from it."""

import collections
import random
import re
import urllib.parse

from measuresearch import storage
from measuresearch.corpus import files as corpus
from measuresearch.domain.model import slugify
from measuresearch.search.service import SearchRequest
from devtools.synthetic import RU_TOPICS, Generator

LAW = re.compile(r"\d+(?:[-/][^\W_]+)+")


def write_corpus(measures, folder):
    """Write synthetic measures as corpus YAML, one file per country (a temporary folder, never corpus/)."""
    by_country = collections.defaultdict(list)
    for measure in measures:
        by_country[measure.country].append(measure)
    for country, group in by_country.items():
        storage.write_text(folder / f"{slugify(country, 8)}.yaml", corpus.dump(group))


KINDS = ("common words", "common and rare", "3-4 words", "phrase", "Cyrillic", "law number")


def query_mix(measures, generator, count, seed=11):
    """Return `count` SearchRequests drawn from the corpus: words, phrases, Cyrillic, law numbers, filters."""
    return [request for _, request in labelled_query_mix(measures, generator, count, seed)]


def labelled_query_mix(measures, generator, count, seed=11):
    """Return `count` (kind, SearchRequest) pairs; kind is one of KINDS (what the query text is)."""
    rng = random.Random(seed)
    vocabulary = generator.vocabulary
    common, rare = vocabulary[:300], vocabulary[1000:20000]
    requests = []
    while len(requests) < count:
        kind = rng.random()
        m = rng.choice(measures)
        if kind < 0.30:
            label, q = KINDS[0], " ".join(rng.choice(common) for _ in range(rng.randint(1, 2)))
        elif kind < 0.45:
            label = KINDS[1]
            q = " ".join(rng.choice(rare if rng.random() < 0.5 else common) for _ in range(rng.randint(1, 2)))
        elif kind < 0.58:
            label, q = KINDS[2], " ".join(rng.choice(common + rare[:2000]) for _ in range(rng.randint(3, 4)))
        elif kind < 0.70:
            words = m.description.rstrip(".").split()
            i = rng.randrange(max(1, len(words) - 2))
            label, q = KINDS[3], '"' + " ".join(w.strip(".,").lower() for w in words[i:i + 2]) + '"'
        elif kind < 0.82:
            label, q = KINDS[4], " ".join(rng.choice(RU_TOPICS).split()[:rng.randint(1, 2)])
        else:
            laws = [law for t in m.titles for law in LAW.findall(t)]
            label, q = KINDS[5], rng.choice(laws) if laws else m.titles[0].split()[-1]
        filters, year_from, year_to = {}, None, None
        if rng.random() < 0.35:
            name = rng.choice(("country", "pillar", "coverage", "sub_pillar"))
            value = getattr(rng.choice(measures), name)
            if value:
                filters[name] = (value,)
            if rng.random() < 0.3:
                filters.setdefault("pillar", (rng.choice(measures).pillar,))
        if rng.random() < 0.1:
            year_from = rng.randint(1995, 2015)
            year_to = year_from + rng.randint(0, 8)
        page = rng.choices((1, 2, 3), (70, 20, 10))[0]
        requests.append((label, SearchRequest(q=q, filters=filters, year_from=year_from, year_to=year_to,
                                              page=page)))
    return requests


def url_of(request):
    """Return the /api/search path of a request."""
    pairs = [("q", request.q)]
    for name, values in request.filters.items():
        pairs.extend((name, v) for v in values)
    if request.year_from is not None:
        pairs += [("year_from", request.year_from), ("year_to", request.year_to)]
    if request.page != 1:
        pairs.append(("page", request.page))
    return "/api/search?" + urllib.parse.urlencode(pairs)


def generator_and_measures(size, seed=7):
    generator = Generator(seed=seed)
    return generator, generator.measures(size)
