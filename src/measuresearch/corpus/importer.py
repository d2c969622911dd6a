"""Import DTI pages and sheets into the corpus: one YAML file per economy, ids kept.

A run reads every source, checks every measure against the taxonomy, and
matches each economy's measures with those its file already has (identity.py)
before anything is written; then it writes every changed file all or nothing
under the folder's import lock (transaction.py). `dry_run` stops before the
writes. Measures the pages no longer list are kept, or with `prune` removed
and replaced by a tombstone (their permalinks answer 410).
"""

import collections
import concurrent.futures
import contextlib
import dataclasses
import datetime
import hashlib
import json
import pathlib
import re

import orjson

from measuresearch.corpus import files as corpus
from measuresearch.corpus.sources import dti_page as dti
from measuresearch.corpus import identity
from measuresearch.corpus import merge
from measuresearch.corpus.merge import FileReport  # noqa: F401 (the report's lines are part of the import's API)
from measuresearch.domain import economy_names
from measuresearch.domain import limits
from measuresearch.domain import model
from measuresearch.domain import provenance
from measuresearch.corpus.sources import sheets
from measuresearch.domain import taxonomy
from measuresearch.corpus import transaction
from measuresearch.corpus import yamlout
from measuresearch import processes, storage
from measuresearch.errors import InputProblems, InvalidParameter, Problem
from measuresearch.domain.model import slugify

# Pages are read in one forked process per core from this many bytes of them (100,000 measures: 146 pages
# of 127 MB): below, forking costs more than it saves. The same processes then dump and write the corpus
# files (_workers): forked once the documents were merged, writers copied them (the peak memory of all
# processes went from 630 to 1,300 MB).
PARALLEL_FROM_BYTES = 8_000_000
# What one page reader may take at its peak: a page's text and entries, and what it copies of the parent's.
PROCESS_BYTES = 200_000_000


