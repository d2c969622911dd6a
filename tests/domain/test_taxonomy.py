"""corpus/taxonomy.yaml: the pillars, sub-pillars and economies every check reads."""

import re
import string
import unicodedata

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from measuresearch.corpus import files as corpus
from devtools import synthetic
from measuresearch.domain import taxonomy
from measuresearch.errors import InputProblems

from conftest import CORPUS, SEED

PILLAR_LINE = re.compile(r"^Pillar\s+(.+?)\s*\|\s*Sub-pillar\s+(.+?)\s*$")


def test_every_pillar_and_sub_pillar_of_the_seed_page_is_in_the_taxonomy_verbatim():
    names = taxonomy.load(CORPUS)
    seen = [PILLAR_LINE.match(line.strip()).groups() for line in SEED.read_text(encoding="utf-8").splitlines()
            if PILLAR_LINE.match(line.strip())]
    assert len(seen) == 15
    for pillar, sub in seen:
        assert sub in names.pillars[pillar]
        assert names.parent[sub] == pillar


def test_the_taxonomy_file_says_where_each_name_comes_from():
    data = yaml.safe_load((CORPUS / "taxonomy.yaml").read_text(encoding="utf-8"))
    assert len(data["pillars"]) == 12
    for pillar in data["pillars"]:
        assert pillar.get("source"), pillar["name"]
        # confirmed: the exact spelling was seen on a browse page, the seed's or another one it names
        seen_on_a_browse_page = pillar["source"] == "seed" or pillar["source"].startswith("dti.eui.eu/database/page/")
        assert pillar.get("confirmed", True) is seen_on_a_browse_page, pillar["name"]
    kazakhstan = [e for e in data["economies"] if e["name"] == "Kazakhstan"]
    assert kazakhstan == [{"name": "Kazakhstan", "iso": "KZ", "aliases": ["KAZAKHSTAN", "Republic of Kazakhstan"],
                           "dti": True, "source": kazakhstan[0]["source"]}]
    assert "KAZAKHSTAN" in kazakhstan[0]["source"]


@pytest.mark.parametrize("data, key, expected", [
    ({"pillar": "Data policies"}, "pillar",
     "unknown pillar 'Data policies'; did you mean 'Domestic data policies' or 'Cross-border data policies'? "
     "To add a new one, edit pillars in "),
    ({"country": "KAZAKSTAN"}, "country",
     "unknown economy 'KAZAKSTAN'; did you mean 'Kazakhstan', 'Pakistan' or 'Uzbekistan'? To add a new one, edit economies in "),
    ({"country": "KAZAKHSTAN"}, "country", "economy 'KAZAKHSTAN' is written 'Kazakhstan' in "),
    ({"pillar": "Content access", "sub_pillar": "Presence of internet shutdown"}, "sub_pillar",
     "unknown sub-pillar of 'Content access' 'Presence of internet shutdown'; did you mean "
     "'Presence of Internet shutdowns'? To add a new one, edit the sub_pillars of 'Content access' in "),
    ({"pillar": "Content access", "sub_pillar": "Monitoring requirement"}, "sub_pillar",
     "sub-pillar 'Monitoring requirement' belongs to pillar 'Intermediary liability', not 'Content access'"),
])
def test_unknown_names_are_refused_with_the_closest_valid_ones_and_the_file(data, key, expected):
    problems = taxonomy.check_measure(data, CORPUS)
    assert [k for k, _ in problems] == [key]
    assert problems[0][1].startswith(expected)
    assert str(CORPUS / "taxonomy.yaml") in problems[0][1]


def test_valid_names_pass_and_aliases_resolve():
    names = taxonomy.load(CORPUS)
    assert names.check_measure({"country": "Kazakhstan", "pillar": "Content access",
                                "sub_pillar": "Presence of Internet shutdowns"}) == []
    assert names.economy("  KAZAKHSTAN ") == "Kazakhstan"
    assert names.economy("Republic of Kazakhstan") == "Kazakhstan"
    assert names.economy("KAZAKSTAN") is None


