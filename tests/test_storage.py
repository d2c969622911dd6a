"""storage.parse_yaml walks plain documents itself: its data must be PyYAML's, for every kind of document."""

import collections
import datetime
import json

import pytest
import numpy as np
import yaml
from hypothesis import given, settings, strategies as st

from measuresearch import storage
from measuresearch.errors import InputProblems


def reference(text):
    """PyYAML's own data of a document, with the pure-Python safe loader (no libyaml): the independent reference."""
    return yaml.load(text, Loader=yaml.SafeLoader)


def same(a, b):
    """Equal data of the same types all the way down (1 == 1.0 == True is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)  # NaN


EDGE_CASES = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null, e: ~, f: true, g: 0x1f, h: 1.5e3, i: .inf, j: .nan}\n",
    "when: 2024-01-31\nat: 2001-12-14t21:59:43.10-05:00\nyes: no\non: off\n",
    "base: &b {x: 1, y: [1, 2]}\nuse: *b\nlist: &l [a, b]\nagain: *l\n",
    "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",  # a merge key
    "=: value key\nother: 1\n",  # the value key (flatten_mapping makes it a string)
    "&r\nself: *r\n",  # a recursive mapping
    "&s [1, *s]\n",  # a recursive list
    "? [a, b]\n: unhashable key\n",
    "set: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\npairs: !!pairs [{a: 1}, {a: 2}]\n",
    "bin: !!binary aGVsbG8=\nstr: !!str 123\nint: !!int '7'\nfloat: !!float '2'\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "dup: 1\ndup: 2\n",
    "- just\n- a list\n",
    "a scalar\n",
    "1: int key\n2.5: float key\nnull: null key\ntrue: bool key\n2024-01-01: date key\n",
    "measures:\n- id: x\n  titles: ['Закон Республики Казахстан', 'Qazaqstan']\n  year: 2015\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_read_as_pyyaml_reads_them(text):
    try:
        expected = reference(text)
    except yaml.YAMLError:
        with pytest.raises(InputProblems):
            storage.parse_yaml(text, "f.yaml")
        return
    node, data = storage.parse_yaml(text, "f.yaml")
    if text.startswith("&"):  # recursive: compare the shape, not by ==
        assert type(data) is type(expected) and (data["self"] is data if isinstance(data, dict) else data[1] is data)
        return
    assert same(data, expected), (data, expected)
    assert isinstance(node, yaml.Node)


def test_an_alias_is_the_same_object_as_its_anchor():
    _, data = storage.parse_yaml("base: &b {x: [1]}\nuse: *b\n", "f.yaml")
    assert data["use"] is data["base"]


def test_unknown_tags_are_the_constructors_errors():
    for text in ("a: !custom 1\n", "a: !!python/object:os.system x\n", "a: !!set [1]\n"):
        with pytest.raises(InputProblems):
            storage.parse_yaml(text, "f.yaml")
        with pytest.raises(yaml.YAMLError):
            reference(text)


@pytest.mark.parametrize("text", ["a: 1\nb: !!int 'x'\n", "a: 1\nb: !!timestamp 'no'\n", "a: 1\nb: !!float abc\n",
                                  # a merge key: the document is left whole to PyYAML's construct_document
                                  "a: &b {x: 1}\nm: {<<: *b, y: !!int x}\n"])
def test_a_value_its_tag_cannot_read_is_a_problem_at_its_line(text):
    """PyYAML raises ValueError or AttributeError there, which a build would show as a traceback."""
    with pytest.raises(Exception) as raised:
        reference(text)
    assert not isinstance(raised.value, yaml.YAMLError)
    with pytest.raises(InputProblems) as problems:
        storage.parse_yaml(text, "f.yaml")
    [problem] = problems.value.problems
    assert (problem.path, problem.line) == ("f.yaml", 2) and "cannot read" in problem.message


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=20),
                    st.floats(allow_nan=False), st.dates(), st.datetimes(timezones=st.just(datetime.timezone.utc)),
                    st.sampled_from(["yes", "No", "~", "null", "0o17", "0x1F", "1_000", "1e3", "-.inf", "2024-02-30",
                                     "=", "<<", "", " ", "12:30:45", "+1", "0b101", ".5", "Закон", "418-V", "53/НК"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans()),
                                                 inner, max_size=4)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([None, False, True]))
def test_generated_documents_read_as_pyyaml_reads_them(data, flow):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    _, found = storage.parse_yaml(text, "f.yaml")
    assert same(found, reference(text))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12) | st.from_regex(r"[-+.~<=0-9a-zA-Z:_ ]{0,12}", fullmatch=True), st.booleans(),
       st.booleans())
def test_the_loaders_resolver_gives_pyyamls_tags(value, plain, quoted):
    """The shortcut (a first character no implicit pattern starts is a string) against the safe loader's resolver."""
    ours, theirs = storage.YAML_LOADER(""), yaml.SafeLoader("")
    try:
        for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
            assert ours.resolve(kind, value, (plain, quoted)) == theirs.resolve(kind, value, (plain, quoted))
    finally:
        ours.dispose()
        theirs.dispose()