@dataclasses.dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do) to each corpus file."""

    files: list = dataclasses.field(default_factory=list)
    dry_run: bool = False
    read: dict = dataclasses.field(default_factory=dict)  # source (page, sheet) -> Counter of kinds read
    repeated: int = 0  # entries that were the same as another of the run, counted once

    def lines(self, details=False):
        """Return a line per source read (entries by kind), then a summary line per corpus file with details."""
        out = [f"{source}: read {sum(kinds.values())} entries: {kinds['measure']} measures, "
               f"{kinds['indicator']} indicators" for source, kinds in self.read.items()]
        if self.repeated:
            out.append(f"{self.repeated} entries repeated another entry of the run and were counted once")
        for report in self.files:
            out.append(report.line())
            if details:
                out.extend(report.details())
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


def read_sources(paths, names, mapping=None, progress=None, day=None, economy=None, workers=None):
    """Read pages and sheets; return their entries, or raise InputProblems with every problem.

    Each measure's `source` names its file (kind dti_page or sheet) and `day` (YYYY-MM-DD, default today).
    economy: the economy of page entries that no economy line precedes. Pages
    are read in forked processes when they are large (_workers; workers: those of the run, opened with the
    same arguments); the entries and problems come in the order of the paths either way.
    """
    paths, entries, problems = list(paths), [], []  # walked twice (_workers): an iterator would be spent
    day = day or datetime.date.today().isoformat()
    with contextlib.ExitStack() as stack:
        if workers is None:
            workers = stack.enter_context(_workers(paths, names, mapping, day, economy))
        for path in paths:
            if sheets.is_sheet(path):
                found, found_problems = _read_source(path, names, mapping, progress, day, economy)
            else:
                found, found_problems = workers.read(path)
                if progress:  # every page, a refused one too: the bar's total counts them all
                    progress(1)
            entries.extend(found)
            problems.extend(found_problems)
    if problems:
        raise InputProblems(problems)
    return entries


def _read_source(path, names, mapping, progress, day, economy):
    """Return (entries, problems) of one page or sheet, each measure given its source and checked."""
    try:
        too_big = _too_big(path)
        if too_big:
            return [], [Problem(str(path), 1, too_big)]
        if sheets.is_sheet(path):
            found, problems = sheets.read_sheet(path, names, mapping, progress)
        else:
            text = _page_text(path)
            if text is None:
                return [], [Problem(str(path), 1, _size_problem(f"more than {limits.FILE_BYTES:,}"))]
            found, problems = dti.parse_entries(text, str(path), names, economy)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        return [], [Problem(str(path), 1, f"cannot read {path}: {exc}")]
    except Exception as exc:  # a damaged .xlsx raises zipfile/openpyxl errors of many kinds
        if sheets.is_sheet(path):
            return [], [Problem(str(path), 1, f"cannot read {path} as a spreadsheet: {exc}")]
        # a page the reader failed on in a way it does not foresee: refused, saying so, never a traceback
        return [], [Problem(str(path), 1, f"cannot read {path} ({type(exc).__name__}: {exc}); nothing was "
                                          "imported from it")]
    source = provenance.new_source("sheet" if sheets.is_sheet(path) else "dti_page", pathlib.Path(path).name,
                                   None, day)
    problems = list(problems)
    for entry in found:
        entry.measure.source, entry.measure.last_imported = dict(source), day
        data = entry.measure.to_dict()
        problems.extend(entry.problem(key, message)
                        for key, message in limits.check_record(data) or names.check_measure(data))
    return found, problems


class _Workers:
    """What reads the pages of a run, and dumps and writes its corpus files (write: None to do it here)."""

    def __init__(self, read, write=None):
        self.read, self.write = read, write


@contextlib.contextmanager
def _workers(paths, names, mapping, day, economy):
    """Yield the _Workers of a run: forked processes when its pages are large enough to pay for them
    (PARALLEL_FROM_BYTES), each starting on a page at once; else this process.

    The processes are forked before the pages are read, while this process holds little: once the
    pages are merged, each corpus file's document is handed to one of them (pickled, 0.3 s at 100k),
    which dumps its YAML, writes it into the temporary file the commit made for it and keeps its JSON
    copy (_file_written). A fork at that point would share the parent's merged documents, and the parent
    would copy every page of them it touched (the peak memory of all processes doubled).
    """
    pages = [path for path in paths if not sheets.is_sheet(path)]
    count = min(_processes(sum(map(_size, pages)) >= PARALLEL_FROM_BYTES), len(pages))

    def read_page(path):  # in a forked worker, or here
        return _read_source(path, names, mapping, None, day, economy)

    if count <= 1:
        yield _Workers(read_page)
        return

    def work(job):
        kind, argument = job
        return read_page(argument) if kind == "page" else _file_written(*argument)

    died = "a worker process of the import died (killed, or out of memory); nothing was imported"
    with processes.forked(work, count, died) as submit:
        futures = collections.deque(submit(("page", path)) for path in pages)
        yield _Workers(lambda path: futures.popleft().result(),  # asked for in the order submitted
                       lambda path, temporary, document: submit(("file", (path, temporary, document))))


def _file_written(path, temporary, document):
    """Write the YAML of the corpus file at path into its temporary file (transaction.commit's write); keep its
    JSON copy. In a worker process of the run."""
    raw = yamlout.dump(document).encode("utf-8")
    storage.write_into(temporary, raw)
    # the copy is keyed by these bytes: should the commit fail, it is a copy of no file, never a wrong one
    _remember(path, raw, document, dumped=True)


def _size(path):
    try:
        return pathlib.Path(path).stat().st_size
    except OSError:
        return 0  # _read_source says why


def _processes(large):
    """Return how many processes read pages: one per core (as the memory allows) if the pages are large, else 1."""
    return processes.count(PROCESS_BYTES) if large else 1


def _too_big(path):
    """Return why a file is refused for its size (limits.FILE_BYTES), or None."""
    size = pathlib.Path(path).stat().st_size
    if size > limits.FILE_BYTES:
        return _size_problem(f"{size:,}")
    return sheets.unpacked_problem(path)


def _size_problem(size):
    return (f"the file has {size} bytes; at most {limits.FILE_BYTES:,} are imported at once "
            "(split it into several files of one run)")


def _page_text(path):
    """Return the text of a page, or None past limits.FILE_BYTES.

    Read with a bound, whatever its size says: a device such as /dev/zero or a
    pipe says it holds 0 bytes, and the first never ends.
    """
    with open(path, "rb") as handle:
        raw = handle.read(limits.FILE_BYTES + 1)
    if len(raw) > limits.FILE_BYTES:
        return None
    # utf-8-sig: the byte-order mark Windows editors put first is no part of the page's first line
    return raw.decode("utf-8-sig")  # (the page reader splits lines at \r\n and \r too)


def import_files(paths, out_dir, dry_run=False, prune=False, mapping=None, progress=None, wait=60.0,
                 waiting=None, today=None, economy=None):
    """Import pages and sheets into out_dir; return an ImportReport. See the module docstring."""
    with processes.cyclic_gc_paused():  # a large import's millions of live objects (processes.py)
        return _import(paths, out_dir, dry_run, prune, mapping, progress, wait, waiting, today, economy)


def _import(paths, out_dir, dry_run, prune, mapping, progress, wait, waiting, today, economy):
    names = taxonomy.load(out_dir)
    day = (today or datetime.date.today()).isoformat()
    if economy is not None:
        # any name the filters take (an alias, its ISO code, CLDR's names); an unknown one is refused at once,
        # whether or not a page of the run needs it
        known = economy_names.EconomyNames(economy_names.table(names)).economy(economy)
        if known is None:
            problems = names.check_measure({"country": economy})
            raise InvalidParameter(f"--economy: {problems[0][1]}; nothing was written", "economy")
        economy = known
    paths = list(paths)  # walked twice: an iterator would be spent
    with _workers(paths, names, mapping, day, economy) as workers:
        entries = read_sources(paths, names, mapping, progress, day, economy, workers)
        disagreeing = _disagreeing_copies(entries)
        if disagreeing:
            raise InputProblems(disagreeing)
        measures = [entry.measure for entry in entries]
        if economy is not None and measures and all(m.country != economy for m in measures):
            raise InvalidParameter(f"--economy {economy!r} is the economy of no entry: each entry of the run is "
                                   f"under an economy line of its page ({measures[0].country}, ...); leave "
                                   "--economy out, or import the page it names; nothing was written", "economy")
        report = import_measures(measures, out_dir, names, dry_run, wait=wait, waiting=waiting,
                                 run=merge.Run.of(measures, day, prune=prune), write=workers.write)
    for entry in entries:
        kinds = report.read.get(entry.path)
        if kinds is None:  # (not setdefault: that would make a Counter for every entry)
            kinds = report.read[entry.path] = collections.Counter()
        kinds[entry.measure.kind] += 1
    return report


def _disagreeing_copies(entries):
    """Return a problem for each entry that two files of one run show with different text.

    The DTI shows a sub-pillar on several pages (page 52 and page 71): two copies of one entry taken at different
    times differ, and the run would keep both as two measures. A page may show one of several entries with the
    same titles (the "Presence of Internet shutdowns" entries), so files disagree only when neither's versions of
    those titles are all among the other's, and only on an entry that another file shows with a description
    close enough to be it (identity.DESCRIPTION_CUTOFF): same titles and unlike descriptions are two entries.
    Only an economy with entries in two files or more can have two copies of one: the others' titles are not
    folded (a run of one page per economy, 100,000 measures: 0.65 s on the one core this runs on).
    """
    files = collections.defaultdict(set)
    for entry in entries:
        files[entry.measure.country].add(entry.path)
    groups = {}
    for entry in entries:
        measure = entry.measure
        if len(files[measure.country]) < 2:
            continue
        by_file = groups.setdefault((measure.country, identity.title_key(measure)), {})
        by_file.setdefault(entry.path, []).append(entry)
    problems = []
    for by_file in groups.values():
        if len(by_file) < 2:
            continue
        (first_path, first), *others = by_file.items()
        known = {identity.content(e.measure) for e in first}
        for path, found in others:
            theirs = {identity.content(e.measure) for e in found}
            if not (theirs <= known or known <= theirs):
                mine = [e.measure for e in first if identity.content(e.measure) not in theirs]
                copies = [e for e in found if identity.content(e.measure) not in known and any(
                    identity.similarity(m.description, e.measure.description) >= identity.DESCRIPTION_CUTOFF
                    for m in mine)]
                if not copies:  # other entries of the same titles
                    continue
                entry = copies[0]
                measure = entry.measure
                problems.append(entry.problem("titles", (
                    f"{measure.titles[0][:60]!r} ({measure.sub_pillar}) reads otherwise in {first_path} (line "
                    f"{first[0].lines.get('titles')}): two copies of one entry, taken at different times? Import "
                    "the newer page alone, or the two in two runs; nothing was written")))
    return problems


def import_measures(measures, out_dir, names, dry_run=False, wait=60.0, waiting=None, run=None, on_locked=None,
                    on_written=None, write=None):
    """Merge measures checked against `names` into out_dir, as import_files does (an accepted proposal too).

    `run` (merge.Run) says the scope, the day and the mode; by default the measures' own scope, today.
    Under the import lock, on_locked() runs before the files are read (what it raises stops the run,
    nothing written), and on_written(report) once they are written (or found unchanged), before the
    lock is let go: a curator's decision is recorded with the write it belongs to. write: the forked
    workers' (_workers), which dump and write each file and its JSON copy; else both are done here.
    """
    run = run or merge.Run.of(measures, datetime.date.today().isoformat())
    by_country, seen = {}, set()
    for measure in measures:
        content = (measure.country, *identity.content(measure))
        if content not in seen:  # the same measure twice in one run (a page given twice) is one measure
            seen.add(content)
            by_country.setdefault(measure.country, []).append(measure)
    report, documents, problems = ImportReport(dry_run=dry_run, repeated=len(measures) - len(seen)), {}, []
    with transaction.locked(out_dir, wait, waiting, dry_run=dry_run):
        if on_locked is not None:
            on_locked()
        if not dry_run:
            _drop_stray_copies(out_dir)
        elsewhere = _filed_elsewhere(out_dir, by_country)
        for country, incoming in sorted(by_country.items()):
            name = f"{slugify(country, 8)}.yaml"
            path = pathlib.Path(out_dir) / name
            problems.extend(_elsewhere_problem(other, ids, country, name) for other, ids in elsewhere.get(country, ()))
            old, tombstones = _existing(path, names, problems, remember=not dry_run)
            file_report, document = merge.merge(path, country, old, tombstones, incoming, run, problems)
            report.files.append(file_report)
            if document is not None:
                documents[name] = document
        if problems:
            raise InputProblems(problems)
        texts = {}
        if not dry_run and documents and write is not None:
            transaction.commit(out_dir, documents.items(), write)  # the workers' (their JSON copies too)
        elif not dry_run and documents:
            transaction.commit(out_dir, _dumped(documents, texts))  # each file written while the next is dumped
        if on_written is not None and not dry_run:
            on_written(report)
        # each copy written on a thread while the next is made; one waiting at most (not all 100 MB of them)
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="cache") as writer:
            writes = []
            for name, text in texts.items():
                if len(writes) > 1:
                    writes[-2].result()
                writes.append(_remember(pathlib.Path(out_dir) / name, text, documents[name], dumped=True,
                                        writer=writer))
            for write in writes:
                write.result()
    return report


def _dumped(documents, texts):
    """Yield (file name, its YAML as UTF-8) of each document, one at a time; keep each in texts as well."""
    for name, document in documents.items():
        texts[name] = yamlout.dump(document).encode("utf-8")
        yield name, texts[name]


# a line `country: <name>` of a corpus file, key and name quoted or not: the economies a file may hold records of
_COUNTRY_LINE = re.compile(r"^[ \t-]*['\"]?country['\"]?:[ \t]*['\"]?(.*?)['\"]?[ \t]*$", re.MULTILINE)


def _filed_elsewhere(out_dir, by_country):
    """Return {economy: [(corpus file other than its own, [ids of its records there])]} for the economies imported.

    A record moved into another economy's file by hand, or the economy's file named `.yml`: the import,
    which reads and writes `<economy>.yaml`, would add those records again under the same ids. A file is
    read only when a line of it names the economy as a key does (its records are then looked at).
    """
    folder = pathlib.Path(out_dir)
    if not folder.is_dir():
        return {}
    found = {}
    for path in corpus.corpus_files(folder):
        others = [country for country in by_country if path.name != f"{slugify(country, 8)}.yaml"]
        if not others:  # the file of the one economy imported
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # one pass over the file for every economy (a search per economy made a re-import of 146 pages quadratic:
        # 95 s at 100k measures)
        names = set(_COUNTRY_LINE.findall(text))
        named = [country for country in others if country in names]
        if not named:
            continue
        try:  # read once, for every economy it may hold
            records = [r for r in storage.load_yaml(text).get("measures") or [] if isinstance(r, dict)]
        except (storage.YAMLError, AttributeError, TypeError):
            continue  # a file check and index refuse on their own
        for country in named:
            ids = [r.get("id") for r in records if r.get("country") == country]
            if ids:
                found.setdefault(country, []).append((path, ids))
    return found


def _elsewhere_problem(path, ids, country, name):
    if path.stem == pathlib.Path(name).stem:
        return Problem(str(path), 0, f"is the file of {country} under another name: an import reads and writes "
                                     f"{name}, and would file its {len(ids)} measure(s) twice; rename it {name}; "
                                     "nothing was changed")
    return Problem(str(path), 0, f"holds {len(ids)} measure(s) of {country} ({', '.join(map(str, ids[:3]))}"
                                 f"{', ...' if len(ids) > 3 else ''}), whose file is {name}: an import would file "
                                 f"them twice; move them into {name}; nothing was changed")


def withdraw(out_dir, measure_id, wait=60.0, today=None):
    """Remove one record from the corpus, leaving a tombstone `withdrawn` with its whole record; return it."""
    names = taxonomy.load(out_dir)
    day = (today or datetime.date.today()).isoformat()
    with transaction.locked(out_dir, wait):
        for path in _holding_first(corpus.corpus_files(out_dir), measure_id):
            problems = []
            measures, tombstones = _existing(path, names, problems, remember=False)
            if problems:
                raise InputProblems(problems)
            gone = next((m for m in measures if m.id == measure_id), None)
            if gone is None:
                continue
            document = corpus.document([m for m in measures if m is not gone], country=gone.country,
                                       removed=[*tombstones, provenance.tombstone(gone.to_dict(), "withdrawn", day)])
            transaction.commit(out_dir, {path.name: yamlout.dump(document)})
            return gone
    raise InputProblems([Problem(str(out_dir), 0, f"no measure {measure_id!r} in this corpus; nothing was changed")])


def _holding_first(paths, measure_id):
    """Return paths, those whose bytes hold measure_id first: a record's id is written as it is in its file.

    withdraw then parses the file that holds the record (and any other that mentions its id) where it
    parsed the whole corpus (14 s at 100k measures) before finding it; a hand-written file may spell
    the id in YAML escapes, so the rest follow. A file that cannot be read here is read in its turn
    (its problem said as before).
    """
    typed = measure_id.encode("utf-8")

    def holds(path):
        try:
            return typed in path.read_bytes()
        except OSError:
            return False
    holding = {path for path in paths if holds(path)}
    return [path for path in paths if path in holding] + [path for path in paths if path not in holding]


def existing_file(path, names, problems):
    """Return (measures, tombstones) of one corpus file; its problems go to `problems`."""
    return _existing(pathlib.Path(path), names, problems, remember=False)


def existing(out_dir, country, names):
    """Return (measures, tombstones) of an economy's corpus file, or raise InputProblems."""
    problems = []
    found = _existing(pathlib.Path(out_dir) / f"{slugify(country, 8)}.yaml", names, problems, remember=False)
    if problems:
        raise InputProblems(problems)
    return found


import_pages = import_files


CACHE = ".import-cache"
# what a cached copy's file passed: copies kept before the import read a file as check does are read again
CHECKED = "as check reads it"


def _cache_path(path):
    return path.parent / CACHE / (path.name + ".json")


def _remember(path, raw, document, dumped=False, writer=None):
    """Keep a JSON copy of a checked corpus file, keyed by its bytes' SHA-1: JSON reads ten times faster.

    dumped: raw is yamlout's text of document, which writes every infinite or NaN number `.inf`, `-.inf`, `.nan`.
    writer: an executor to write the copy on (the next one is made meanwhile); its future is returned.
    """
    cache = {"sha1": hashlib.sha1(raw).hexdigest(), "checked": CHECKED, "document": document}
    text = _json(cache, raw if dumped else None)
    if writer is not None:
        return writer.submit(_write_cache, path, text)
    return _write_cache(path, text)


def _drop_stray_copies(out_dir):
    """Take away the temporary files of JSON copies that a worker process killed while it wrote one left
    (storage.write_text's). Under the import lock; a worker of a failed run that still writes a copy (the
    pool stops the others after it fails the run) loses it here, and the next import reads that YAML again."""
    for stray in (pathlib.Path(out_dir) / CACHE).glob(".*.json.*.tmp"):
        stray.unlink(missing_ok=True)


def _write_cache(path, text):
    try:
        storage.write_text(_cache_path(path), text, durable=False)  # checked by SHA-1
    except OSError:
        pass  # only a cache


def _json(cache, dumped):
    """Return the cache as UTF-8 JSON: orjson's, ten times faster, for yamlout's text without `.inf` or `.nan`
    (orjson writes those numbers as null, and refuses an integer past 64 bits), else json's."""
    if dumped is not None and b".inf" not in dumped and b".nan" not in dumped:
        try:
            return orjson.dumps(cache)
        except orjson.JSONEncodeError:
            pass
    return json.dumps(cache, ensure_ascii=False).encode("utf-8")


def _cached(path, raw):
    try:
        cache = json.loads(_cache_path(path).read_bytes())  # (orjson would read an integer past 64 bits as a float)
    except (OSError, ValueError):
        return None
    if not isinstance(cache, dict):
        return None
    if cache.get("sha1") != hashlib.sha1(raw).hexdigest() or cache.get("checked") != CHECKED:
        return None
    return cache["document"]


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
            # first as check reads it: the reading below takes the last of a key written twice, and a file cut
            # short in its last record, which check refuses, was written again with the rest of its page as new
            checker = corpus.Checker(names)
            checker.file(path)
            if checker.problems:
                return _refused(path, problems, checker.problems)
            document = storage.load_yaml(raw.decode("utf-8"))
            measures = [_valid(data, names) for data in document["measures"]]
        removed = document.get("removed") or []
        if (set(document) - set(corpus.TOP_KEYS) or None in measures
                or any(m.country != document.get("country", m.country) for m in measures)
                or not isinstance(removed, list) or any(map(corpus.tombstone_problem, removed))
                or _repeated_id(measures, removed)):
            raise ValueError  # the checker below says where
    except (OSError, UnicodeDecodeError, storage.YAMLError, ValueError, TypeError, KeyError):
        checker = corpus.Checker(names)
        checker.file(path)  # the slow reader, for file:line messages
        return _refused(path, problems, checker.problems)
    if remember and not cached:
        _remember(path, raw, document)
    return measures, corpus.tombstones(document)


def _refused(path, problems, found):
    """Add the problems of a corpus file an import may not write into; return it as empty."""
    problems.extend(found or [Problem(str(path), 1, "cannot read this corpus file")])
    problems.append(Problem(str(path), 0, "fix this file before importing into it; nothing was changed"))
    return [], []


def _repeated_id(measures, removed):
    """Whether two records of a file (measures and tombstones) share an id, which check refuses: an import wrote
    such a file again (a tombstone of a live measure, a measure pasted twice) and said nothing."""
    ids = [measure.id for measure in measures] + [tomb["id"] for tomb in removed]
    return len(set(ids)) != len(ids)


def _valid(data, names):
    if not isinstance(data, dict) or model.validate(data) or names.check_measure(data):
        return None
    return model.from_dict(data)
