"""Read and write corpus YAML; every problem names its file and line."""

import io
import pathlib
import re

import yaml

from measuresearch.domain import model
from measuresearch.domain.provenance import REASONS
from measuresearch.domain import taxonomy
from measuresearch.corpus import read_cache, yamlin, yamlout
from measuresearch.corpus.transaction import JOURNAL
from measuresearch import processes, storage
from measuresearch.errors import InputProblems, Problem

TOP_KEYS = ("country", "measures", "removed")
# A tombstone: a measure that a re-import with --prune removed; its permalink answers 410.
# It keeps why it went and the whole last record (tombstones written before provenance have neither).
TOMBSTONE_KEYS = ("id", "sub_pillar", "titles", "removed_on")
TOMBSTONE_MORE = ("reason", "pruned_by", "record")  # pruned_by: the files of the run that no longer listed it
# as a tombstone is written: `removed_on` after its record, so that a file cut short inside the record lacks it
# (a record kept with no provenance, from a file older than provenance, is then no sign of a cut: _cut_off)
TOMBSTONE_ORDER = ("id", "sub_pillar", "titles", "reason", "pruned_by", "record", "removed_on")
# Files of the corpus folder that hold no measures.
DATA_FILES = ("taxonomy.yaml", "groups.yaml")


class _Located:
    """A measure's plain data with the line of the measure and of each key (of its id alone, when `kept`: read from
    read_cache's copy, which keeps only the lines a problem-free file's checks may name)."""

    def __init__(self, data, line, key_lines, kept=False):
        self.data = data
        self.line = line
        self.key_lines = key_lines
        self.kept = kept


def _duplicate_keys(node, path):
    problems, seen = [], set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue  # (a key YAML builds as a list or a mapping is refused as unhashable before)
        if key_node.value in seen:
            problems.append(Problem(path, key_node.start_mark.line + 1, f"duplicate key {key_node.value!r}"))
        seen.add(key_node.value)
    return problems


def read_file(path):
    """Read one corpus file; return (located measures, problems)."""
    located, _, problems = read_document(path)
    return located, problems


def read_document(path, keep=False):
    """Read one corpus file; return (located measures, tombstones, problems).

    Tombstones (`removed:`) are the measures a re-import with --prune removed,
    as (record, line) pairs. keep: take what read_cache kept of these bytes,
    and keep what a read without a problem found.
    """
    path = str(path)
    try:
        raw = pathlib.Path(path).read_bytes()
        found = read_cache.load(path, raw) if keep else None
        if found is not None:
            return _kept(*found)
        text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8").read()  # as read_text() decodes
    except (OSError, UnicodeDecodeError) as exc:
        return [], [], [Problem(path, 1, f"cannot read file: {exc}")]
    tags = set() if keep else None  # of the values not read as text (an int, a float...): read_cache.save's
    value, located, removed, problems = _read_text(path, text, tags)
    if keep and not problems:
        read_cache.save(path, raw, value, [[item.line, item.key_lines.get("id", item.line)] for item in located],
                        [line for _, line in removed], tags)
    return located, removed, problems


def _kept(value, lines, removed_lines):
    """Return read_document's answer from what read_cache kept of a file read without a problem (its data as
    read_document left it: each tombstone with its economy)."""
    located = [_Located(data, line, {"id": id_line}, kept=True)
               for data, (line, id_line) in zip(value["measures"], lines)]
    return located, list(zip(value.get("removed") or [], removed_lines)), []