# storage.json_bytes writes with orjson where its bytes are json's: json.dumps is the reference.


def json_reference(data, sort_keys=False):
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode("utf-8")


def test_json_bytes_writes_every_code_point_as_json_does():
    texts = ["".join(chr(cp) for cp in range(start, min(start + 512, 0x110000)) if not 0xD800 <= cp < 0xE000)
             for start in range(0, 0x110000, 512)]
    data = {text[:3] or "k": text for text in texts if text}
    assert storage.json_bytes(data) == json_reference(data)
    assert storage.json_bytes(data, sort_keys=True) == json_reference(data, sort_keys=True)


class Texts(list):
    pass


@pytest.mark.parametrize("data", [
    {"year": 1e16, "n": 1.5e-07}, {"values": [{"value": float("nan")}, {"value": float("inf")}]},
    {"big": 2 ** 70}, {1: "an int key", "b": True, "c": None}, [("a", "tuple"), {"é": "\u2028\x1f"}],
    collections.OrderedDict(v=1.5e-07), {"x": collections.defaultdict(int, v=float("nan"))}, Texts([1.5e-07]),
    {"counted": collections.Counter(a=2)},
])
def test_json_bytes_of_floats_big_ints_odd_keys_and_subclasses_are_jsons(data):
    assert storage.json_bytes(data) == json_reference(data)


def test_json_bytes_refuses_what_json_refuses():
    # orjson writes a date as text: a hand-written `removed_on: 2024-05-01` must fail the build as it did
    for data in ({"removed_on": datetime.date(2024, 5, 1)}, {"tags": {"a"}}):
        with pytest.raises(TypeError):
            json_reference(data)
        with pytest.raises(TypeError):
            storage.json_bytes(data)


JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2 ** 80, max_value=2 ** 80) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(JSON_DATA, st.booleans())
def test_json_bytes_of_generated_data_are_jsons(data, sort_keys):
    assert storage.json_bytes(data, sort_keys=sort_keys) == json_reference(data, sort_keys=sort_keys)


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(JSON_LIKE)
def test_what_orjson_writes_json_reads_back_equal_but_for_tuples(data):
    written, plain = storage.json_bytes_and_plain(data)
    assert written == storage.json_bytes(data)
    if plain:  # the writers fingerprint such a record as it is, not as read back (index/build/writers.py)
        assert json.loads(written) == json.loads(json.dumps(data))
        assert json.loads(written) == _tuples_as_lists(data)


def _tuples_as_lists(value):
    if isinstance(value, (list, tuple)):
        return [_tuples_as_lists(item) for item in value]
    if isinstance(value, dict):
        return {key: _tuples_as_lists(item) for key, item in value.items()}
    return value


class _Writes(list):
    """A binary file handle that keeps each write's bytes."""

    def write(self, data):
        self.append(bytes(data))
        return len(data)


@pytest.mark.parametrize("make", [lambda: bytes(range(256)) * 1000, lambda: np.arange(70_000, dtype=">i8")[::3],
                                  lambda: np.zeros(5, dtype=[("a", "u1"), ("b", ">f4")]), lambda: b"",
                                  lambda: np.arange("2026-01-01", "2026-01-10", dtype="datetime64[D]"),
                                  lambda: np.zeros((0, 3))])
def test_write_pieces_writes_every_byte_in_pieces_of_at_most_write_piece(make):
    data, handle = make(), _Writes()
    storage.write_pieces(handle, data)
    expected = data.tobytes() if isinstance(data, np.ndarray) else data
    assert b"".join(handle) == expected
    assert all(0 < len(piece) <= storage.WRITE_PIECE for piece in handle)
    assert len(handle) == -(-len(expected) // storage.WRITE_PIECE)
