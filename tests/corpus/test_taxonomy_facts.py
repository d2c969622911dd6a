"""corpus/taxonomy.yaml holds the pillar and sub-pillar names seen on twelve Kazakhstan browse pages (issue 18).

The names below are copied from those pages (dti.eui.eu/database/page/50, 51, 52, 53, 69, 71, 90, 92, 93,
112, 194, 431), as the issue's facts list them; this test checks that the data file keeps them, under
their pillars, each saying which page showed it.
"""

import pathlib
import re

import yaml

TAXONOMY = pathlib.Path(__file__).resolve().parents[2] / "corpus" / "taxonomy.yaml"
PAGE_SOURCE = re.compile(r"^dti\.eui\.eu/database/page/\d+(, \d+)*$")

PILLARS = [  # (name on the browse pages, pages)
    ("Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods", "93"),
    ("Public procurement of ICT goods and online services", "53"),
    ("Foreign Direct Investment (FDI) in sectors relevant to digital trade", "52, 92, 431"),
    ("Intellectual Property Rights (IPRs)", "194"),
    ("Telecom infrastructure & competition", "52, 71, 92, 431"),
    ("Domestic data policies", "51, 53, 112"),
    ("Cross-border data policies", "50, 51, 53"),
    ("Intermediary liability", None),
    ("Content access", None),
    ("Quantitative trade restrictions for ICT goods and online services", None),
    ("Technical standards applied to ICT goods and online services", None),
    ("Online sales and transactions", None),
]

NEW_SUB_PILLARS = {  # pillar number -> sub-pillars seen on browse pages other than the seed's
    1: ["Effective tariff rate on ICT goods (applied weighted average)",
        "Participation in the World Trade Organization (WTO) Information Technology Agreement (ITA)"],
    2: ["Other limitations on foreign participation in public procurement"],
    3: ["Maximum foreign equity share", "Screening of investment and acquisitions",
        "Commercial presence requirement for digital services providers"],
    4: ["Copyright law with clear exceptions", "Enforcement of copyright online"],
    5: ["Presence of shares owned by the government in telecom companies",
        "Functional/accounting separation for operators with significant market power",
        "Passive infrastructure sharing obligation", "Licensing restrictions to operate in the telecom market",
        "Presence of an independent telecom authority"],
    6: ["Framework for data protection", "Requirement to allow the government to access personal data collected"],
    7: ["Conditional flow regime", "Participation in trade agreements committing to open cross-border data flows"],
    8: ["Safe harbour for intermediaries for any activity other than copyright infringement"],
    12: ["Ratification of the United Nations (UN) Convention on the Use of Electronic Communications in "
         "International Contracts",
         "Adoption of United Nations Commission on International Trade Law (UNCITRAL) Model Law on Electronic Commerce",
         "Adoption of United Nations Commission on International Trade Law (UNCITRAL) Model Law on Electronic "
         "Signatures"],
}


def load():
    return yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))["pillars"]


def test_the_pillars_are_written_as_the_browse_pages_write_them_and_say_which_pages():
    pillars = load()
    assert [p["name"] for p in pillars] == [name for name, _ in PILLARS]
    for pillar, (_, pages) in zip(pillars, PILLARS):
        if pages is None:
            assert pillar["source"] == "seed"
        else:
            assert pillar["source"] == f"dti.eui.eu/database/page/{pages}" and pillar["confirmed"] is True


def test_the_home_page_wording_and_the_browse_page_variants_are_aliases():
    aliases = {p["name"]: p.get("aliases") or [] for p in load()}
    assert aliases[PILLARS[0][0]] == ["Tariffs and trade defense measures applied on ICT goods, intermediate goods, "
                                      "and inputs"]
    assert aliases["Domestic data policies"] == ["Domestic Data policies"]
    assert aliases["Quantitative trade restrictions for ICT goods and online services"] == [
        "Quantitative trade restrictions for ICT goods, products and online services"]
    export = load()[9]["sub_pillar_sources"]["Export restrictions on ICT goods or online services"]
    assert export["aliases"] == ["Export restrictions on ICT goods, products and online services"]
    for pillar in load():
        if pillar.get("aliases"):
            assert pillar.get("aliases_source"), pillar["name"]


def test_every_sub_pillar_seen_on_a_browse_page_is_under_its_pillar_with_its_pages():
    pillars = load()
    total = 0
    for number, pillar in enumerate(pillars, 1):
        sources = pillar.get("sub_pillar_sources") or {}
        assert set(sources) <= set(pillar["sub_pillars"]), pillar["name"]
        for name in NEW_SUB_PILLARS.get(number, []):
            assert name in pillar["sub_pillars"], (pillar["name"], name)
            assert PAGE_SOURCE.match(sources[name]["source"]), sources[name]
            assert sources[name]["confirmed"] is True
        total += len(pillar["sub_pillars"])
    assert total == 35  # 14 of the seed page + 21 seen on the other pages