def test_a_corpus_folder_without_a_taxonomy_uses_the_repository_one(tmp_path):
    assert taxonomy.path_for(tmp_path) == CORPUS.resolve() / "taxonomy.yaml"
    (tmp_path / "taxonomy.yaml").write_text(
        "pillars:\n  - {name: P, sub_pillars: [S]}\neconomies:\n  - {name: Testland, iso: null, aliases: [TL]}\n")
    own = taxonomy.load(tmp_path)
    assert list(own.pillars) == ["P"] and own.economy("tl") == "Testland"
    assert own.check_measure({"country": "Kazakhstan"})[0][1].startswith("unknown economy 'Kazakhstan'")


def test_a_broken_taxonomy_is_refused_with_its_file(tmp_path):
    (tmp_path / "taxonomy.yaml").write_text("pillars:\n  - {name: P, sub_pillars: [S]}\n  - {name: Q, sub_pillars: [S]}\n"
                                            "economies:\n  - {name: A, aliases: [X]}\n  - {name: B, aliases: [x]}\n")
    with pytest.raises(InputProblems) as caught:
        taxonomy.load(tmp_path)
    messages = sorted(p.message for p in caught.value.problems)
    assert messages == ["'x' names both 'A' and 'B'", "sub-pillar 'S' is listed under more than one pillar"]
    # the corpus check reports it instead of crashing
    (tmp_path / "k.yaml").write_text("country: A\nmeasures: []\n")
    _, problems = corpus.check(tmp_path)
    assert any("names both" in p.message for p in problems)


def test_the_taxonomy_and_groups_files_are_not_read_as_measures(tmp_path):
    (tmp_path / "taxonomy.yaml").write_text((CORPUS / "taxonomy.yaml").read_text(encoding="utf-8"))
    (tmp_path / "groups.yaml").write_text("groups: []\n")
    assert corpus.corpus_files(tmp_path) == []
    assert [p.name for p in corpus.corpus_files(CORPUS)] == ["kazakhstan.yaml"]


def test_synthetic_measures_pass_the_checks_of_real_ones():
    names = taxonomy.load(CORPUS)
    for measure in synthetic.Generator(seed=3, tail=500).measures(300):
        data = measure.to_dict()
        assert names.check_measure(data) == [], data


def test_every_iso_code_is_pycountrys_and_names_it():
    import pycountry
    for economy in taxonomy.load(CORPUS).economies:
        country = pycountry.countries.get(alpha_2=economy.iso)
        assert country is not None, economy
        assert economy.name in {country.name, getattr(country, "common_name", None)}
        assert economy.name.upper() in economy.aliases


def _folded(text):
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _spelling_variants():
    names = taxonomy.load()
    spellings = [s for e in names.economies for s in (e.name, *e.aliases)]
    spacing = st.sampled_from([" ", "  ", "\t", "\u00a0", "\x1f"])
    return st.builds(lambda s, upper, gap, extra: (gap + (s.upper() if upper else s).replace(" ", gap) + extra),
                     st.sampled_from(spellings), st.booleans(), spacing, st.sampled_from(["", " x", "x", " "]))


@settings(max_examples=400, deadline=None)
@given(st.one_of(_spelling_variants(), st.text(max_size=40), st.text(alphabet=string.printable, max_size=40)))
def test_an_economy_is_found_in_any_case_and_spacing_as_a_scan_of_every_spelling_finds_it(text):
    # The lookup refuses most ASCII lines by their first word without folding them (the page reader asks
    # it of every line): the reference folds every spelling and the text, and takes the first in file order.
    names = taxonomy.load()
    expected = next((e.name for e in names.economies for s in (e.name, *e.aliases) if _folded(s) == _folded(text)),
                    None)
    assert names.economy(text) == expected
