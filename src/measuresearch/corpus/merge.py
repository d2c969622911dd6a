"""Merge one economy's incoming measures into its corpus file: scope, provenance, tombstones.

An import run matches (identity.py) each source kind's measures only with the records
that kind brought (and with records made before provenance, which take the kind of the
run that first matches them). A record of another kind is never overwritten: an incoming
measure with its sub-pillar and titles but other text is refused, naming both. Missing
and --prune look only at the (economy, sub-pillar, kind) triples of the run (its scope),
so importing one of an economy's pages leaves the rest of the economy alone. A proposal
is merged as a new record (`add_only`), or as an edit of one named record (`edit_of`).
An edited record keeps the edit while its page still says what the edit replaced; once
the page says something else, the page's text replaces the edit, and the report says so.
"""

import dataclasses

from measuresearch.corpus import files as corpus
from measuresearch.corpus import identity
from measuresearch.domain import model
from measuresearch.domain import provenance
from measuresearch.domain.provenance import kind_of
from measuresearch.errors import Problem


@dataclasses.dataclass
class FileReport:
    """What an import does to one corpus file."""

    path: str
    added: list = dataclasses.field(default_factory=list)
    changed: list = dataclasses.field(default_factory=list)  # (old, new, how, [(field, old, new)])
    unchanged: int = 0
    missing: list = dataclasses.field(default_factory=list)
    restored: list = dataclasses.field(default_factory=list)  # new measures that got a removed id back
    kept_edits: list = dataclasses.field(default_factory=list)  # edited records whose page did not change
    withdrawn: list = dataclasses.field(default_factory=list)  # entries of measures the curator withdrew: left out
    pruned: bool = False

    def line(self):
        """Return the summary line: N added, N changed, N unchanged, N missing from the page."""
        text = (f"{self.path}: {len(self.added) + len(self.restored)} added, {len(self.changed)} changed, "
                f"{self.unchanged} unchanged, {len(self.missing)} missing from the page")
        if self.missing:
            text += " (removed, tombstones kept)" if self.pruned else " (kept; --prune removes them)"
        replacing = [old.id for old, _, how, _ in self.changed if how == "edit replaced"]
        if replacing:
            text += f"; the page's new text replaces the accepted edit of {', '.join(replacing)}"
        merged = [old.id for old, _, how, _ in self.changed if how == "edit merged"]
        if merged:
            text += f"; the accepted edit of {', '.join(merged)} kept beside the page's changes to other fields"
        if self.kept_edits:
            text += f"; {len(self.kept_edits)} accepted edit(s) kept (their page still says what they replaced)"
        if self.withdrawn:
            text += f"; {len(self.withdrawn)} withdrawn by the curator, left out"
        return text

    def details(self):
        """Return one line per added, changed, restored and missing measure, changes with old and new text."""
        out = []
        for old, new, how, fields in self.changed:
            note = {"description": " (titles changed: matched by the closest description in its sub-pillar)",
                    "edit replaced": f" (the page changed since the edit of {(old.edited or {}).get('by')}: "
                                     "its text replaces the edit)",
                    "sources added": " (repeated word for word by a source of another kind, which lists "
                                     "these sources too)",
                    "edit merged": f" (the page changed other fields than the edit of {(old.edited or {}).get('by')}, "
                                   "which is kept)"}.get(how, "")
            out.append(f"  ~ {old.id}{note}")
            for name, before, after in fields:
                out.append(f"      {name}: {_show(before)}")
                out.append(f"      {' ' * len(name)}  -> {_show(after)}")
        out.extend(f"  = {m.id}: kept the edit of {m.edited['by']} (the page still says what it replaced)"
                   for m in self.kept_edits)
        out.extend(f"  + {m.id}: {m.titles[0]}" for m in self.added)
        out.extend(f"  + {m.id}: {m.titles[0]} (removed earlier; its id is back)" for m in self.restored)
        out.extend(f"  x {tomb['id']}: {tomb['titles'][0] if tomb['titles'] else ''} (withdrawn by the curator on "
                   f"{tomb.get('removed_on')}; left out: remove its tombstone to take the page's entry again)"
                   for tomb in self.withdrawn)
        verb = "removed, tombstone kept" if self.pruned else "kept"
        out.extend(f"  - {m.id}: {m.titles[0]} (missing from the page; {verb})" for m in self.missing)
        return out


