"""yamlin reads the corpus files imports write as PyYAML does (the reference): the same data, of the same types,
and the same lines; any other text it leaves to PyYAML (None), damaged ones included."""

import random

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools import synthetic
from measuresearch.corpus import files, yamlin, yamlout

from conftest import CORPUS

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _typed(value):
    """The value with every scalar's type beside it: 1, 1.0 and True are equal in Python, not in a corpus file."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return type(value).__name__, value


def _pyyaml(text):
    """Return (data, [(line, {key: line})] of each mapping that is a list's item, in document order) as PyYAML
    reads text."""
    node = yaml.compose(text, Loader=LOADER)
    data = yaml.load(text, Loader=LOADER)
    found = []

    def walk(node):
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                if isinstance(child, yaml.MappingNode):
                    found.append((child.start_mark.line + 1, {k.value: k.start_mark.line + 1 for k, _ in child.value}))
                walk(child)
        elif isinstance(node, yaml.MappingNode):
            for _, child in node.value:
                walk(child)
    walk(node)
    return data, found


def _ours(text):
    read = yamlin.read(text)
    if read is None:
        return None
    data, lines, _ = read
    found = []

    def walk(value):
        if isinstance(value, list):
            for child in value:
                if isinstance(child, dict):
                    found.append(lines[id(child)])
                walk(child)
        elif isinstance(value, dict):
            for child in value.values():
                walk(child)
    walk(data)
    return data, found


def _agrees(text):
    """Assert that yamlin reads text as PyYAML does, or leaves it; return whether it read it."""
    ours = _ours(text)
    if ours is None:
        return False
    data, lines = _pyyaml(text)  # (a text PyYAML refuses raises here: yamlin must have left it)
    assert _typed(ours[0]) == _typed(data)
    assert ours[1] == lines
    return True


def _documents(seed, count=400):
    measures = synthetic.Generator(seed=seed, tail=3000).measures(count)
    return {"country": "Kazakhstan", "measures": [m.to_dict() for m in measures]}


def test_the_real_corpus_and_synthetic_files_are_read_as_pyyaml_reads_them():
    for path in sorted(CORPUS.glob("*.yaml")):
        if path.name not in files.DATA_FILES:
            assert _agrees(path.read_text(encoding="utf-8")), path
    assert _agrees(yamlout.dump(_documents(7)))
    assert _agrees("country: K\nmeasures: []\nremoved: []\n")


def test_what_libyaml_or_python_refuses_or_nests_deep_is_left_to_pyyaml():
    # found by a review's fuzzing: libyaml refuses a key of 1,025 characters; int() an integer of 4,301 digits
    # (ValueError, which stopped `check` on a traceback); 500 levels of mappings ran out of Python's stack
    long_key = "country: X\nmeasures:\n- id: a\n  " + "k" * (yamlin.KEY_LIMIT + 1) + ": v\n"
    with pytest.raises(yaml.YAMLError):
        _pyyaml(long_key)
    assert yamlin.read(long_key) is None
    assert _agrees(long_key.replace("k" * (yamlin.KEY_LIMIT + 1), "k" * (yamlin.KEY_LIMIT - 1)))
    assert yamlin.read("country: X\nn: " + "1" * 4301 + "\n") is None
    deep = "country: X\n" + "".join("  " * d + "a:\n" for d in range(500)) + "  " * 500 + "b: c\n"
    assert _pyyaml(deep)[0]["a"]["a"]
    assert yamlin.read(deep) is None
    shallow = "country: X\n" + "".join("  " * d + "a:\n" for d in range(yamlin.DEEPEST)) + "  " * yamlin.DEEPEST + "b: c\n"
    assert _agrees(shallow)


ODD = st.text(alphabet=st.sampled_from(list("aZ 09:#-?,[]{}&*!|>'\"%@`.~=<_\t\n\r\x85\u2028\ufeff\x00é“қ")), max_size=12)
SCALARS = st.one_of(ODD, st.sampled_from(["yes", "No", "null", "~", "1.5", "0x1F", "2021-01-01", "12:30", "- a", "a: b",
                                          "x #y", "---x", "...", ":x", "?", ".inf", "on", "0", "-0", "007", "1_000",
                                          "+1", "-", "''", "a'b"]),
                    st.integers(-10 ** 20, 10 ** 20), st.booleans(), st.none(), st.floats(allow_nan=False))


@settings(max_examples=500, deadline=None)
@given(st.lists(SCALARS, min_size=1, max_size=4), st.dictionaries(st.sampled_from(["url", "year", "on", "null", "a1"]),
                                                                 SCALARS, max_size=3))
def test_any_value_yamlout_writes_is_read_as_pyyaml_reads_it(values, extra):
    measure = {"id": "x", "titles": values, "description": values[0], "events": [{"kind": "since", **extra}],
               "coverage": values[-1], "source": extra, "empty": [], "none": {}}
    text = yamlout.dump({"country": "K", "measures": [measure, {"id": "y", **extra}]})
    _agrees(text)


PIECES = [" #c", "#", ": ", ":", "'", "''", '"', "- ", "-", "  ", " ", "\t", "{", "}", "[", "]", "&a ", "*a", "!!str ",
          "? ", "|", ">", "---", "...", "%", "@", "`", "~", "null", "yes", "1", "-1", "0x1", "2021-01-01", "\u2028",
          "\x85", "\ufeff", "é", "\r", "\n", "a", "key: value", "- key: value"]


@settings(max_examples=600, deadline=None)
@given(st.integers(0, 2 ** 32), st.integers(1, 3))
def test_damaged_files_are_read_as_pyyaml_reads_them_or_left_to_it(seed, damages):
    chance = random.Random(seed)
    lines = yamlout.dump(_documents(seed % 50, count=3)).split("\n")
    for _ in range(damages):
        at = chance.randrange(len(lines))
        kind = chance.randrange(6)
        if kind == 0:
            del lines[at]
        elif kind == 1:
            lines.insert(at, lines[chance.randrange(len(lines))])
        elif kind == 2:
            where = chance.randrange(len(lines[at]) + 1)
            lines[at] = lines[at][:where] + chance.choice(PIECES) + lines[at][where:]
        elif kind == 3:
            lines[at] = " " * chance.choice([1, 2, 4]) + lines[at]
        elif kind == 4:
            lines[at] = lines[at][chance.choice([1, 2]):]
        else:
            other = chance.randrange(len(lines))
            lines[at], lines[other] = lines[other], lines[at]
    text = "\n".join(lines)
    try:
        _agrees(text)
    except yaml.YAMLError:
        pytest.fail("yamlin read a text that PyYAML refuses")


def test_a_damaged_file_is_found_wrong_at_the_same_lines_either_way(tmp_path):
    """files.read_document through yamlin and through PyYAML alone: the same measures, lines and problems, for
    files with a measure of another economy, a key twice, a cut-off last record, tombstones, a comment."""
    document = _documents(3, count=5)
    for measure in document["measures"]:
        measure.update(country="Kazakhstan", last_imported="2026-12-01",
                       source={"kind": "dti_page", "name": "p.txt", "url": None, "first_imported": "2026-12-01"})
    text = yamlout.dump(document)
    cases = {
        "clean": text,
        "other economy": text.replace("country: Kazakhstan", "country: Uzbekistan", 2),
        "key twice": text.replace("  pillar:", "  titles: []\n  pillar:", 1),
        "cut off": text[:text.rindex("  source:")],
        "tombstone": text + "removed:\n- id: x-1\n  sub_pillar: S\n  titles:\n  - T\n  removed_on: '2026-11-28'\n",
        "comment": "# a comment\n" + text,
    }
    read_by = {}
    for name, case in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.yaml"
        path.write_text(case, encoding="utf-8")
        answers = []
        for plain in (True, False):
            with pytest.MonkeyPatch.context() as patch:
                if not plain:
                    patch.setattr(files, "_read_plain", lambda *args: None)
                located, removed, problems = files.read_document(path)
            answers.append(([(m.data, m.line, m.key_lines) for m in located], removed, [str(p) for p in problems]))
        assert answers[0] == answers[1], name
        read_by[name] = files._read_plain(str(path), case, None) is not None
    assert read_by == {"clean": True, "other economy": False, "key twice": False, "cut off": True,
                       "tombstone": False, "comment": False}


@pytest.mark.parametrize("damage", ["a long key", "a long integer", "deep nesting"])
def test_check_and_index_say_what_is_wrong_with_such_a_file_never_a_traceback(corpus_copy, tmp_path, capsys, damage):
    from measuresearch.cli.main import main
    target = corpus_copy / "kazakhstan.yaml"
    text = target.read_text(encoding="utf-8")
    added = {"a long key": "  " + "k" * (yamlin.KEY_LIMIT + 1) + ": v\n",
             "a long integer": "  year_digits: " + "1" * 4301 + "\n",
             "deep nesting": "".join("  " * (d + 1) + "a:\n" for d in range(500)) + "  " * 501 + "b: c\n"}[damage]
    at = text.index("  country:")  # inside the first measure
    target.write_text(text[:at] + added + text[at:], encoding="utf-8")
    assert main(["check", "--corpus", str(corpus_copy)]) != 0
    assert main(["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "index")]) != 0
    err = capsys.readouterr().err
    assert "kazakhstan.yaml:" in err and "Traceback" not in err