def _read_text(path, text, tags=None):
    """Return (the file's data, located measures, tombstones, problems) of one corpus file's text (tags: see
    storage.parse_yaml)."""
    found = _read_plain(path, text, tags)
    if found is not None:
        return found
    try:
        node, value = storage.parse_yaml(text, path, tags=tags)
    except InputProblems as exc:
        return None, [], [], exc.problems
    if not isinstance(value, dict) or not isinstance(node, yaml.MappingNode):
        return value, [], [], [Problem(path, 1, "expected a mapping with keys 'country' and 'measures'")]
    problems = _duplicate_keys(node, path)
    for key_node, _ in node.value:
        if key_node.value not in TOP_KEYS:
            problems.append(Problem(path, key_node.start_mark.line + 1, f"unknown key {key_node.value!r}"))
    items = dict((k.value, v) for k, v in node.value)
    country = value.get("country")
    if "country" in items and not isinstance(country, str):
        problems.append(Problem(path, items["country"].start_mark.line + 1, "'country' is the name of the file's "
                                                                           "economy (text)"))
        country = None
    removed, removed_problems = _tombstones(path, items.get("removed"), value.get("removed"))
    for record, _ in removed:
        record["country"] = value.get("country")
    problems.extend(removed_problems)
    seq = items.get("measures")
    if not isinstance(seq, yaml.SequenceNode):
        problems.append(Problem(path, 1, "expected 'measures:' with a list of measures"))
        return value, [], removed, problems
    located = []
    for item_node, data in zip(seq.value, value["measures"]):
        line = item_node.start_mark.line + 1
        if not isinstance(data, dict):
            problems.append(Problem(path, line, "expected a measure (a mapping of fields)"))
            continue
        problems.extend(_duplicate_keys(item_node, path))
        key_lines = {k.value: k.start_mark.line + 1 for k, _ in item_node.value}
        if country is not None and isinstance(data.get("country"), str) and data["country"] != country:
            # an import reads one economy's file: a measure in another's would be imported again, as a new one
            problems.append(Problem(path, key_lines.get("country", line),
                                    f"a measure of {data['country']!r} in the file of {country!r}: one file holds "
                                    "one economy's measures (move it to its economy's file)"))
        located.append(_Located(data, line, key_lines))
    problems.extend(_cut_off(path, located, removed))
    return value, located, removed, problems


def _read_plain(path, text, tags):
    """Return _read_text's answer for a file of the shape imports write (yamlin.py) that holds no tombstone and
    that its checks below find nothing wrong with but maybe a cut (_cut_off); else None, for PyYAML's reading."""
    found = yamlin.read(text)
    if found is None:
        return None
    value, item_lines, found_tags = found
    country, measures = value.get("country"), value.get("measures")
    if not (set(value) <= set(TOP_KEYS) and isinstance(country, str) and isinstance(measures, list)
            and value.get("removed", []) == []):
        return None
    located = []
    for data in measures:
        lines = item_lines.get(id(data)) if isinstance(data, dict) else None
        if lines is None or (isinstance(data.get("country"), str) and data["country"] != country):
            return None
        located.append(_Located(data, *lines))
    if tags is not None:
        tags.update(found_tags)
    return value, located, [], _cut_off(path, located, [])


