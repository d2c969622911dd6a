"""Import DTI pages and sheets into the corpus: one YAML file per economy, ids kept.

A run reads every source, checks every measure against the taxonomy, and
matches each economy's measures with those its file already has (identity.py)
before anything is written; then it writes every changed file all or nothing
under the folder's import lock (transaction.py). `dry_run` stops before the
writes. Measures the pages no longer list are kept, or with `prune` removed
and replaced by a tombstone (their permalinks answer 410).
"""

import dataclasses
import datetime
import gc
import hashlib
import json
import pathlib

import yaml

from measuresearch.corpus import files as corpus
from measuresearch.corpus.sources import dti_page as dti
from measuresearch.corpus import identity
from measuresearch.domain import model
from measuresearch.corpus.sources import sheets
from measuresearch.domain import taxonomy
from measuresearch.corpus import transaction
from measuresearch.corpus import yamlout
from measuresearch.errors import InputProblems, Problem
from measuresearch.domain.model import slugify

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclasses.dataclass
class FileReport:
    """What an import does to one corpus file."""

    path: str
    added: list = dataclasses.field(default_factory=list)
    changed: list = dataclasses.field(default_factory=list)  # (old, new, how, [(field, old, new)])
    unchanged: int = 0
    missing: list = dataclasses.field(default_factory=list)
    restored: list = dataclasses.field(default_factory=list)  # new measures that got a removed id back
    pruned: bool = False

    def line(self):
        """Return the summary line: N added, N changed, N unchanged, N missing from the page."""
        text = (f"{self.path}: {len(self.added) + len(self.restored)} added, {len(self.changed)} changed, "
                f"{self.unchanged} unchanged, {len(self.missing)} missing from the page")
        if self.missing:
            text += " (removed, tombstones kept)" if self.pruned else " (kept; --prune removes them)"
        return text

    def details(self):
        """Return one line per added, changed, restored and missing measure, changes with old and new text."""
        out = []
        for old, new, how, fields in self.changed:
            note = " (titles changed: matched by the closest description in its sub-pillar)" \
                if how == "description" else ""
            out.append(f"  ~ {old.id}{note}")
            for name, before, after in fields:
                out.append(f"      {name}: {_show(before)}")
                out.append(f"      {' ' * len(name)}  -> {_show(after)}")
        out.extend(f"  + {m.id}: {m.titles[0]}" for m in self.added)
        out.extend(f"  + {m.id}: {m.titles[0]} (removed earlier; its id is back)" for m in self.restored)
        verb = "removed, tombstone kept" if self.pruned else "kept"
        out.extend(f"  - {m.id}: {m.titles[0]} (missing from the page; {verb})" for m in self.missing)
        return out


def _show(value):
    return repr(value) if not isinstance(value, list) else "[" + ", ".join(map(repr, value)) + "]"


