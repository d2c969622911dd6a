"""Import copied DTI pages into the corpus: one YAML file per country."""

import dataclasses
import pathlib

from . import corpus, dti, taxonomy
from .errors import InputProblems, Problem
from .model import slugify


@dataclasses.dataclass
class ImportReport:
    """What an import did to each corpus file."""

    added: dict = dataclasses.field(default_factory=dict)
    unchanged: dict = dataclasses.field(default_factory=dict)

    def lines(self):
        """Return one human-readable line per written file."""
        return [f"{path}: {self.added[path]} added, {self.unchanged.get(path, 0)} unchanged"
                for path in sorted(self.added)]


def parse_files(paths, names=None):
    """Parse every page; return the measures or raise InputProblems listing all problems.

    Every measure's economy, pillar and sub-pillar must be in the taxonomy
    `names`; a problem names the page line and the closest valid names.
    """
    names = names or taxonomy.load()
    measures, problems = [], []
    for path in paths:
        try:
            text = pathlib.Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), 1, f"cannot read page: {exc}"))
            continue
        entries, page_problems = dti.parse_entries(text, str(path), names)
        problems.extend(page_problems)
        for entry in entries:
            for key, message in names.check_measure(entry.measure.to_dict()):
                problems.append(Problem(str(path), entry.lines.get(key, entry.lines["country"]), message))
            measures.append(entry.measure)
    if problems:
        raise InputProblems(problems)
    return measures


def import_pages(paths, out_dir):
    """Merge the measures of the pages into out_dir; return an ImportReport.

    Existing measures are kept. An id is derived from the measure's content, so
    the same measure imported again is "unchanged"; a file that already holds
    a different record under the same id is refused rather than overwritten.
    """
    by_country = {}
    for measure in parse_files(paths, taxonomy.load(out_dir)):
        by_country.setdefault(measure.country, {}).setdefault(measure.id, measure)
    report, writes, problems = ImportReport(), [], []
    for country, new in sorted(by_country.items()):
        path = pathlib.Path(out_dir) / f"{slugify(country, 8)}.yaml"
        existing = _existing(path, problems)
        merged = dict(existing)
        added = 0
        for measure_id, measure in new.items():
            old = existing.get(measure_id)
            if old is None:
                merged[measure_id] = measure
                added += 1
            elif old.to_dict() != measure.to_dict():
                problems.append(Problem(str(path), 0, f"id {measure_id!r} already holds a different measure; "
                                                      "not overwritten"))
        report.added[str(path)] = added
        report.unchanged[str(path)] = len(new) - added
        writes.append((path, list(merged.values())))
    if problems:
        raise InputProblems(problems)
    for path, measures in writes:
        corpus.write_atomic(path, corpus.dump(measures))
    return report


def _existing(path, problems):
    """Return {id: measure} of an existing corpus file; its problems refuse the import."""
    if not path.exists():
        return {}
    measures, file_problems = corpus.check_files([path])
    problems.extend(file_problems)
    return {} if file_problems else {m.id: m for m in measures}
