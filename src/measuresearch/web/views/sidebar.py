"""The facet sidebar as plain data: each facet's top values, the rest folded, sub-pillars under their pillar.

At DTI scale (146 economies, about 65 sub-pillars) a facet shows its TOP
values by count, and every selected value wherever it ranks; the rest are
rendered too but folded ("extra"), behind a "more" link that works without
JavaScript (`more=<facet>` on the page's URL) and that app.js turns into an
in-place toggle. Sub-pillars fold under their pillar unless the pillar or
one of its sub-pillars is selected.
"""

import urllib.parse

from measuresearch.web.http import urls

TOP = 10
TREE = ("pillar", "sub_pillar")  # shown as one tree
OWN_VIEW = ("year",)  # the histogram
FIRST = ("country", "group")  # the order of the lists; the other facets follow in their order (domain/fields.py)
OPTIONAL = ("group",)  # left out when it has no value (a corpus without groups.yaml)


def expanded_facets(req, names):
    """Return the facets whose whole list the page was asked to show (more=<facet>, repeatable)."""
    asked = req.get_param_as_list("more") or []
    return frozenset(name for name in asked if name in names)


def _fold(values, expanded, chosen=lambda value: value["selected"]):
    """Mark the values past the first TOP as extra (chosen values never are)."""
    for rank, value in enumerate(values):
        value["extra"] = rank >= TOP and not chosen(value)
        value["hidden"] = value["extra"] and not expanded
    return values


def _more_urls(pairs, name, expanded):
    """Return (URL showing the whole list of `name`, URL folding it again), keeping the other lists as they are."""
    base = urls.href(pairs)
    joiner = "&" if "?" in base else "?"

    def with_more(names):
        query = urllib.parse.urlencode([("more", n) for n in sorted(names)])
        return base + (joiner + query if query else "")
    return with_more(expanded | {name}), with_more(expanded - {name})


def _facet(name, label, values, pairs, expanded):
    more_url, fewer_url = _more_urls(pairs, name, expanded)
    return {"name": name, "label": label, "values": values,
            "extras": sum(v["extra"] for v in values), "expanded": name in expanded,
            "more_url": more_url, "fewer_url": fewer_url, "filterable": len(values) > TOP}


def pillar_tree(result, pairs, expanded=frozenset()):
    """Return the pillar facet with its sub-pillars nested (folded unless chosen), and sub-pillars with no pillar."""
    facets = result["facets"]
    tree = [{**pillar, "url": urls.toggle(pairs, "pillar", pillar["value"]), "children": []}
            for pillar in facets["pillar"]]
    by_pillar = {node["value"]: node for node in tree}
    orphans = []
    for sub in facets["sub_pillar"]:
        node = {**sub, "url": urls.toggle(pairs, "sub_pillar", sub["value"])}
        parent_name = result["sub_pillar_parents"].get(sub["value"])
        if parent_name is not None and parent_name not in by_pillar:
            # a pillar that the other filters leave at 0 still holds its sub-pillars (folded), not a flat list
            by_pillar[parent_name] = {"value": parent_name, "count": 0, "selected": False, "children": [],
                                      "url": urls.toggle(pairs, "pillar", parent_name)}
            tree.append(by_pillar[parent_name])
        parent = by_pillar.get(parent_name)
        (parent["children"] if parent else orphans).append(node)
    for node in tree:
        node["open"] = node["selected"] or any(child["selected"] for child in node["children"])
    facet = _facet("pillar", "Pillar", _fold(tree, "pillar" in expanded, lambda node: node["open"]), pairs, expanded)
    facet["filterable"] = len(tree) + len(facets["sub_pillar"]) > TOP
    return facet, orphans


def facet_lists(result, pairs, labels, expanded=frozenset()):
    """Return every facet but the pillar tree and the year histogram, in the result's order, with toggle URLs."""
    found = []
    names = [n for n in FIRST if n in result["facets"]] + [n for n in result["facets"] if n not in FIRST]
    for name in names:
        values = result["facets"][name]
        if name in TREE or name in OWN_VIEW or (name in OPTIONAL and not values):
            continue
        label = labels.get(name) or name.replace("_", " ").capitalize()
        linked = [{**value, "url": urls.toggle(pairs, name, value["value"])} for value in values]
        found.append(_facet(name, label, _fold(linked, name in expanded), pairs, expanded))
    return found