def _cut_off(path, located, removed):
    """Return [a problem] when the file's last record lacks the provenance that every other one has.

    An import writes `source` and `last_imported` last in every record, and the tombstones (`removed:`, each
    with its whole last record) after the measures, so a file cut short inside its last record (a disk filled,
    a copy stopped) still parses, its last description cut mid-word; this catches that. (A file cut between two
    records, or inside its only one, cannot be told from a shorter file.)
    """
    if removed:
        tomb, line = removed[-1]
        earlier = [t for t, _ in removed[:-1]]
        lacking = [key for key in ("reason", "record") if tomb.get(key) is None and earlier
                   and all(t.get(key) is not None for t in earlier)]
        if tomb.get("reason") is not None and tomb.get("record") is None:
            lacking = ["record"]  # written with a reason, a tombstone has its record (before both, neither)
        if tomb.get("removed_on") is None or lacking:
            return [Problem(path, line, (
                f"the last tombstone ({str(tomb.get('id'))[:80]!r}) has no `{'` or `'.join(lacking or ['removed_on'])}`"
                ", which the others have: is the file cut off in it? (restore it from a copy)"))]
    tombs = [(tomb.get("record"), line) for tomb, line in removed]
    if not all(isinstance(record, dict) for record, _ in tombs):
        tombs = []  # tombstones written before provenance keep no record: the measures alone
    elif tombs and _written_after(removed[-1][0], "removed_on", "record"):
        # written with removed_on after the record: a cut inside it took removed_on (above), and the record
        # was kept as it was, with or without provenance (an import prunes records of a file older than it)
        return []
    records = [(item.data, item.line) for item in located] + tombs
    if len(records) < 2:
        return []
    (last, line), others = records[-1], [data for data, _ in records[:-1]]
    # records written before provenance, or by hand, have neither: nothing to compare with; and a cut takes the
    # keys after it, so a record with `last_imported` but no `source` was not cut (written so by hand)
    lacking = [key for key in ("source", "last_imported") if last.get(key) is None
               and all(data.get(key) is not None for data in others)]
    if not lacking or (lacking == ["source"] and last.get("last_imported") is not None):
        return []
    what = "tombstone's record" if tombs and last is tombs[-1][0] else "measure"
    hint = ("; a record from before provenance has neither: then write the tombstone's `removed_on` after its "
            "record, as imports now do" if what != "measure" else "")
    return [Problem(path, line, (
        f"the last {what} ({str(last.get('id'))[:80]!r}) has no `{'` or `'.join(lacking)}`, which every other "
        "record of the file has: is the file cut off in it? (restore it from a copy, or import its pages again; "
        f"a measure added by hand needs `source: {{kind: manual, name, url, first_imported}}` and `last_imported`"
        f"{hint})"))]


def _tombstone_keys_twice(node, path):
    """Return the problems of keys written twice in a tombstone's node or in its record's."""
    if not isinstance(node, yaml.MappingNode):
        return []
    records = [value for key, value in node.value if isinstance(key, yaml.ScalarNode) and key.value == "record"
               and isinstance(value, yaml.MappingNode)]
    return _duplicate_keys(node, path) + [problem for record in records for problem in _duplicate_keys(record, path)]


def _written_after(mapping, key, other):
    """Whether key comes after other in a mapping read from YAML (in the file's order)."""
    keys = list(mapping)
    return key in keys and other in keys and keys.index(key) > keys.index(other)


def _tombstones(path, node, value):
    """Return ([(tombstone, line)], problems) of a file's `removed:` list."""
    if node is None:
        return [], []
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        return [], [Problem(path, node.start_mark.line + 1, "expected 'removed:' with a list of tombstones")]
    found, problems = [], []
    for number, (item_node, item) in enumerate(zip(node.value, value), 1):
        line = item_node.start_mark.line + 1
        twice = _tombstone_keys_twice(item_node, path)
        if twice:  # the import's own reading of the file would keep the last one, silently
            problems.extend(twice)
            continue
        problem = tombstone_problem(item)
        if problem and number == len(value) and isinstance(item, dict) and "removed_on" not in item:
            # written last (TOMBSTONE_ORDER): a file cut short inside the last tombstone lacks it
            problem = (f"the last tombstone ({str(item.get('id'))[:80]!r}) has no `removed_on`, which every "
                       "tombstone has: is the file cut off in it? (restore it from a copy)")
        if problem:
            problems.append(Problem(path, line, problem))
        else:
            found.append((item, line))
    return found, problems


