"""The DTI taxonomy and economies as data: corpus/taxonomy.yaml, its checks and suggestions.

Nothing about pillars, sub-pillars or economies is written in Python: they are
read from `taxonomy.yaml` in the corpus folder, or from the repository's
`corpus/taxonomy.yaml` when that folder has none.
"""

import dataclasses
import difflib
import functools
import pathlib
import unicodedata

from measuresearch import storage
from measuresearch.errors import InputProblems, Problem

FILE = "taxonomy.yaml"
# The repository's own corpus folder (src/measuresearch/ -> repository root).
# The default taxonomy and groups, shipped inside the package: in the repository data/ holds links
# to corpus/taxonomy.yaml and corpus/groups.yaml (the one copy, edited there); a wheel holds the files.
DEFAULT_FOLDER = pathlib.Path(__file__).resolve().parent / "data"


@dataclasses.dataclass(frozen=True)
class Economy:
    """One economy: its name as the DTI writes it, ISO 3166-1 code and aliases."""

    name: str
    iso: str | None
    aliases: tuple


@dataclasses.dataclass
class Taxonomy:
    """The pillars in order with their sub-pillars, and the economies."""

    path: str
    pillars: dict  # pillar -> tuple of sub-pillars, in order
    economies: tuple  # Economy, in file order
    # pillar or sub-pillar -> the other spellings of it that DTI pages use (the file's `aliases`)
    aliases: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.parent = {sub: pillar for pillar, subs in self.pillars.items() for sub in subs}
        self._names = {}  # _key of a pillar's or sub-pillar's name or alias -> its name
        for name in [*self.pillars, *self.parent]:
            for spelling in (name, *self.aliases.get(name, ())):
                self._names.setdefault(_key(spelling), name)
        self.economy_names = tuple(e.name for e in self.economies)
        self._lookup = {}
        for economy in self.economies:
            for spelling in (economy.name, *economy.aliases):
                self._lookup.setdefault(_key(spelling), economy.name)
        self._first_words = {key.split(" ", 1)[0] for key in self._lookup}

    def economy(self, spelling):
        """Return the economy's name for a name or alias in any case and spacing, else None."""
        if not isinstance(spelling, str):
            return None
        if spelling.isascii():  # its own NFKC form, casefolded by lower(): its first word can refuse it at once
            first = spelling.split(None, 1)  # (the page reader asks this of every line of every entry)
            if first and first[0].lower() not in self._first_words:
                return None
        return self._lookup.get(_key(spelling))

    def name_of(self, spelling):
        """Return the pillar's or sub-pillar's name for its name or an alias in any case and spacing
        ("Domestic Data policies": "Domestic data policies"), else None."""
        return self._names.get(_key(spelling)) if isinstance(spelling, str) else None

    def named_by_alias(self, spelling):
        """Return the economy's, pillar's or sub-pillar's name that `spelling` is one of the listed aliases of,
        exactly as the file writes it ("KAZAKHSTAN", "Domestic Data policies"), else None."""
        for economy in self.economies:
            if spelling in economy.aliases:
                return economy.name
        return next((name for name, spellings in self.aliases.items() if spelling in spellings), None)

    def pairs(self):
        """Return every (pillar, sub-pillar) in taxonomy order."""
        return [(pillar, sub) for pillar, subs in self.pillars.items() for sub in subs]

    def check_measure(self, data, public=False):
        """Return [(key, message)] for the taxonomy problems of one measure's plain data.

        `country` must be an economy's name exactly (an alias is named as such),
        `pillar` a pillar and `sub_pillar` one of that pillar's sub-pillars; every
        message names the closest valid names and this file (`public`: no file, for
        messages that strangers read).
        """
        problems = []
        if public:
            self = dataclasses.replace(self, path=None)  # the same names, no file to name
        country, pillar, sub = data.get("country"), data.get("pillar"), data.get("sub_pillar")
        if isinstance(country, str) and country not in self.economy_names:
            known = self.economy(country)
            if known:
                problems.append(("country", f"economy {country!r} is written {known!r}{self._in()}"))
            else:
                problems.append(("country", self._unknown("economy", country, self._spellings(), "economies")))
        if isinstance(pillar, str) and pillar not in self.pillars:
            if self.name_of(pillar) in self.pillars:
                problems.append(("pillar", f"pillar {pillar!r} is written {self.name_of(pillar)!r}{self._in()}"))
            else:
                problems.append(("pillar", self._unknown("pillar", pillar, list(self.pillars), "pillars")))
        elif isinstance(pillar, str) and isinstance(sub, str) and sub not in self.pillars[pillar]:
            if self.name_of(sub) in self.pillars[pillar]:
                problems.append(("sub_pillar", f"sub-pillar {sub!r} is written {self.name_of(sub)!r}{self._in()}"))
            elif sub in self.parent:
                problems.append(("sub_pillar", f"sub-pillar {sub!r} belongs to pillar {self.parent[sub]!r}, "
                                               f"not {pillar!r}" + (f" (see {self.path})" if self.path else "")))
            else:
                problems.append(("sub_pillar", self._unknown(f"sub-pillar of {pillar!r}", sub,
                                                             list(self.pillars[pillar]) or list(self.parent),
                                                             f"the sub_pillars of {pillar!r}")))
        return problems

    def _in(self):
        return f" in {self.path}" if self.path else ""

    def _spellings(self):
        return [*self.economy_names, *(a for e in self.economies for a in e.aliases)]

    def _unknown(self, what, value, choices, where):
        names = closest(value, choices)
        if what == "economy":  # an alias suggests its economy's name
            names = list(dict.fromkeys(self.economy(name) for name in names))
        hint = f"did you mean {_either(names)}? " if names else ""
        if not self.path:
            return f"unknown {what} {value!r}" + (f"; {hint.strip()}" if hint else "")
        return f"unknown {what} {value!r}; {hint}To add a new one, edit {where} in {self.path}"