def _show(value):
    return repr(value) if not isinstance(value, list) else "[" + ", ".join(map(repr, value)) + "]"


@dataclasses.dataclass
class Run:
    """How one run merges: its scope, the day, --prune, and the proposal modes."""

    today: str
    scope: frozenset = frozenset()  # (economy, sub-pillar, source kind) the run's files contain
    prune: bool = False
    add_only: bool = False  # a proposal that is no edit: always a new record with a new id
    edit_of: str | None = None  # a proposal accepted as an edit of this record
    edit_base: str | None = None  # ... as the curator saw it (its digest): changed since, the edit is refused
    files: dict = dataclasses.field(default_factory=dict)  # each triple of the scope -> the files that hold it

    @classmethod
    def of(cls, measures, today, prune=False, **modes):
        """Return the Run of these incoming measures: their scope is every triple they hold."""
        files = {}
        for m in measures:
            name = (m.source or {}).get("name")
            if name:
                files.setdefault((m.country, m.sub_pillar, kind_of(m)), set()).add(name)
        scope = frozenset((m.country, m.sub_pillar, kind_of(m)) for m in measures)
        return cls(today=today, scope=scope, prune=prune, files={k: sorted(v) for k, v in files.items()}, **modes)

    def files_of(self, record):
        """Return the names of the run's files whose scope holds a record (those that no longer list it)."""
        kind = kind_of(record)
        return sorted({name for (country, sub, of_kind), names in self.files.items() for name in names
                       if (country, sub) == (record.country, record.sub_pillar) and kind in (None, of_kind)})

    def covers(self, record):
        """Whether a record is within the run's scope (a record without source: any kind)."""
        kind = kind_of(record)
        if kind is not None:
            return (record.country, record.sub_pillar, kind) in self.scope
        return any((country, sub) == (record.country, record.sub_pillar) for country, sub, _ in self.scope)


def match(old, incoming, tombstones):
    """Match incoming measures kind by kind with the records of that kind; return identity.Matching."""
    result, paired = identity.Matching(), set()
    for kind in sorted({kind_of(m) for m in incoming}, key=str):
        same = [m for m in old if kind_of(m) in (None, kind) and m.id not in paired]
        graves = [t for t in tombstones if kind_of(t.get("record") or {}) in (None, kind)]
        part = identity.match(same, [m for m in incoming if kind_of(m) == kind], graves)
        paired.update(before.id for before, _, _ in part.pairs)
        result.pairs += part.pairs
        result.added += part.added
        result.restored += [(t, m) for t, m in part.restored if t not in [u for u, _ in result.restored]]
        result.ties += part.ties
    result.missing = [m for m in old if m.id not in paired]
    return result


def _other_kind(old, added, path, problems, grown=None):
    """Drop added measures that repeat a record of another kind word for word; refuse other clashes.

    A repeat that lists sources the record lacks gives them to it (sources only grow): grown, {record id:
    (record, its sources with those added)}, collects them.
    """
    if not added or not old:  # nothing to compare (a first import, a re-import that adds nothing)
        return list(added), 0
    by_key = {}
    for record in old:
        by_key.setdefault(identity.title_key(record), []).append(record)
    kept, unchanged = [], 0
    for measure in added:
        # titles several records share, of any kind, say who it is only with a close description (may_be)
        others = [r for r in identity.may_be(measure, by_key.get(identity.title_key(measure), []))
                  if kind_of(r) not in (None, kind_of(measure))]
        same = next((r for r in others if not _says_else(r, measure)), None)
        if not others:
            kept.append(measure)
        elif same is not None:
            record, sources = grown.get(same.id, (same, same.sources)) if grown is not None else (same, same.sources)
            more = _with_sources(measure, sources).sources
            if grown is not None and more[:len(sources)] == sources and len(more) > len(sources):
                grown[same.id] = (record, more)
            else:
                unchanged += 1
        else:
            other = others[0]
            problems.append(Problem(str(path), 0, (
                f"{measure.source['name']}: {measure.titles[0]!r} ({measure.sub_pillar}) has the titles of "
                f"{other.id}, which came from {provenance.KIND_WORDS[kind_of(other)]} {other.source['name']}; "
                "an import never overwrites a record of another source (edit the corpus file, or "
                f"`measuresearch withdraw {other.id}`); "
                "nothing was changed")))
    return kept, unchanged