def tombstone_problem(item):
    """Return what is wrong with one item of a file's `removed:` list, or None for a tombstone as the import
    and the build read it."""
    if not isinstance(item, dict) or not set(TOMBSTONE_KEYS) <= set(item) <= {*TOMBSTONE_KEYS, *TOMBSTONE_MORE}:
        return (f"a tombstone has the keys {', '.join(TOMBSTONE_KEYS)} (and may have {', '.join(TOMBSTONE_MORE)})")
    if not (isinstance(item["id"], str) and isinstance(item["sub_pillar"], str) and isinstance(item["titles"], list)
            and all(isinstance(title, str) for title in item["titles"])):
        # a title YAML reads as a number (`titles: [2019]`) stopped a re-import on a traceback
        return "a tombstone's id and sub_pillar are text and its titles a list of text"
    if not model.ID_PATTERN.fullmatch(item["id"]):
        # the measure an import finds again gets this id back: `id: ''` passed here and was written as a record
        return f"a tombstone's id {item['id'][:130]!r} must be lowercase letters, digits and '-', as a record's"
    if item.get("reason", "pruned") not in REASONS or not isinstance(item.get("record", {}), dict) or not (
            isinstance(item.get("pruned_by", []), list) and all(isinstance(n, str) for n in item.get("pruned_by", []))):
        return (f"a tombstone's reason is one of {', '.join(REASONS)}, its record a mapping and its pruned_by a "
                "list of file names")
    record = item.get("record") or {}
    if not _source_fits(record):
        return "a tombstone's record has a source with a kind and a name as text (as every measure has), or none"
    if "id" in record and record["id"] != item["id"]:
        # never written so (provenance.tombstone): the page's entry then came back under a new id, beside it
        return f"a tombstone's record is its measure, under the tombstone's id {item['id']!r}"
    # (its events and year are derived again from its dates when it comes back: not held to today's parser)
    wrong = model.validate({k: v for k, v in record.items() if k not in model.DERIVED}) if "id" in record else []
    if wrong:
        # an import that finds the measure again brings this record back: `sources: [1, 2]` was written into
        # the measures (then refused by check), `sources` or `edited` as text stopped the import on a traceback
        return (f"a tombstone's record is its measure as it last was, which an import that finds it again "
                f"brings back, and is not one: {wrong[0][1]}")
    if not (isinstance(item["removed_on"], str) and DAY_TEXT.fullmatch(item["removed_on"]) and _writable(item)):
        # an unquoted 2024-05-01 is a YAML date: `check` passed it and the build stopped on a traceback
        return ("a tombstone's removed_on is a day as text, in quotes ('2024-05-01'), and its fields text, "
                "numbers, lists and mappings (YAML reads an unquoted date or time as neither)")
    return None


DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _source_fits(record):
    """Whether a tombstone's record (a mapping) has no source, or one that says its kind and name as text (the 410
    message of a removed measure names them: provenance.why_removed)."""
    if not isinstance(record, dict) or "source" not in record:
        return True
    source = record["source"]
    return isinstance(source, dict) and isinstance(source.get("kind"), str) and isinstance(source.get("name"), str)


def _writable(tombstone):
    """Return whether a tombstone can be written as the build writes it (removed.json, storage.json_bytes)."""
    try:
        storage.json_bytes(tombstone)
    except (TypeError, ValueError, RecursionError):  # RecursionError: `record: &r {a: *r}`
        return False
    return True


def tombstones(document):
    """Return the tombstones of a corpus file's plain data (a list of dicts)."""
    removed = document.get("removed") if isinstance(document, dict) else None
    return [dict(item) for item in removed or [] if isinstance(item, dict)]


def corpus_files(corpus_dir):
    """Return the corpus YAML files in a stable order."""
    folder = pathlib.Path(corpus_dir)
    if not folder.is_dir():
        raise InputProblems([Problem(str(folder), 0, "corpus folder does not exist")])
    if (folder / JOURNAL).exists():  # some files old, some new: read nothing until the renames are done
        raise InputProblems([Problem(str(folder), 0, "an import into this folder was interrupted between its "
                                                     "renames; `measuresearch check` or an import finishes them")])
    named = yaml_paths(folder)
    # a link to nothing (or a loop of links) named as a corpus file: a file meant to be read that cannot be
    broken = [p for p in named if p.is_symlink() and not p.exists()]
    if broken:
        raise InputProblems([Problem(str(p), 0, "is a symbolic link to nothing (or a loop of links); "
                                                "point it at a corpus file or remove it") for p in sorted(broken)])
    return sorted(p for p in named if p.name not in DATA_FILES and p.is_file())


