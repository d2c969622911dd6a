"""Jurisdiction groups (groups.yaml): read, checked against the taxonomy, handed to index builds.

A build copies the checked groups into its folder (groups.json), so that the
service reads them with the build they were checked against and never opens
YAML. A corpus folder without its own groups.yaml uses the repository's, as
for taxonomy.yaml.
"""

import datetime

from measuresearch import storage
from measuresearch.domain import taxonomy
from measuresearch.errors import InputProblems, Problem

FILE = "groups.yaml"
REQUIRED = ("name", "members", "source", "as_of")
TEXT_KEYS = ("label", "source", "confirmed", "note")


def path_for(corpus_dir):
    """Return the groups file a corpus folder uses: its own, else the repository's."""
    return taxonomy.corpus_file(corpus_dir, FILE)


def load(corpus_dir=None, names=None):
    """Return the checked groups of a corpus folder as plain data; InputProblems naming file and line.

    names: the taxonomy to check members against (default: the corpus folder's).
    """
    path = path_for(corpus_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputProblems([Problem(str(path), 1, f"cannot read the groups: {exc}")]) from None
    node, data = storage.parse_yaml(text, path, "cannot read the groups")
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise InputProblems([Problem(str(path), 1, "expected a mapping with a list 'groups'")])
    economies = set((names or taxonomy.load(corpus_dir)).economy_names)
    lines = [item.start_mark.line + 1 for item in _groups_node(node)]
    problems, found = [], []
    for item, line in zip(data["groups"], lines):
        group, trouble = _checked(item, economies, {g["name"] for g in found})
        problems.extend(Problem(str(path), line, message) for message in trouble)
        if group:
            found.append(group)
    if problems:
        raise InputProblems(problems)
    return found


def _groups_node(node):
    for key, value in node.value:
        if key.value == "groups":
            return value.value
    return []


def _checked(item, economies, taken):
    """Return (group as plain data or None, [problem messages]) of one groups.yaml entry."""
    if not isinstance(item, dict) or any(key not in item for key in REQUIRED):
        return None, [f"a group needs the keys {', '.join(REQUIRED)}"]
    name, members = item["name"], item["members"]
    bodies = item.get("non_country_members") or []
    trouble = []
    if not isinstance(name, str) or not name.strip():
        return None, ["a group's name is text"]
    if name in taken:
        trouble.append(f"group {name!r} is listed twice")
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members) or not members:
        return None, [f"group {name!r}: members is a list of economy names"]
    unknown = [m for m in members if m not in economies]
    for member in unknown:
        near = taxonomy.closest(member, economies)
        hint = f" (closest: {', '.join(near)})" if near else ""
        trouble.append(f"group {name!r}: {member!r} is not an economy of taxonomy.yaml{hint}")
    if len(set(members)) != len(members):
        trouble.append(f"group {name!r} lists a member twice")
    stated = item.get("stated_count")
    if stated is not None and stated != len(members) + len(bodies):
        trouble.append(f"group {name!r}: {len(members)} members and {len(bodies)} non-country members, "
                       f"but its source states {stated}")
    as_of = item["as_of"]
    if not isinstance(as_of, datetime.date):
        trouble.append(f"group {name!r}: as_of is a date, YYYY-MM-DD")
    group = {"name": name, "members": list(members), "aliases": list(item.get("aliases") or []),
             "non_country_members": list(bodies), "stated_count": stated,
             "as_of": as_of.isoformat() if isinstance(as_of, datetime.date) else None}
    group.update({key: str(item[key]) for key in TEXT_KEYS if item.get(key) is not None})
    return (None if trouble else group), trouble