def _says_else(record, measure):
    """Whether two records of one measure say different things; their `sources` are where each was read (a
    reader's record lists the address it gave) and do not count."""
    return any(name != "sources" for name, _, _ in identity.changes(record, measure))


def merge(path, country, old, tombstones, incoming, run, problems):
    """Merge one economy's measures; return (FileReport, the file's new plain data or None if unchanged)."""
    if run.edit_of:
        return _edit(path, country, old, tombstones, incoming[0], run, problems)
    if run.add_only:
        _refuse_edits(path, old, incoming, problems)
    matching = identity.Matching(added=list(incoming)) if run.add_only else match(old, incoming, tombstones)
    for new, candidates in matching.ties:
        problems.append(Problem(str(path), 0, f"cannot tell which measure {new.titles[0]!r} ({new.sub_pillar}) "
                                              f"on the page is: equally close to {', '.join(c.id for c in candidates)}; "
                                              "nothing was changed"))
    for before, after, _ in matching.pairs:
        # (where the record's description and coverage are those of its edit and the page's those the edit found,
        # the page is no copy cut off there)
        if _cut_off(before, after) and not identity.says_what_edit_replaced(before, after) \
                and not identity.as_found(before, after, ("description", "coverage")):
            lost = f"its coverage {before.coverage!r} or " if before.coverage else ""
            problems.append(Problem(str(path), 0, (
                f"{after.source['name']}: {before.id} ({after.titles[0][:60]!r}) would lose {lost}the end of its "
                "description, the rest kept: is the copy cut off there? nothing was changed")))
    missing = [m for m in matching.missing if run.covers(m)] if not run.add_only else []
    report = FileReport(str(path), pruned=run.prune, missing=missing)
    grown = {}
    added, report.unchanged = _other_kind(old, matching.added, path, problems, grown)
    pending, touched = _sort_pairs(report, matching.pairs, run.today)
    for record, sources in grown.values():  # a repeat of a record of another source that lists more sources
        if record.id not in pending:
            now = dataclasses.replace(record, sources=sources)
            report.changed.append((record, now, "sources added", identity.changes(record, now)))
            pending[record.id] = now
    taken = {m.id for m in old} | {t["id"] for t in tombstones}
    report.added = _with_fresh_ids(added, taken)
    # the curator took a withdrawn measure out: a page that lists it again does not undo that
    report.withdrawn = [tomb for tomb, _ in matching.restored if tomb.get("reason") == "withdrawn"]
    back = [(tomb, measure) for tomb, measure in matching.restored if tomb.get("reason") != "withdrawn"]
    # a record brought back repeats no record of another source either (a reader may have sent it meanwhile)
    restored, repeated = _other_kind(old, [m for _, m in back], path, problems)
    report.unchanged += repeated
    for tomb, measure in back:
        if any(m is measure for m in restored):
            last = _last_record(tomb)
            first = (last.source if last else None) or measure.source
            report.restored.append(_with_its_edit(last, measure, run.today) or dataclasses.replace(
                _with_sources(measure, last.sources if last else []), id=tomb["id"], source=first))
    gone = {m.id for m in missing} if run.prune else set()
    if not (report.changed or report.added or report.restored or gone or touched):
        return report, None
    back = {m.id for m in report.restored}
    replaced = {key: _record(value, run.today) for key, value in pending.items()}
    measures = [replaced.get(m.id, m) for m in old if m.id not in gone] + report.added + report.restored
    graves = [t for t in tombstones if t["id"] not in back] + [
        provenance.tombstone(m.to_dict(), "pruned", run.today, by=run.files_of(m)) for m in missing if m.id in gone]
    return report, corpus.document(measures, country=country, removed=graves)


def _cut_off(before, after):
    """True when the incoming entry reads like the stored one copied only up to a point: its coverage is gone
    (or its start alone is left) while its description is the stored one, its start, or it with more text
    after it (the first letters of "Coverage"), or its description is cut short with no coverage after it."""
    old, new, stored = before.description, after.description, before.coverage or ""
    if after.coverage is None:
        coverage_gone = bool(stored) and (old.startswith(new) or new.startswith(old))
        return coverage_gone or (len(new) < len(old) and old.startswith(new))
    return old == new and len(after.coverage) < len(stored) and stored.startswith(after.coverage)


