"""Print a search result in a terminal: ranked hits, bold matches, facet counts."""

import html
import re

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def plain(highlighted, bold):
    """Turn escaped highlight HTML into terminal text, matches in bold."""
    text = _MARK.sub((lambda m: f"\033[1m{m.group(1)}\033[0m") if bold else (lambda m: f"[{m.group(1)}]"),
                     highlighted)
    return html.unescape(text)


def print_result(result, out, bold=False):
    """Write the result as text."""
    took = result["took_ms"]
    print(f"{result['total']} measures ({took} ms), page {result['page']} of {max(1, result['pages'])}", file=out)
    if result.get("relaxed"):
        print("No measure has all the words; showing measures with some of them.", file=out)
    if result.get("suggestion"):
        print(f"Did you mean: {result['suggestion']['q']}", file=out)
    start = (result["page"] - 1) * result["per_page"]
    for rank, hit in enumerate(result["hits"], start + 1):
        print(file=out)
        for title in hit["highlights"]["titles"]:
            print(f"{rank:>3}. {plain(title, bold)}", file=out)
        print(f"     {hit['country']} | {hit['pillar']} > {hit['sub_pillar']} | {'; '.join(hit['dates'])}", file=out)
        print(f"     {plain(hit['highlights']['description'], bold)}", file=out)
        print(f"     {hit['url']}", file=out)
    print(file=out)
    for name, values in result["facets"].items():
        shown = ", ".join(f"{v['value']} ({v['count']})" for v in values[:8])
        if shown:
            print(f"{name}: {shown}", file=out)