def yaml_paths(folder):
    """Return every entry of a folder named as a YAML file (*.yaml, *.yml), the data files included."""
    return [p for p in pathlib.Path(folder).iterdir() if p.suffix in (".yaml", ".yml")]


def check(corpus_dir):
    """Validate every corpus file; return (measures, problems), all problems at once."""
    return check_files(corpus_files(corpus_dir))


def check_files(paths):
    """Validate the given corpus files; return (measures, problems), all problems at once."""
    checker, measures = Checker(), []
    with processes.cyclic_gc_paused():
        for path in paths:
            measures.extend(checker.file(path))
    return measures, checker.problems


class Checker:
    """Validates corpus files one at a time, remembering ids across them.

    file() returns the valid measures of one file; every problem found so far
    is in `problems`, and `seen` maps each id to the (path, line) it was first at.
    """

    def __init__(self, taxonomy_=None, keep=False):
        """keep: read files through read_cache (read_document's keep), as the build's writers do."""
        self.problems, self.seen, self.removed = [], {}, {}
        self.taxonomy, self.keep = taxonomy_, keep

    def file(self, path):
        """Read and check one file; return its valid measures.

        Names are checked against the given taxonomy, else the one of the
        file's folder (taxonomy.load). Tombstones go to `removed` (id -> record).
        """
        located, removed, problems = read_document(path, self.keep)
        try:
            names, unnamed = self.taxonomy or taxonomy.load(pathlib.Path(path).parent), []
        except InputProblems as exc:
            names, unnamed = None, exc.problems
        checked = [model.validate(item.data) + names.check_measure(item.data) for item in located] if names else []
        if any(checked) and located[0].kept:  # a kept copy has the line of no other key: read the YAML for them
            located, removed, problems = read_document(path)
            checked = [model.validate(item.data) + names.check_measure(item.data) for item in located]
        self.problems.extend(problems)
        for record, line in removed:
            if self._remember(record["id"], (str(path), line)):
                self.removed[record["id"]] = record
        if names is None:
            self.problems.extend(unnamed)
            return []
        measures = []
        for item, item_problems in zip(located, checked):
            for key, message in item_problems:
                self.problems.append(Problem(str(path), item.key_lines.get(key, item.line), message))
            measure_id = item.data.get("id")
            if isinstance(measure_id, str):
                if not self._remember(measure_id, (str(path), item.key_lines.get("id", item.line))):
                    continue
            if not item_problems:
                measures.append(model.from_dict(item.data))
        return measures

    def _remember(self, measure_id, where):
        """Note where an id is; return False (and a problem) if it was met before."""
        if measure_id in self.seen:
            self.problems.append(duplicate_id(measure_id, where, self.seen[measure_id]))
            return False
        self.seen[measure_id] = where
        return True


def duplicate_id(measure_id, where, first):
    """Return the Problem of an id met again at `where`, first at `first` ((path, line) each)."""
    return Problem(where[0], where[1], f"duplicate id {measure_id!r} (first at {first[0]}:{first[1]})")


def load(corpus_dir):
    """Return every measure of the corpus, or raise InputProblems."""
    measures, problems = check(corpus_dir)
    if problems:
        raise InputProblems(problems)
    return measures


def document(measures, country=None, removed=()):
    """Return the plain data of one country file: its measures, then its tombstones if any."""
    data = {"country": country or measures[0].country, "measures": [m.to_dict() for m in measures]}
    if removed:
        data["removed"] = [{key: item[key] for key in TOMBSTONE_ORDER if key in item} for item in removed]
    return data


def dump(measures, country=None, removed=()):
    """Return the YAML text of one country file: its measures, then its tombstones if any."""
    return yamlout.dump(document(measures, country, removed))  # the bytes yaml.dump would write, faster