def _key(text):
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _either(names):
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def closest(value, choices, n=3):
    """Return the names among choices closest to value (difflib, case-insensitive), best first."""
    by_key = {}
    for choice in choices:
        by_key.setdefault(_key(choice), choice)
    found = difflib.get_close_matches(_key(value), list(by_key), n=n, cutoff=0.6)
    return list(dict.fromkeys(by_key[k] for k in found))


def corpus_file(corpus_dir, name):
    """Return a corpus folder's own file `name`, else the default one (corpus/`name` of the repository)."""
    if corpus_dir is not None:
        own = pathlib.Path(corpus_dir) / name
        if own.is_file():
            return own
    return (DEFAULT_FOLDER / name).resolve()  # in the repository: corpus/<name>, where it is edited


def path_for(corpus_dir):
    """Return the taxonomy file a corpus folder uses: its own, else the default one."""
    return corpus_file(corpus_dir, FILE)


def load(corpus_dir=None):
    """Return the Taxonomy of a corpus folder (see path_for); InputProblems if the file is bad."""
    path = path_for(corpus_dir)
    try:
        stat = path.stat()
    except OSError as exc:
        raise InputProblems([Problem(str(path), 0, f"cannot read the taxonomy: {exc}")]) from None
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load(path, mtime_ns, size):
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputProblems([Problem(path, 1, f"cannot read the taxonomy: {exc}")]) from None
    return _parse(path, storage.parse_yaml(text, path, "cannot read the taxonomy")[1])


def _parse(path, data):
    problems = []

    def bad(message):
        problems.append(Problem(path, 1, message))
    if not isinstance(data, dict) or not isinstance(data.get("pillars"), list) \
            or not isinstance(data.get("economies"), list):
        raise InputProblems([Problem(path, 1, "expected a mapping with lists 'pillars' and 'economies'")])
    pillars, aliases = {}, {}
    for item in data["pillars"]:
        name, subs = (item.get("name"), item.get("sub_pillars")) if isinstance(item, dict) else (None, None)
        if not isinstance(name, str) or not isinstance(subs, list) or not all(isinstance(s, str) for s in subs):
            bad(f"pillar {item!r}: expected {{name: text, sub_pillars: [text, ...]}}")
        elif name in pillars:
            bad(f"pillar {name!r} is listed twice")
        else:
            pillars[name] = tuple(subs)
            # a pillar's aliases, and a sub-pillar's under sub_pillar_sources: {name: {aliases: [...]}}
            sources = item.get("sub_pillar_sources") or {}
            for named, held in [(name, item), *((sub, sources.get(sub)) for sub in subs if isinstance(sources, dict))]:
                spellings = held.get("aliases") if isinstance(held, dict) else None
                if spellings is None:
                    continue
                if not isinstance(spellings, list) or not all(isinstance(a, str) for a in spellings):
                    bad(f"the aliases of {named!r}: expected a list of names")
                else:
                    aliases[named] = tuple(spellings)
    economies, seen = [], {}
    for item in data["economies"]:
        economy = _economy(item)
        if economy is None:
            bad(f"economy {item!r}: expected {{name: text, iso: code or null, aliases: [text, ...]}}")
            continue
        for spelling in (economy.name, *economy.aliases):
            if seen.setdefault(_key(spelling), economy.name) != economy.name:
                bad(f"{spelling!r} names both {seen[_key(spelling)]!r} and {economy.name!r}")
        economies.append(economy)
    subs = [sub for group in pillars.values() for sub in group]
    for sub in {s for s in subs if subs.count(s) > 1}:
        bad(f"sub-pillar {sub!r} is listed under more than one pillar")
    named = {}
    for name in [*pillars, *subs]:
        for spelling in (name, *aliases.get(name, ())):
            if named.setdefault(_key(spelling), name) != name:
                bad(f"{spelling!r} names both {named[_key(spelling)]!r} and {name!r}")
    if problems:
        raise InputProblems(problems)
    return Taxonomy(path=path, pillars=pillars, economies=tuple(economies), aliases=aliases)


def _economy(item):
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    iso, aliases = item.get("iso"), item.get("aliases") or []
    if iso is not None and not isinstance(iso, str):
        return None
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        return None
    return Economy(name=item["name"], iso=iso, aliases=tuple(aliases))


def check_measure(data, corpus_dir=None):
    """Return [(key, message)] for the taxonomy problems of a measure's plain data.

    The taxonomy is the corpus folder's (see path_for). This is the check that
    `import`, `check` and index builds apply; proposals use it too.
    """
    return load(corpus_dir).check_measure(data)
