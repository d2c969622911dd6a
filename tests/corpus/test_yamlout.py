"""yamlout writes corpus YAML byte for byte as PyYAML's dumper does (the reference), and it reads back."""

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools import synthetic
from measuresearch.corpus import yamlout

from conftest import CORPUS

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _reference(document):
    return yaml.dump(document, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=1 << 30)


def test_the_real_corpus_file_is_written_byte_for_byte_like_pyyaml():
    text = (CORPUS / "kazakhstan.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert yamlout.dump(document) == _reference(document) == text


def test_synthetic_measures_and_tombstones_are_written_like_pyyaml():
    measures = synthetic.Generator(seed=5, tail=3000).measures(3000)
    document = {"country": "Kazakhstan", "measures": [m.to_dict() for m in measures],
                "removed": [{"id": "x-1", "sub_pillar": "S", "titles": ["T: t"], "removed_on": "2026-11-28"}]}
    assert yamlout.dump(document) == _reference(document)
    assert yamlout.dump({"country": "Kazakhstan", "measures": []}) == "country: Kazakhstan\nmeasures: []\n"


ODD = st.text(alphabet=st.sampled_from(list("aZ 09:#-?,[]{}&*!|>'\"%@`.~=<_\t\n\r\x85\u2028\ufeff\x00é“қ")), max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(ODD, st.sampled_from(["yes", "No", "null", "~", "1.5", "0x1F", "2021-01-01", "12:30",
                                                 "- a", "a: b", "x #y", "---x", "...", ":x", "?", ".inf"])),
                min_size=1, max_size=4))
def test_any_text_is_written_like_pyyaml_and_reads_back(texts):
    measure = {"id": "x", "titles": texts, "description": texts[0], "year": None, "events": [],
               "coverage": texts[-1], "synthetic": True}
    document = {"country": "K", "measures": [measure]}
    text = yamlout.dump(document)
    assert yaml.safe_load(text) == document
    assert text == _reference(document)


def test_equal_values_of_other_types_in_repeated_mappings_are_written_apart_like_pyyaml():
    # Events and sources repeat, and their lines are kept by their values: 1, 1.0 and True are equal keys.
    values = [1, True, 1.0, "1", 0, False, None, "null"]
    measures = [{"id": f"x-{n}", "events": [{"kind": "since", "year": 2021, "line": value}],
                 "source": {"kind": "dti_page", "url": value}} for n, value in enumerate(values * 2)]
    document = {"country": "K", "measures": measures}
    text = yamlout.dump(document)
    assert text == _reference(document)
    assert yaml.safe_load(text) == document