def _sort_pairs(report, pairs, today):
    """Count each matched pair as changed, a kept edit or unchanged; return ({old id: record}, touched).

    The record of an unchanged pair is left as (before, after, kept edit) for _record to make only if
    the file is written: a re-import of unchanged pages writes nothing. touched: a record's source or
    last import moves, so the file is written.
    """
    pending, touched = {}, False
    for before, page, how in pairs:
        after = _with_sources(page, before.sources)
        fields = identity.changes(before, after)
        kept = bool(fields) and identity.says_what_edit_replaced(before, page)
        if kept:
            report.kept_edits.append(before)  # the page is as the edit found it: the edit stands
        elif fields:
            merged = _merged_edit(before, page, today)
            if merged is not None:
                report.changed.append((before, merged, "edit merged", identity.changes(before, merged)))
                pending[before.id] = merged
                continue
            now = _updated(before, after, today)
            report.changed.append((before, now, "edit replaced" if before.edited else how, fields))
            pending[before.id] = now
            continue
        report.unchanged += 1
        source = before.source or after.source  # a record without provenance (an older file) takes its page's
        # (a kept edit takes the sources the page adds)
        grown = kept and after.sources != before.sources
        touched = touched or grown or (before.source, before.last_imported) != (source, today)
        pending[before.id] = (before, after, kept)
    return pending, touched


def _last_record(tomb):
    """Return the record a tombstone keeps (tombstones written before provenance keep none), or None."""
    record = tomb.get("record") or {}
    if record.get("id") != tomb["id"]:
        return None
    try:
        return model.from_dict(record)
    except (TypeError, ValueError, KeyError):
        return None


def _with_its_edit(last, measure, today):
    """Return the record a tombstone keeps (last), when it carries an accepted edit and the page is back saying
    what that edit replaced (the edit stands, as it would have without the prune); else None."""
    if last is None or not identity.says_what_edit_replaced(last, measure):
        return None
    return _kept(last, measure, today)


def _kept(before, page, today):
    """Return the record of a kept edit (identity.says_what_edit_replaced) read again from its page: the edit's
    text, the sources the page adds after its own, the page's last import."""
    return dataclasses.replace(before, sources=_with_sources(page, before.sources).sources, last_imported=today,
                               source=before.source or page.source)



def _merged_edit(before, page, today):
    """Return an edited record with the page's changes to the fields its edit left alone, else None.

    A page that changed only fields the curator's edit did not (a date line, while the edit corrected the
    description) takes them, and the edit stands; where both changed a field, or for an edit made before the
    fields' digests were kept, the page's text replaces the edit (_sort_pairs). The edit then counts as made
    on the page as it is now, so that importing it again keeps it.
    """
    found = (before.edited or {}).get("fields")
    if not isinstance(found, dict) or set(found) != set(identity.EDIT_FIELDS):
        return None
    if (before.pillar, before.sub_pillar) != (page.pillar, page.sub_pillar):
        return None
    on_page = {name for name in identity.EDIT_FIELDS if identity.value_digest(getattr(page, name)) != found[name]}
    edited = {name for name in identity.EDIT_FIELDS if identity.value_digest(getattr(before, name)) != found[name]}
    if not on_page or on_page & edited:
        return None
    taken = {name: getattr(page, name) for name in on_page}
    if "dates" in on_page:
        taken.update(events=page.events, year=page.year)
    mark = {**before.edited, "fields": {**found, **{name: identity.value_digest(value) for name, value in taken.items()
                                                     if name in found}},
            "replaced": digest(dataclasses.replace(page, sources=[]))}
    return dataclasses.replace(before, **taken, sources=_with_sources(page, before.sources).sources, edited=mark,
                               last_imported=today, source=before.source or page.source)


def _with_sources(measure, stored):
    """Return an incoming measure with the stored sources first, then those it adds.

    A page shows some of a measure's sources or none: layouts other than F list none, and F's list ends
    in "- Show more...". So a source that the page does not show is not gone, and an import never drops
    one (a curator removes one by editing the corpus file).
    """
    sources = stored + [address for address in measure.sources if address not in stored]
    return measure if sources == measure.sources else dataclasses.replace(measure, sources=sources)


