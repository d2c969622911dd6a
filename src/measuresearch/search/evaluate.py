"""Judge ranking on the judged query set: success@1, success@3, MRR (`measuresearch evaluate`)."""

import dataclasses
import pathlib

from measuresearch import storage
from measuresearch.search.service import SearchRequest, search


@dataclasses.dataclass
class Judgement:
    """The outcome of one judged query."""

    q: str
    kind: str
    rank: int | None  # 1-based rank of the first expected measure, None if not in the top 10
    top: str | None


def judge(holder, queries):
    """Run every query; return one Judgement each."""
    judgements = []
    for item in queries:
        result = search(holder, SearchRequest(q=item["q"], per_page=10))
        if not result["hits"] and result["suggestion"]:
            result = search(holder, SearchRequest(q=result["suggestion"]["q"], per_page=10))
        ids = [hit["id"] for hit in result["hits"]]
        rank = next((i for i, hit_id in enumerate(ids, 1) if hit_id in item["expect"]), None)
        judgements.append(Judgement(item["q"], item.get("kind", ""), rank, ids[0] if ids else None))
    return judgements


def metrics(judgements):
    """Return success@1, success@3 and MRR."""
    n = len(judgements)
    return {
        "queries": n,
        "success@1": sum(j.rank == 1 for j in judgements) / n,
        "success@3": sum(j.rank is not None and j.rank <= 3 for j in judgements) / n,
        "mrr": sum(1 / j.rank for j in judgements if j.rank) / n,
    }


def load_queries(path):
    """Return the judged queries of a YAML file; TypeError naming the first entry that is not one."""
    queries = storage.load_yaml(pathlib.Path(path).read_text(encoding="utf-8"))["queries"]
    if not isinstance(queries, list):
        raise TypeError("queries is not a list")
    for number, item in enumerate(queries, 1):
        if not (isinstance(item, dict) and isinstance(item.get("q"), str) and isinstance(item.get("expect"), list)
                and isinstance(item.get("kind", ""), str)):
            raise TypeError(f"query {number} needs a text q, a list expect and a text kind if any")
    return queries


def report(judgements):
    """Return the lines that `measuresearch evaluate` prints: each miss, then the metrics."""
    lines = [f"  rank {j.rank or '-':>2}  [{j.kind}] {j.q!r}  (first: {j.top})" for j in judgements if j.rank != 1]
    m = metrics(judgements)
    lines.append(f"{m['queries']} queries: success@1 {m['success@1']:.3f}  success@3 {m['success@3']:.3f}  "
                 f"MRR {m['mrr']:.3f}")
    return lines