@dataclasses.dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do) to each corpus file."""

    files: list = dataclasses.field(default_factory=list)
    dry_run: bool = False

    def lines(self, details=False):
        """Return one summary line per file, and with details the changes under it."""
        out = []
        for report in self.files:
            out.append(report.line())
            if details:
                out.extend(report.details())
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


def read_sources(paths, names, mapping=None, progress=None):
    """Read pages and sheets; return their entries, or raise InputProblems with every problem."""
    entries, problems = [], []
    for path in paths:
        try:
            if sheets.is_sheet(path):
                found, found_problems = sheets.read_sheet(path, names, mapping, progress)
            else:
                text = pathlib.Path(path).read_text(encoding="utf-8")
                found, found_problems = dti.parse_entries(text, str(path), names)
        except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
            problems.append(Problem(str(path), 1, f"cannot read {path}: {exc}"))
            continue
        except Exception as exc:  # a damaged .xlsx raises zipfile/openpyxl errors of many kinds
            problems.append(Problem(str(path), 1, f"cannot read {path} as a spreadsheet: {exc}"))
            continue
        problems.extend(found_problems)
        for entry in found:
            problems.extend(entry.problem(key, message)
                            for key, message in names.check_measure(entry.measure.to_dict()))
        entries.extend(found)
        if progress and not sheets.is_sheet(path):
            progress(1)
    if problems:
        raise InputProblems(problems)
    return entries


def import_files(paths, out_dir, dry_run=False, prune=False, mapping=None, progress=None, wait=60.0,
                 waiting=None, today=None):
    """Import pages and sheets into out_dir; return an ImportReport. See the module docstring."""
    # The cyclic garbage collector would walk the millions of live objects of a large import
    # again and again (as in index builds); reference counting still frees everything else.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import(paths, out_dir, dry_run, prune, mapping, progress, wait, waiting, today)
    finally:
        if enabled:
            gc.enable()


def _import(paths, out_dir, dry_run, prune, mapping, progress, wait, waiting, today):
    names = taxonomy.load(out_dir)
    measures = [entry.measure for entry in read_sources(paths, names, mapping, progress)]
    return import_measures(measures, out_dir, names, dry_run, prune, wait, waiting, today)


def import_measures(measures, out_dir, names, dry_run=False, prune=False, wait=60.0, waiting=None, today=None):
    """Merge measures checked against `names` into out_dir, as import_files does (an accepted proposal too)."""
    by_country, seen = {}, set()
    for measure in measures:
        content = (measure.country, *identity.content(measure))
        if content not in seen:  # the same measure twice in one run (a page given twice) is one measure
            seen.add(content)
            by_country.setdefault(measure.country, []).append(measure)
    report, documents, problems = ImportReport(dry_run=dry_run), {}, []
    removed_on = (today or datetime.date.today()).isoformat()
    with transaction.locked(out_dir, wait, waiting):
        for country, incoming in sorted(by_country.items()):
            name = f"{slugify(country, 8)}.yaml"
            path = pathlib.Path(out_dir) / name
            old, tombstones = _existing(path, names, problems, remember=not dry_run)
            file_report, document = _merge(path, country, old, tombstones, incoming, prune, removed_on, problems)
            report.files.append(file_report)
            if document is not None:
                documents[name] = document
        if problems:
            raise InputProblems(problems)
        if not dry_run and documents:
            texts = {name: yamlout.dump(document) for name, document in documents.items()}
            transaction.commit(out_dir, texts)
            for name, document in documents.items():
                _remember(pathlib.Path(out_dir) / name, texts[name].encode("utf-8"), document)
    return report


import_pages = import_files


def _merge(path, country, old, tombstones, incoming, prune, removed_on, problems):
    """Match one economy's measures; return (FileReport, the file's new plain data or None if unchanged)."""
    matching = identity.match(old, incoming, tombstones)
    for new, candidates in matching.ties:
        problems.append(Problem(str(path), 0, f"cannot tell which measure {new.titles[0]!r} ({new.sub_pillar}) "
                                              f"on the page is: equally close to {', '.join(c.id for c in candidates)}; "
                                              "nothing was changed"))
    report = FileReport(str(path), pruned=prune, missing=matching.missing)
    replaced = {}
    for before, after, how in matching.pairs:
        fields = identity.changes(before, after)
        if fields:
            report.changed.append((before, after, how, fields))
            replaced[before.id] = dataclasses.replace(after, id=before.id)
        else:
            report.unchanged += 1
    taken = {m.id for m in old} | {t["id"] for t in tombstones}
    for measure in matching.added:
        report.added.append(dataclasses.replace(measure, id=_fresh_id(measure.id, taken)))
    restored_ids = set()
    for tomb, measure in matching.restored:
        report.restored.append(dataclasses.replace(measure, id=tomb["id"]))
        restored_ids.add(tomb["id"])
    gone = {m.id for m in matching.missing} if prune else set()
    if not (report.changed or report.added or report.restored or gone):
        return report, None
    measures = [replaced.get(m.id, m) for m in old if m.id not in gone] + report.added + report.restored
    graves = [t for t in tombstones if t["id"] not in restored_ids] + [
        {"id": m.id, "sub_pillar": m.sub_pillar, "titles": list(m.titles), "removed_on": removed_on}
        for m in matching.missing if m.id in gone]
    return report, corpus.document(measures, country=country, removed=graves)


def _fresh_id(candidate, taken):
    """Return candidate, or candidate-2, -3, ... if a measure or tombstone of the file has it."""
    fresh, n = candidate, 1
    while fresh in taken:
        n += 1
        fresh = f"{candidate}-{n}"
    taken.add(fresh)
    return fresh


CACHE = ".import-cache"


def _cache_path(path):
    return path.parent / CACHE / (path.name + ".json")


def _remember(path, raw, document):
    """Keep a JSON copy of a checked corpus file, keyed by its bytes' SHA-1: JSON reads ten times faster."""
    try:
        corpus.write_atomic(_cache_path(path), json.dumps(
            {"sha1": hashlib.sha1(raw).hexdigest(), "document": document}, ensure_ascii=False))
    except OSError:
        pass  # only a cache


def _cached(path, raw):
    try:
        cache = json.loads(_cache_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cache["document"] if cache.get("sha1") == hashlib.sha1(raw).hexdigest() else None


def _existing(path, names, problems, remember=True):
    """Return (measures, tombstones) of an existing corpus file; its problems refuse the import."""
    if not path.exists():
        return [], []
    try:
        raw = path.read_bytes()
        document = _cached(path, raw)
        cached = document is not None
        if cached:  # a copy of a file this module checked (names are checked again)
            measures = [None if names.check_measure(data) else model.Measure(**data) for data in document["measures"]]
        else:
            document = yaml.load(raw.decode("utf-8"), Loader=_LOADER)
            measures = [_valid(data, names) for data in document["measures"]]
        if set(document) - set(corpus.TOP_KEYS) or None in measures:
            raise ValueError
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError, KeyError):
        checker = corpus.Checker(names)
        checker.file(path)  # the slow reader, for file:line messages
        problems.extend(checker.problems or [Problem(str(path), 1, "cannot read this corpus file")])
        problems.append(Problem(str(path), 0, "fix this file before importing into it; nothing was changed"))
        return [], []
    if remember and not cached:
        _remember(path, raw, document)
    return measures, corpus.tombstones(document)


def _valid(data, names):
    if not isinstance(data, dict) or model.validate(data) or names.check_measure(data):
        return None
    return model.from_dict(data)