def _refuse_edits(path, old, incoming, problems):
    """Refuse a proposal accepted as new whose identity is a record's (one accepted meanwhile, or since it was
    listed): it is an edit of that record, seen here under the import lock."""
    by_key = {}
    for record in old:
        by_key.setdefault(identity.title_key(record), []).append(record)
    for measure in incoming:
        record = next(iter(identity.may_be(measure, by_key.get(identity.title_key(measure), []))), None)
        if record is not None:
            problems.append(Problem(str(path), 0, (
                f"{measure.source['name']} is an edit of {record.id}, which has its sub-pillar and titles; "
                "accept it with --as-edit, or reject it; nothing was written")))


def _record(pending, today):
    """Return the record of a pair _sort_pairs left pending (an unchanged one made now), or the record made."""
    if not isinstance(pending, tuple):
        return pending
    before, after, kept = pending
    if kept:
        return _kept(before, after, today)
    return _updated(before, after, today)


def digest(measure):
    """Return the SHA-1 of a measure's compared fields (what an accepted edit replaced)."""
    return identity.content_digest(measure)


def _updated(before, after, today):
    """Return the incoming measure under the old record's id, with its first source kept."""
    return dataclasses.replace(after, id=before.id, source=before.source or after.source, last_imported=today)


def _edit(path, country, old, tombstones, proposal, run, problems):
    """Apply a proposal accepted as an edit of run.edit_of: new text, the record's id and source kept."""
    report = FileReport(str(path))
    target = next((m for m in old if m.id == run.edit_of), None)
    if target is None:
        problems.append(Problem(str(path), 0, f"no measure {run.edit_of!r} to edit; nothing was changed"))
        return report, None
    if run.edit_base is not None and digest(target) != run.edit_base:
        problems.append(Problem(str(path), 0, (
            f"{target.id} changed after {proposal.source['name']} was compared with it (another edit was accepted "
            "meanwhile): list the proposals again to see what it would change now; nothing was changed")))
        return report, None
    if target.kind == "indicator":
        problems.append(Problem(str(path), 0, (
            f"{target.id} is an indicator: a proposal carries no values, and would drop its numbers; edit the "
            "corpus file, or reject the proposal; nothing was changed")))
        return report, None
    sources = target.sources + [url for url in proposal.sources if url not in target.sources]
    first = (target.edited or {}).get("replaced") or digest(target)  # the text of its source, before any edit
    edited = {"by": proposal.source["name"], "on": run.today, "url": proposal.source["url"], "replaced": first}
    source_text = _source_description(target)
    if proposal.description != target.description and source_text is not None:
        # the description its source gave, which a re-import recognises the record by (identity.closeness)
        edited[model.EDITED_FOUND_KEY] = source_text
    if target.edited:  # the edits before this one keep their names, oldest first
        before = target.edited
        edited[model.EDITED_EARLIER_KEY] = [*before.get(model.EDITED_EARLIER_KEY, []),
                                            {key: before.get(key) for key in model.EARLIER_KEYS}]
    # and each field as the source had it (_merged_edit), unless an edit made before they were kept came first
    fields = (target.edited or {}).get("fields") if target.edited else identity.field_digests(target)
    if fields:
        edited["fields"] = fields
    # its source stays what it was, none included: the edit is told by `edited`
    now = dataclasses.replace(_updated(target, proposal, run.today), source=target.source, sources=sources,
                              edited=edited)
    report.changed.append((target, now, "edit", identity.changes(target, now)))
    measures = [now if m.id == target.id else m for m in old]
    return report, corpus.document(measures, country=country, removed=tombstones)


def _source_description(record):
    """Return the description a record's source gave (before any accepted edit), or None if it is not known."""
    edit = record.edited or {}
    if not edit:
        return record.description
    if isinstance(edit.get(model.EDITED_FOUND_KEY), str):
        return edit[model.EDITED_FOUND_KEY]
    if identity.as_found(record, record, ("description",)):
        return record.description  # the edits so far left it alone
    return None


def _with_fresh_ids(added, taken):
    """Return the added measures, each under fresh_id of its id (a copy only where the id changes)."""
    out = []
    for measure in added:
        fresh = fresh_id(measure.id, taken)
        out.append(measure if fresh == measure.id else dataclasses.replace(measure, id=fresh))
    return out


def fresh_id(candidate, taken):
    """Return candidate, or candidate-2, -3, ... if a measure or tombstone of the file has it."""
    fresh, n = candidate, 1
    while fresh in taken:
        n += 1
        fresh = f"{candidate}-{n}"
    taken.add(fresh)
    return fresh
