"""Following changes: /api/changes (JSON) and /api/search.atom (an Atom 1.0 feed of any search)."""

import re
import xml.etree.ElementTree as ET

from measuresearch.domain import provenance
from measuresearch.search import changes
from measuresearch.web.views import citing
from measuresearch.web.http import urls
from measuresearch.web.http.baseurl import absolute
from measuresearch.web.http.params import SEARCH_PARAMS, search_request, text

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


# what XML 1.0 cannot hold, even escaped (control characters, U+FFFE, U+FFFF, lone surrogates); ElementTree
# writes it as it is, and the feed is then not well-formed: a query may bring it (`?q=a%01b`)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value):
    return _NOT_XML.sub("\ufffd", value)


def _add(parent, tag, content=None, **attributes):
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {name: _xml_text(v) for name, v in attributes.items()})
    if content is not None:
        element.text = _xml_text(content)
    return element


def feed_title(request):
    """Return a feed's title: the query and filters it follows."""
    parts = [f"“{request.q}”"] if request.q.strip() else []
    parts += [f"{name.replace('_', '-')}: {', '.join(values)}" for name, values in request.filters.items()]
    parts += [f"not {name.replace('_', '-')}: {', '.join(values)}" for name, values in request.exclusions.items()]
    return "measuresearch: " + ("; ".join(parts) if parts else "all measures")


def to_atom(entries, build, request, self_url, page_url, base_url):
    """Return the Atom 1.0 document of a search's added and changed measures."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", self_url)
    _add(feed, "title", feed_title(request))
    _add(feed, "subtitle", "Measures of the Digital Trade Integration (DTI) database added or changed in recent "
                           f"builds of the index; this one is {build['index_id']}")
    _add(feed, "updated", build["index_built_at"])
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    _add(_add(feed, "author"), "name", "measuresearch (data: Digital Trade Integration database)")
    _add(feed, "generator", "measuresearch")
    for record in entries:
        permalink = base_url + urls.measure_path(record["id"])
        entry = _add(feed, "entry")
        _add(entry, "id", permalink)
        _add(entry, "title", " / ".join(record["titles"]) or record["id"])
        _add(entry, "updated", record["updated"])
        _add(entry, "link", rel="alternate", type="text/html", href=permalink)
        _add(entry, "category", term=record["country"], label=f"Economy: {record['country']}")
        _add(entry, "category", term=record["pillar"], label=f"Pillar: {record['pillar']}")
        contributed = provenance.contribution(record)
        if contributed:  # a reader's contribution is theirs, not the DTI's
            _add(_add(entry, "author"), "name", contributed)
        _add(entry, "summary", f"{record['kind'].capitalize()} · {record['country']} · {record['pillar']} › "
                               f"{record['sub_pillar']} · {'; '.join(record['dates'])}"
                               + (f" · {contributed}" if contributed else ""), type="text")
        _add(entry, "content", record["description"], type="text")
    # ElementTree writes a CR of the text as it is, and every XML parser reads a CR LF as LF: a character
    # reference keeps it (a CR of an attribute is one already; none stands anywhere else)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode").replace("\r", "&#13;")


class FeedResource:
    """GET /api/search.atom: the search's measures added or changed in recent builds, newest first."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        request = search_request(req)
        entries, build = changes.feed_entries(self.holder, request)
        query = f"?{req.query_string}" if req.query_string else ""
        resp.content_type = ATOM_TYPE
        resp.text = to_atom(entries, build, request, absolute(req, "/api/search.atom" + query),
                            absolute(req, "/" + query), req.context.base_url)


class ChangesResource:
    """GET /api/changes?since=S: measures added, changed or removed by the builds after S."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        request = search_request(req, allowed=SEARCH_PARAMS | {"since"})
        resp.media = urls.linked_result(changes.changes(self.holder, request, text(req, "since")), "changes",
                                        req.context.root)


def add_routes(app, holder):
    """Add /api/changes, /api/search.atom and the citations of a measure."""
    app.add_route("/api/changes", ChangesResource(holder))
    app.add_route("/api/search.atom", FeedResource(holder))
    app.add_route("/api/measures/{measure_id}/cite", citing.CiteResource(holder))
