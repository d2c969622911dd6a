"""Oracle for issue 18: `measuresearch import` reads every layout A-I of the DTI browse pages.

"Nothing is absorbed or dropped: every entry read is one record, or the run is refused with
file:line and writes nothing."

Written from the description of the page layouts (the facts of issue 18, summarised in the
docstrings below) and the public contract (API.md, "Added this round": `source`, `sources`,
`kind: indicator` with `values`/`status`, `--economy`, page scope), NOT from the importer's code.

Every page is built here, in code. Entries of the seed page (tests/data/dti_kazakhstan.txt,
layout A) keep their real text; every other title, description, coverage, label, number,
answer and address is a made-up placeholder (the word PLACEHOLDER, example.org addresses),
used only as test input in temporary folders and never written into corpus/.

Each test runs the real command, `python -m measuresearch.cli import PAGE.txt --out <tmp>`,
in a temporary corpus folder (with copies of corpus/taxonomy.yaml and corpus/groups.yaml),
and reads the YAML it writes with PyYAML. Ids are never pinned; records are found by their
documented keys (country, pillar, sub_pillar, titles, dates, description, coverage, kind,
values, status, sources, source).

Where the contract is silent, a small helper below says how it reads the answer
(`corpus_records`, `title_dates`, `event_years`, `last_imported`), so it is easy to adapt.
"""

import dataclasses
import datetime
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

ROOT = pathlib.Path(__file__).resolve().parents[2]
REPO_CORPUS = ROOT / "corpus"
SEED_PAGE = ROOT / "tests" / "data" / "dti_kazakhstan.txt"
DATA_FILES = ("taxonomy.yaml", "groups.yaml")

ECONOMY = "Kazakhstan"
ECONOMY_LINE = "KAZAKHSTAN"

# Pillar 1 and its two sub-pillars as the browse pages write them (corpus/taxonomy.yaml).
P_TARIFFS = "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods"
S_EFFECTIVE_RATE = "Effective tariff rate on ICT goods (applied weighted average)"
S_ITA = "Participation in the World Trade Organization (WTO) Information Technology Agreement (ITA)"

# (pillar, sub-pillar) pairs of corpus/taxonomy.yaml used by made-up measure entries.
MEASURE_PAIRS = [
    ("Cross-border data policies", "Conditional flow regime"),
    ("Domestic data policies", "Framework for data protection"),
    ("Telecom infrastructure & competition", "Passive infrastructure sharing obligation"),
    ("Foreign Direct Investment (FDI) in sectors relevant to digital trade", "Screening of investment and acquisitions"),
    ("Intellectual Property Rights (IPRs)", "Enforcement of copyright online"),
    ("Content access", "Restrictions on online advertising"),
    ("Public procurement of ICT goods and online services",
     "Other limitations on foreign participation in public procurement"),
]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

# Layout I: date clauses beyond the plain "Since <month year>" (made-up dates, real clause forms).
I_DATE_LINES = [
    "Since May 2016, as amended in 2018, enforcement from 2019",
    "Reported in 2018, last reported in 2023",
    "Since April 2010, last amended March 2021",
]


# --------------------------------------------------------------------------- page building

@dataclasses.dataclass
class Entry:
    """One entry of a browse page, as its layout writes it, and what its record must hold."""

    pillar: str
    sub_pillar: str
    titles: list = dataclasses.field(default_factory=list)
    dates: list = dataclasses.field(default_factory=list)
    description: str | None = None
    coverage: str | None = None
    layout: str = "A"
    economy_line: bool = True           # E: False below the page's one economy line
    classification: str = "one line"    # "one line" (A), "indicator" (B), "two lines" (C)
    blank_lines: bool = True            # C: no blank line anywhere
    titles_apart: bool = True           # A: titles separated by blank lines; D: not
    coverage_colon: bool = False        # G: "Coverage: <C>"
    sources: list = dataclasses.field(default_factory=list)  # F: "- <https address>" lines, then "- Show more..."
    status: str | None = None           # H: "ITA signatory? <answers>"
    values: list = dataclasses.field(default_factory=list)   # H: [(label, "1.53%"), ...]

    @property
    def kind(self):
        return "indicator" if self.values else "measure"

    def lines(self):
        gap = [""] if self.blank_lines else []
        out = [ECONOMY_LINE, *gap] if self.economy_line else []
        if self.kind == "indicator":
            # H, as read here: the status line (or an N/A date line) stands where a measure's date lines stand.
            head = [*self.dates, *([self.status] if self.status else [])]
            out += [*head, *gap] if head else []
        else:
            out += [*self.dates, *gap]
        if self.classification == "two lines":
            out += [f"Pillar {self.pillar}  |", f"Sub-pillar {self.sub_pillar}"]
        elif self.classification == "indicator":
            out.append(f"Pillar {self.pillar}  |  Indicator {self.sub_pillar}")
        else:
            out.append(f"Pillar {self.pillar}  |  Sub-pillar {self.sub_pillar}")
        if self.kind == "indicator":
            for label, number in self.values:
                out += [label, number]
        else:
            for i, title in enumerate(self.titles):
                if i and self.titles_apart and self.blank_lines:
                    out.append("")
                out.append(title)
            out.append(self.description)
        if self.coverage is not None:
            out.append(f"Coverage: {self.coverage}" if self.coverage_colon else f"Coverage {self.coverage}")
        if self.sources:
            out += [f"- {address}" for address in self.sources] + ["- Show more..."]
        return out


@dataclasses.dataclass
class Page:
    """A browse page built from entries: its text and the 1-based line span of each entry."""

    entries: list
    blank_lines: bool = True  # False: layout C's "no blank lines anywhere", between entries too

    def render(self):
        gap = [""] if self.blank_lines else []
        lines = ["Database", *gap, "Browse Database", *gap]
        spans = []
        for n, entry in enumerate(self.entries):
            if n:
                lines += gap
            start = len(lines) + 1
            lines += entry.lines()
            spans.append((start, len(lines)))
        lines += [*gap, "Report issue     Report new measure"]
        return "\n".join(lines) + "\n", spans

    def __repr__(self):
        return f"Page(layouts={[e.layout for e in self.entries]}, blank_lines={self.blank_lines})"

    def write(self, path):
        text, spans = self.render()
        path.write_text(text, encoding="utf-8")
        return spans


def made_up(layout, n, titles=1, **fields):
    """A made-up measure entry (PLACEHOLDER text; a real (pillar, sub-pillar) of the taxonomy)."""
    pillar, sub_pillar = MEASURE_PAIRS[n % len(MEASURE_PAIRS)]
    data = dict(
        pillar=pillar, sub_pillar=sub_pillar, layout=layout,
        titles=[f"PLACEHOLDER title {n}.{i} of a made-up layout {layout} entry" for i in range(1, titles + 1)],
        dates=[f"Since {MONTHS[(n + i) % 12]} {2001 + (3 * n + i) % 24}" for i in range(titles)],
        description=f"PLACEHOLDER description of made-up entry {n} (layout {layout}); not DTI text.",
        coverage=f"PLACEHOLDER coverage {n}",
    )
    data.update(fields)
    return Entry(**data)


def layout_entry(layout, n, titles=1):
    """A made-up entry of one layout (A-I, or "N/A" for a measure dated N/A, "H-N/A" for an indicator)."""
    if layout == "A":
        return made_up("A", n, titles)
    if layout == "B":
        return made_up("B", n, titles, classification="indicator")
    if layout == "C":
        return made_up("C", n, titles, classification="two lines", blank_lines=False, titles_apart=False)
    if layout == "D":
        return made_up("D", n, max(titles, 2), titles_apart=False)
    if layout == "E":
        return made_up("E", n, titles, economy_line=False)
    if layout == "F":
        return made_up("F", n, titles, sources=[f"https://example.org/placeholder/{n}/{i}" for i in range(1, 3)])
    if layout == "G":
        return made_up("G", n, titles, coverage_colon=True)
    if layout == "I":
        count = min(titles, len(I_DATE_LINES))
        return made_up("I", n, count, dates=[I_DATE_LINES[(n + i) % len(I_DATE_LINES)] for i in range(count)])
    if layout == "N/A":
        return made_up("N/A", n, 1, dates=["N/A"])
    if layout == "H":
        return indicator_with_status()
    if layout == "H-N/A":
        return indicator_dated_na()
    raise ValueError(layout)


def indicator_with_status():
    """Layout H: status line, classification, label/number% pairs, `Coverage: <C>` (made-up numbers)."""
    return Entry(pillar=P_TARIFFS, sub_pillar=S_EFFECTIVE_RATE, layout="H", status="ITA signatory? No",
                 values=[("Effective tariff rate (PLACEHOLDER label)", "1.53%"),
                         ("Coverage rate of zero tariffs (PLACEHOLDER label)", "62.40%")],
                 coverage="PLACEHOLDER indicator coverage", coverage_colon=True)


def indicator_dated_na():
    """Layout H with `N/A` as its date line (made-up label and number)."""
    return Entry(pillar=P_TARIFFS, sub_pillar=S_ITA, layout="H", dates=["N/A"],
                 values=[("Share of ICT goods covered (PLACEHOLDER label)", "0%")],
                 coverage="PLACEHOLDER indicator coverage N/A", coverage_colon=True)


# Real entries of the seed page (layout A), text copied from tests/data/dti_kazakhstan.txt.
def seed_de_minimis():
    return Entry(
        pillar="Online sales and transactions", sub_pillar="Threshold for ‘De Minimis’ rule",
        titles=["De minimis threshold"], dates=["Reported in 2021"],
        description="It is reported that the de minimis threshold, that is the minimum value of goods below which "
                    "customs do not charge duties, is USD 580.",
        coverage="Horizontal")


def seed_domain_names():
    return Entry(
        pillar="Online sales and transactions", sub_pillar="Restrictions on domain names",
        titles=["Law of the Republic of Kazakhstan No. 417-V dated November 24, 2015 “On Informatization” "
                "(“Informatization Law”)"],
        dates=["Since February 2021"],
        description="According to Art. 56 of the Law on Informatization requires that internet resources with "
                    "\".kz\" and \".қaz\" domains must be hosted on hardware and software complexes located in "
                    "Kazakhstan. In other words, an internet resource (website, web application, web service) using "
                    "a \".kz\" or \".қaz\" domain must be hosted on a server in a data center located in Kazakhstan. "
                    "The server must also be connected to a Kazakh internet provider and use a (dedicated or shared) "
                    "Kazakhstan IP address. It is reported that the owners of Internet resources were originally "
                    "required to start using Kazakhstan's data centers by November 2020, however, since the related "
                    "transition required additional costs and time, the deadline for meeting this requirement was "
                    "extended to February 2021.",
        coverage="Internet resources with .kz and .қaz domain")


def seed_online_payments():
    """The seed's entry without a Coverage line."""
    return Entry(
        pillar="Online sales and transactions", sub_pillar="Restrictions on online payments",
        titles=["Law No. 167-VІ SAM on Currency Regulation and Currency Control "
                "(Закон o валютном регулировании и валютном контроле)"],
        dates=["Since July 2018, entry into force in July 2019, last amended in January 2020"],
        description="According to Art. 7 of Law No. 167-VІ SAM on Monetary Regulation and Foreign Exchange Control "
                    "(which repealed Law No. 57 of 2005 on Monetary Regulation in July 2018), the use of a local bank "
                    "is mandatory for settlements in foreign currency between residents of the KR and non-residents. "
                    "Exceptions are settlements made from a foreign bank account of a non-resident, carried out on "
                    "account of the performance of obligations of a resident (e.g. when a foreign parent company pays "
                    "its local branch in the KR) and settlements with non-residents made from the resident's account "
                    "in a foreign bank. Also, settlements between residents of the KR (including local branches of "
                    "foreign non-financial legal entities considered residents) must be made in local currency.",
        coverage=None)


def seed_licensing():
    """The seed's entry with three titles (blank lines between them) and three date lines."""
    return Entry(
        pillar="Online sales and transactions", sub_pillar="Licensing scheme for e-commerce providers",
        titles=["Law On the regulation of trading activities No. 544",
                "Order On approval of the rules of domestic trade No. 264",
                "Order On approval of the notification templates and the rules for submission of notifications by "
                "state authorities No. 4"],
        dates=["Since April 2004, last amended in December 2022",
               "Since March 2015, as amended in July 2019, last amended September 2022",
               "Since January 2015, last amended in October 2022"],
        description="In accordance with subparagraph 4-1 of Art. 7 of Law No. 544, the Minister of National Economy "
                    "of Kazakhstan ordered the approval of the Rules of Domestic Trade (Order No. 264). Arts. 105-1 "
                    "and 106-1 of the Rules mandate e-commerce sellers to indicate their BIN (business identification "
                    "number), address of business operations on the territory of Kazakhstan and mobile telephone "
                    "number registered in Kazakhstan in order to operate in the country. Additional information on "
                    "this requirement is found in Annex 3-10 of Order No. 4.",
        coverage="E-commerce sellers")


def seed_shutdowns():
    """The seed's two entries with the same sub-pillar and title: two records."""
    return [
        Entry(pillar="Content access", sub_pillar="Presence of Internet shutdowns",
              titles=["Presence of Internet shutdowns"], dates=["Reported in 2022"],
              description="The indicator \"6.2.4 - Government Internet shut down in practice\" of the V-Dem Dataset, "
                          "which measures whether the government has the technical capacity to actively make "
                          "internet service cease, thus interrupting domestic access to the internet or whether the "
                          "government has decided to do so, has a score of 3 in Kazakhstan. This corresponds to "
                          "\"Rarely but there have been a few occasions throughout the year when the government shut "
                          "down domestic access to Internet.\"",
              coverage="Horizontal"),
        Entry(pillar="Content access", sub_pillar="Presence of Internet shutdowns",
              titles=["Presence of Internet shutdowns"], dates=["Reported in 2019, last reported in 2022"],
              description="It is reported that the presidential elections in June 2019 and the parliamentary "
                          "elections in January 2021 were both accompanied by disruption of internet connectivity. "
                          "In addition, it is reported that there has been an internet shutdown at the beginning of "
                          "January 2022 in the context of some protests. For over five days, except for short breaks "
                          "of a few hours, people could not access websites, applications, or messenger apps. It is "
                          "reported that the week-long internet blackout costed the economy more than USD 400 "
                          "million.",
              coverage="Horizontal"),
    ]


def seed_safe_harbour_na():
    """The seed's entry dated `N/A`."""
    return Entry(
        pillar="Intermediary liability", sub_pillar="Safe harbour for intermediaries for copyright infringement",
        titles=["Lack of intermediary liability framework in place for copyright infringements"], dates=["N/A"],
        description="A basic legal framework on intermediary liability for copyright infringement is absent in "
                    "Kazakhstan's law and jurisprudence. However, the Agreement on Enhanced Partnership between the "
                    "EU and the Republic of Kazakhstan signed in March 2016 provides a safe harbour to European "
                    "companies under several conditions. According to the agreement, an information intermediary is "
                    "not liable, for example, if it does not initiate the transfer, if the end-user always takes the "
                    "initiative, if it does not choose the recipient of the transfer if it does not choose or change "
                    "the information contained in the transfer if it complies with the conditions of access to "
                    "information, observes rules for updating information, does not interfere with the lawful use of "
                    "generally recognized technologies, immediately deletes information or stops access to it, after "
                    "receiving a notice.",
        coverage="Internet intermediaries")


# --------------------------------------------------------------------------- running and reading

def new_corpus(folder):
    """A temporary corpus folder holding copies of the repository's taxonomy.yaml and groups.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        shutil.copy(REPO_CORPUS / name, folder / name)
    return folder


def run_import(out, *pages, args=()):
    """Run `python -m measuresearch.cli import PAGE ... --out OUT [args]`; return the CompletedProcess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.pop("MEASURESEARCH_CORPUS", None)
    command = [sys.executable, "-m", "measuresearch.cli", "import", *map(str, pages), "--out", str(out), *args]
    return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", env=env, cwd=out.parent,
                          timeout=300)


def ok(result):
    assert result.returncode == 0, f"import failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def corpus_records(out):
    """Every record of the corpus YAML files in `out` (not taxonomy/groups, not `removed:` tombstones).

    The contract says records live in corpus/<economy>.yaml; today they are the list `measures:`.
    Where indicators are kept is not written down: a separate list `indicators:` is read too.
    """
    records = []
    for path in sorted(out.glob("*.yaml")):
        if path.name in DATA_FILES:
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("measures", "indicators"):
            for record in document.get(key) or []:
                records.append(dict(record, _file=path.name))
    return records


def kind_of(record):
    return record.get("kind") or "measure"


def title_dates(record):
    """[(title, its date line)] of a record.

    The contract does not say how a title's own date is exposed. Read here as: `dates[n]`
    dates `titles[n]` (the page's order, layout D's "the first date line dates the first
    title"). Adapt this helper if the record gets an explicit per-title field.
    """
    titles, dates = record.get("titles") or [], record.get("dates") or []
    assert len(titles) == len(dates), f"{len(titles)} titles but {len(dates)} date lines: {titles} / {dates}"
    return list(zip(titles, dates))


def years_in(line):
    return [int(y) for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", line)]


def event_years(record):
    """The years of a record's parsed date events.

    The contract documents `events` ({kind, year, month}) on search hits; the corpus record
    carries the same list today (`events:`).
    """
    return {event["year"] for event in record.get("events") or []}


def last_imported(record):
    """`last_imported`: the contract names it beside `source` without saying where; read either place."""
    return record.get("last_imported") or (record.get("source") or {}).get("last_imported")


READ_REPORT = re.compile(r"read (\d+) entr(?:y|ies): (\d+) measures?, (\d+) indicators?")


def read_reports(result):
    """[(line, entries, measures, indicators)] of the report lines `read N entries: N measures, N indicators`."""
    found = []
    for line in (result.stdout + "\n" + result.stderr).splitlines():
        match = READ_REPORT.search(line)
        if match:
            found.append((line, *map(int, match.groups())))
    return found


def missing_counts(result):
    return [int(n) for n in re.findall(r"(\d+) missing from the page", result.stdout + result.stderr)]


def snapshot(out):
    """Every file under `out` with its bytes (the import lock file aside: taking the lock is not a write)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".import.lock"}


def describe(records):
    return "\n".join(f"  [{kind_of(r)}] {r.get('sub_pillar')!r} titles={r.get('titles')} "
                     f"description={str(r.get('description'))[:60]!r}" for r in records)


def record_for(records, entry):
    """The one record read from `entry`: by description (measures) or by sub-pillar and labels (indicators)."""
    if entry.kind == "indicator":
        labels = [label for label, _ in entry.values]
        found = [r for r in records if kind_of(r) == "indicator" and r.get("sub_pillar") == entry.sub_pillar
                 and [v.get("label") for v in r.get("values") or []] == labels]
    else:
        found = [r for r in records if kind_of(r) == "measure" and r.get("description") == entry.description]
    assert len(found) == 1, (f"{len(found)} records for the layout {entry.layout} entry "
                             f"{entry.titles or entry.values}:\n{describe(records)}")
    return found[0]


def number(text):
    return float(text.rstrip("%"))


def check_record(record, entry, economy=ECONOMY):
    """Assert that the record holds exactly what the entry says, nothing absorbed from its neighbours."""
    where = f"layout {entry.layout} entry {entry.titles or entry.values}"
    assert record.get("country") == economy, where
    assert record.get("pillar") == entry.pillar, where
    assert record.get("sub_pillar") == entry.sub_pillar, where
    assert record.get("coverage") == entry.coverage, where
    if entry.kind == "indicator":
        assert kind_of(record) == "indicator", where
        values = record.get("values") or []
        assert [v.get("label") for v in values] == [label for label, _ in entry.values], where
        for value, (label, text) in zip(values, entry.values):
            assert isinstance(value.get("value"), (int, float)) and not isinstance(value.get("value"), bool), value
            assert value["value"] == pytest.approx(number(text)), (label, value)
            assert value.get("unit") == "%", value
        if entry.status:
            assert record.get("status") == entry.status, where
        else:
            assert not record.get("status"), where
        if entry.dates:
            assert record.get("dates") == entry.dates, where
        for title in record.get("titles") or []:
            assert ECONOMY_LINE not in title and "ITA signatory" not in title, (where, title)
        assert entry.status is None or entry.status not in (record.get("dates") or []), where
        return
    assert kind_of(record) == "measure", where
    assert record.get("titles") == entry.titles, where
    assert record.get("description") == entry.description, where
    assert record.get("dates") == entry.dates, where
    assert title_dates(record) == list(zip(entry.titles, entry.dates)), where
    assert (record.get("sources") or []) == entry.sources, where
    lines = entry.dates
    if lines == ["N/A"]:
        assert record.get("year") is None and event_years(record) == set(), where
    else:
        mentioned = [y for line in lines for y in years_in(line)]
        assert event_years(record) == set(mentioned), (where, record.get("events"))
        assert record.get("year") == mentioned[0], where


def import_page(tmp_path, page, name="page.txt", args=(), out=None):
    """Write the page, import it into a new (or the given) corpus folder; return (out, result, spans)."""
    out = out or new_corpus(tmp_path / "corpus")
    path = tmp_path / name
    spans = page.write(path)
    return out, run_import(out, path, args=args), spans


def assert_page_read(tmp_path, page, name="page.txt", args=(), economy=ECONOMY):
    """Import the page and check: one record per entry, each exactly its entry; return (out, records, result)."""
    out, result, _ = import_page(tmp_path, page, name, args)
    ok(result)
    records = corpus_records(out)
    assert len(records) == len(page.entries), \
        f"{len(page.entries)} entries on the page, {len(records)} records:\n{describe(records)}"
    for entry in page.entries:
        check_record(record_for(records, entry), entry, economy)
    return out, records, result


def assert_refused(result, page_name, span, before, out):
    """Non-zero exit, a `file:line` inside the offending entry, no traceback, nothing written."""
    assert result.returncode != 0, f"accepted:\n{result.stdout}"
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [int(n) for n in re.findall(rf"{re.escape(page_name)}:(\d+)", result.stderr)]
    assert lines, f"no {page_name}:LINE in stderr:\n{result.stderr}"
    if span is not None:
        assert any(span[0] <= n <= span[1] for n in lines), (span, lines, result.stderr)
    assert snapshot(out) == before, "the refused run changed the corpus folder"


# --------------------------------------------------------------------------- one layout at a time

def test_layout_A_the_seed_entries_keep_their_titles_dates_description_and_coverage(tmp_path):
    page = Page([seed_de_minimis(), seed_licensing(), seed_online_payments(), *seed_shutdowns(),
                 seed_safe_harbour_na(), seed_domain_names()])
    assert_page_read(tmp_path, page)


def test_layout_A_the_whole_seed_page_is_fifteen_records_of_nineteen_titles(tmp_path):
    out = new_corpus(tmp_path / "corpus")
    ok(run_import(out, SEED_PAGE))
    records = corpus_records(out)
    assert len(records) == 15, describe(records)
    # titles per entry, counted by hand on the page: 1,1,1,3,1,1,1,2,1,1,1,1,1,2,1
    assert sorted(len(r["titles"]) for r in records) == sorted([1] * 12 + [2, 2, 3])
    seed = SEED_PAGE.read_text(encoding="utf-8")
    for record in records:
        assert all(title in seed.splitlines() for title in record["titles"]), record["titles"]
        assert record["description"] in seed.splitlines(), record["titles"]


def test_layout_B_indicator_in_place_of_sub_pillar(tmp_path):
    assert_page_read(tmp_path, Page([layout_entry("B", 0), layout_entry("B", 1, titles=2), layout_entry("A", 2)]))


def test_layout_C_classification_on_two_lines_and_no_blank_lines_anywhere(tmp_path):
    page = Page([layout_entry("C", 0), layout_entry("C", 1, titles=2), layout_entry("C", 2)], blank_lines=False)
    assert "\n\n" not in page.render()[0]
    assert_page_read(tmp_path, page)


def test_layout_D_titles_without_blank_lines_each_dated_by_its_own_date_line(tmp_path):
    entries = [layout_entry("D", 0, titles=2), layout_entry("D", 1, titles=3), layout_entry("A", 2)]
    _, records, _ = assert_page_read(tmp_path, Page(entries))
    three = record_for(records, entries[1])
    assert title_dates(three) == list(zip(entries[1].titles, entries[1].dates))
    for line in entries[1].dates:
        assert set(years_in(line)) <= event_years(three)


def test_layout_E_entries_under_one_economy_line_belong_to_it(tmp_path):
    entries = [layout_entry("A", 0), layout_entry("E", 1), layout_entry("E", 2, titles=2), layout_entry("E", 3)]
    _, records, _ = assert_page_read(tmp_path, Page(entries))
    assert {r["country"] for r in records} == {ECONOMY}
    assert ECONOMY_LINE not in str([r.get("description") for r in records] + [r.get("titles") for r in records])


@pytest.mark.parametrize("spelling", [ECONOMY, "kazakhstan", "KZ", "kz", "Казахстан", "Қазақстан"])
def test_layout_E_a_page_without_economy_line_takes_the_economy_option(tmp_path, spelling):
    # by any name the filters take (API.md: its ISO code, CLDR's Russian and Kazakh names)
    entries = [layout_entry("E", 0), layout_entry("E", 1, titles=2), layout_entry("E", 2)]
    _, records, _ = assert_page_read(tmp_path, Page(entries), args=("--economy", spelling))
    assert {r["country"] for r in records} == {ECONOMY}


def test_layout_E_a_page_without_economy_line_and_no_option_is_refused_and_writes_nothing(tmp_path):
    out = new_corpus(tmp_path / "corpus")
    before = snapshot(out)
    page = Page([layout_entry("E", 0), layout_entry("E", 1)])
    out, result, spans = import_page(tmp_path, page, out=out)
    assert_refused(result, "page.txt", None, before, out)
    assert "--economy" in result.stderr, "the message should name the option that fixes it"
    assert sorted(p.name for p in out.glob("*.yaml")) == sorted(DATA_FILES)


def test_layout_F_sources_are_listed_and_show_more_is_not_one(tmp_path):
    entries = [layout_entry("F", 0), layout_entry("A", 1), layout_entry("F", 2, titles=2), layout_entry("A", 3)]
    entries[2].sources = [f"https://example.org/placeholder/only-{i}" for i in range(3)]
    _, records, _ = assert_page_read(tmp_path, Page(entries))
    for record in records:
        for text in [*(record.get("sources") or []), *(record.get("titles") or []), record.get("description") or "",
                     record.get("coverage") or ""]:
            assert "Show more" not in text, record
        for address in record.get("sources") or []:
            assert re.fullmatch(r"https?://\S+", address), address


def shown_in(layout, entry):
    """The same entry as another layout writes it: no sources unless F (the flags of layout_entry's)."""
    look = layout_entry(layout, 0, titles=len(entry.titles))
    return dataclasses.replace(entry, layout=layout, sources=[] if layout != "F" else entry.sources,
                               classification=look.classification, blank_lines=look.blank_lines,
                               titles_apart=look.titles_apart, coverage_colon=look.coverage_colon,
                               economy_line=look.economy_line)


@pytest.mark.parametrize("layout", ["A", "B", "C", "D", "E", "G"])
def test_a_page_that_shows_fewer_sources_than_before_drops_none(tmp_path, layout):
    # F lists an entry's first sources ("- Show more..." hides the rest); other layouts list none.
    # Neither says that a source stopped being one: an import adds the page's sources, never drops one.
    listed = [layout_entry("F", n, titles=2) for n in range(3)]
    out, first, _ = assert_page_read(tmp_path, Page(listed))
    again = [shown_in(layout, entry) for entry in listed]
    again[0].economy_line = True  # E: the page names its economy once, above its first entry
    _, result, _ = import_page(tmp_path, Page(again), name="again.txt", out=out)
    assert ok(result).stdout.splitlines()[-1].endswith("0 added, 0 changed, 3 unchanged, 0 missing from the page")
    records = corpus_records(out)
    for entry in listed:
        assert record_for(records, entry)["sources"] == entry.sources

    # the page lists the first source and a new one: the new one is added after those kept
    grown = dataclasses.replace(listed[1], sources=[listed[1].sources[0], "https://example.org/placeholder/new"])
    _, result, _ = import_page(tmp_path, Page([listed[0], grown, listed[2]]), name="grown.txt", out=out)
    assert ", 1 changed, 2 unchanged" in ok(result).stdout
    records = corpus_records(out)
    assert record_for(records, grown)["sources"] == [*listed[1].sources, "https://example.org/placeholder/new"]
    assert record_for(records, listed[0])["sources"] == listed[0].sources


def test_layout_G_coverage_with_and_without_colon(tmp_path):
    entries = [layout_entry("G", 0), layout_entry("A", 1), layout_entry("G", 2, titles=2)]
    _, records, _ = assert_page_read(tmp_path, Page(entries))
    assert not any((r.get("coverage") or "").startswith((":", " ")) for r in records)


def test_layout_H_numeric_indicators_are_records_of_their_own_never_absorbed(tmp_path):
    above, below = seed_de_minimis(), layout_entry("A", 5)
    entries = [above, indicator_with_status(), indicator_dated_na(), below]
    _, records, result = assert_page_read(tmp_path, Page(entries))
    measure = record_for(records, above)
    assert not any(ECONOMY_LINE in t or "ITA signatory" in t for t in measure["titles"])
    assert "1.53%" not in measure["description"] and "ITA signatory" not in measure["description"]
    assert measure.get("coverage") == "Horizontal"
    after = record_for(records, below)
    assert not any("PLACEHOLDER label" in t or "%" in t for t in after["titles"])
    assert [kind_of(r) for r in records].count("indicator") == 2
    rate = record_for(records, indicator_with_status())
    assert [(v["label"], v["value"], v["unit"]) for v in rate["values"]] == [
        ("Effective tariff rate (PLACEHOLDER label)", pytest.approx(1.53), "%"),
        ("Coverage rate of zero tariffs (PLACEHOLDER label)", pytest.approx(62.4), "%")]
    assert rate["status"] == "ITA signatory? No"


def test_the_N_A_date_line_of_a_measure_and_of_an_indicator(tmp_path):
    entries = [seed_safe_harbour_na(), layout_entry("N/A", 1), indicator_dated_na()]
    _, records, _ = assert_page_read(tmp_path, Page(entries))
    for record in records:
        assert record.get("dates") == ["N/A"]
        assert event_years(record) == set()


def test_layout_I_date_clauses_enforcement_from_last_reported_last_amended_without_in(tmp_path):
    entries = [made_up("I", n, 1, dates=[line]) for n, line in enumerate(I_DATE_LINES)]
    entries.append(made_up("I", 9, 3, dates=list(I_DATE_LINES)))
    _, records, _ = assert_page_read(tmp_path, Page(entries))
    enforced = record_for(records, entries[0])
    assert event_years(enforced) == {2016, 2018, 2019}
    assert enforced.get("year") == 2016


# --------------------------------------------------------------------------- all layouts together, and the report

def mixed_entries():
    """One page with every layout: A (seed text), B, C, D, E, F, G, H (status, N/A), I, an N/A measure."""
    return [
        seed_licensing(),
        layout_entry("E", 1, titles=2),
        layout_entry("B", 2),
        layout_entry("C", 3, titles=2),
        seed_online_payments(),               # no coverage, followed by an entry with an economy line
        layout_entry("D", 5, titles=3),
        indicator_with_status(),
        layout_entry("F", 7, titles=2),
        layout_entry("G", 8),
        indicator_dated_na(),
        layout_entry("I", 10, titles=3),
        layout_entry("E", 11),
        seed_safe_harbour_na(),
        *seed_shutdowns(),
        layout_entry("N/A", 15),
    ]


def test_a_page_mixing_every_layout_is_one_record_per_entry(tmp_path):
    entries = mixed_entries()
    assert {e.layout for e in entries} >= set("ABCDEFGHI")
    assert_page_read(tmp_path, Page(entries))


def test_the_report_says_per_file_entries_measures_and_indicators_as_the_yaml_has_them(tmp_path):
    out = new_corpus(tmp_path / "corpus")
    # entries of the second file are not on the first (an indicator entry appears once an economy)
    first, second = Page(mixed_entries()), Page([layout_entry("A", 20), layout_entry("G", 21, titles=2)])
    first.write(tmp_path / "mixed.txt")
    second.write(tmp_path / "short.txt")
    result = ok(run_import(out, tmp_path / "mixed.txt", tmp_path / "short.txt"))
    reports = read_reports(result)
    assert len(reports) == 2, f"expected one 'read N entries: ...' line per file:\n{result.stdout}"
    for name, page in (("mixed.txt", first), ("short.txt", second)):
        lines = [r for r in reports if name in r[0]]
        assert len(lines) == 1, (name, reports)
        _, entries, measures, indicators = lines[0]
        kinds = [e.kind for e in page.entries]
        assert (entries, measures, indicators) == (len(kinds), kinds.count("measure"), kinds.count("indicator"))
    records = corpus_records(out)
    kinds = [kind_of(r) for r in records]
    assert (len(records), kinds.count("measure"), kinds.count("indicator")) == (
        sum(r[1] for r in reports), sum(r[2] for r in reports), sum(r[3] for r in reports))


# --------------------------------------------------------------------------- malformed entries are refused

def unpaired_titles():
    """Three titles (blank lines between them) under two date lines: the titles cannot be paired with dates."""
    return made_up("A", 30, 3, dates=["Since May 2001", "Since June 2002"])


def unknown_sub_pillar():
    return made_up("A", 31, 1, pillar="Content access", sub_pillar="Presence of Internet shutdown")


def unknown_sub_pillar_on_two_lines():
    return made_up("C", 32, 1, pillar="Content access", sub_pillar="PLACEHOLDER sub-pillar not in the taxonomy",
                   classification="two lines", blank_lines=False, titles_apart=False)


def titles_without_blank_lines_one_date_line_short():
    """Layout D, three titles under two date lines: the third title would read as the description's first line."""
    return made_up("D", 33, 3, titles_apart=False, dates=["Since May 2001", "Since June 2002"])


def layout_C_one_date_line_short():
    """Layout C (no blank line anywhere), two titles under one date line."""
    return made_up("C", 34, 2, classification="two lines", blank_lines=False, titles_apart=False,
                   dates=["Since July 2003"])


@pytest.mark.parametrize("malformed", [unpaired_titles, unknown_sub_pillar, unknown_sub_pillar_on_two_lines,
                                       titles_without_blank_lines_one_date_line_short, layout_C_one_date_line_short])
def test_a_malformed_entry_refuses_the_run_with_file_line_and_leaves_the_corpus_byte_identical(tmp_path, malformed):
    out = new_corpus(tmp_path / "corpus")
    Page([seed_de_minimis(), layout_entry("A", 1)]).write(tmp_path / "good.txt")
    ok(run_import(out, tmp_path / "good.txt"))
    before = snapshot(out)
    assert any(name.endswith(".yaml") and name not in DATA_FILES for name in before)
    page = Page([layout_entry("A", 2), malformed(), layout_entry("G", 4)])
    _, result, spans = import_page(tmp_path, page, name="bad.txt", out=out)
    assert_refused(result, "bad.txt", spans[1], before, out)


# --------------------------------------------------------------------------- page scope and source

def test_page_scope_another_pages_records_are_not_missing_and_prune_keeps_them(tmp_path):
    out = new_corpus(tmp_path / "corpus")
    shutdowns = seed_shutdowns()
    Page(shutdowns).write(tmp_path / "page69-shutdowns.txt")
    Page([seed_de_minimis(), seed_domain_names()]).write(tmp_path / "page69-online-sales.txt")
    ok(run_import(out, tmp_path / "page69-shutdowns.txt"))

    second = ok(run_import(out, tmp_path / "page69-online-sales.txt"))
    assert missing_counts(second) == [0], second.stdout
    ok(run_import(out, tmp_path / "page69-online-sales.txt", args=("--prune",)))
    records = corpus_records(out)
    assert len(records) == 4, describe(records)
    for entry in [*shutdowns, seed_de_minimis(), seed_domain_names()]:
        check_record(record_for(records, entry), entry)

    # the scope still holds what the page of that (economy, sub-pillar) no longer lists
    Page(shutdowns[:1]).write(tmp_path / "page69-shutdowns.txt")
    third = ok(run_import(out, tmp_path / "page69-shutdowns.txt", args=("--prune",)))
    assert missing_counts(third) == [1], third.stdout
    records = corpus_records(out)
    assert len(records) == 3, describe(records)
    assert [r for r in records if r.get("description") == shutdowns[1].description] == []
    for entry in [shutdowns[0], seed_de_minimis(), seed_domain_names()]:
        check_record(record_for(records, entry), entry)


def test_records_carry_their_source_set_once_and_kept(tmp_path):
    out = new_corpus(tmp_path / "corpus")
    entries = [seed_de_minimis(), seed_domain_names(), layout_entry("A", 1)]
    Page(entries).write(tmp_path / "page93.txt")
    ok(run_import(out, tmp_path / "page93.txt"))
    today = {datetime.date.today().isoformat(), datetime.datetime.now(datetime.timezone.utc).date().isoformat()}
    first = corpus_records(out)
    assert len(first) == 3
    for record in first:
        source = record.get("source")
        assert isinstance(source, dict), record
        assert source.get("kind") == "dti_page"
        assert pathlib.PurePath(str(source.get("name"))).name == "page93.txt"
        assert "url" in source and (source["url"] is None or re.match(r"https?://", source["url"]))
        assert str(source.get("first_imported")) in today
        assert str(last_imported(record)) in today

    # the same entries again, from a file of another name: the source stays the first one
    Page(entries).write(tmp_path / "page93-again.txt")
    ok(run_import(out, tmp_path / "page93-again.txt"))
    again = corpus_records(out)
    assert len(again) == 3
    for entry in entries:
        assert record_for(again, entry)["source"] == record_for(first, entry)["source"]


# --------------------------------------------------------------------------- any mix of layouts

LAYOUTS = ["A", "B", "C", "D", "E", "F", "G", "I", "N/A", "H", "H-N/A"]
# how a description may begin like another line of a page (a date line, a coverage, a classification);
# made-up sentences, as every description of these tests
LOOKALIKE_STARTS = ["Since July 2018 the PLACEHOLDER rule applies to every seller.",
                    "Since then, PLACEHOLDER sellers register with the ministry",
                    "Reported in 2019 that PLACEHOLDER operators filter content.",
                    "Coverage of this PLACEHOLDER law extends to all means of communication.",
                    "Pillar of the PLACEHOLDER regime: equipment is certified."]


@pytest.mark.parametrize("start", LOOKALIKE_STARTS)
@pytest.mark.parametrize("layout", ["A", "C", "D", "E", "F", "G"])
@pytest.mark.parametrize("covered", [True, False], ids=["coverage", "no-coverage"])
def test_a_description_that_begins_like_another_line_is_the_description(tmp_path, start, layout, covered):
    # layout E above all: no economy line stands between an entry's description and the next entry's dates
    entries = [layout_entry(layout, n) for n in range(3)]
    entries[1].description = start
    if not covered:
        entries[1].coverage = None
    entries[0].economy_line = True
    assert_page_read(tmp_path, Page(entries))


@st.composite
def pages(draw):
    layouts = draw(st.lists(st.sampled_from(LAYOUTS), min_size=1, max_size=8))
    # an economy has one value per numeric indicator: each indicator entry at most once a page
    layouts = [layout for n, layout in enumerate(layouts) if not layout.startswith("H") or layout not in layouts[:n]]
    entries = []
    for n, layout in enumerate(layouts):
        entry = layout_entry(layout, n, titles=draw(st.integers(1, 3)))
        if entry.kind == "measure" and layout in "ABDE" and draw(st.booleans()):
            entry.coverage = None
        if entry.kind == "measure" and draw(st.integers(0, 3)) == 0:
            entry.description = draw(st.sampled_from(LOOKALIKE_STARTS)).replace("PLACEHOLDER", f"PLACEHOLDER {n}")
        entries.append(entry)
    entries[0].economy_line = True  # E: the page names the economy above its first entry
    return Page(entries)


@settings(max_examples=20, deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow])
@given(page=pages())
def test_any_mix_of_layouts_is_one_record_per_entry(page):
    with tempfile.TemporaryDirectory() as folder:
        folder = pathlib.Path(folder)
        out = new_corpus(folder / "corpus")
        page.write(folder / "page.txt")
        note(page.render()[0])
        result = ok(run_import(out, folder / "page.txt"))
        records = corpus_records(out)
        kinds = [e.kind for e in page.entries]
        assert len(records) == len(page.entries), f"{[e.layout for e in page.entries]}:\n{describe(records)}"
        assert [kind_of(r) for r in records].count("indicator") == kinds.count("indicator")
        for entry in page.entries:
            check_record(record_for(records, entry), entry)
        assert [r[1:] for r in read_reports(result)] == [
            (len(kinds), kinds.count("measure"), kinds.count("indicator"))]


# --------------------------------------------------------------------------- the pages' other spellings

# Spellings of pillar and sub-pillar names that DTI pages use beside the taxonomy's (corpus/taxonomy.yaml's
# `aliases`, each with the page it was seen on): (pillar as written, sub-pillar as written, pillar, sub-pillar).
PAGE_SPELLINGS = [
    ("Domestic Data policies", "Framework for data protection",
     "Domestic data policies", "Framework for data protection"),
    ("Quantitative trade restrictions for ICT goods, products and online services",
     "Export restrictions on ICT goods, products and online services",
     "Quantitative trade restrictions for ICT goods and online services",
     "Export restrictions on ICT goods or online services"),
]


@pytest.mark.parametrize("written_pillar, written_sub, pillar, sub_pillar", PAGE_SPELLINGS)
def test_a_page_spelling_of_a_pillar_or_sub_pillar_is_read_as_the_taxonomy_name(
        tmp_path, written_pillar, written_sub, pillar, sub_pillar):
    """Real pages 52 and 53 write these names so: the record holds the taxonomy's name, and its id is the one the
    same entry gets under that name (a page in either spelling is one measure)."""
    written = made_up("A", 1, pillar=written_pillar, sub_pillar=written_sub)
    out, result, _ = import_page(tmp_path / "written", Page([written]))
    ok(result)
    [record] = corpus_records(out)
    assert (record["pillar"], record["sub_pillar"]) == (pillar, sub_pillar)
    canonical_out, canonical_result, _ = import_page(tmp_path / "canonical",
                                                     Page([made_up("A", 1, pillar=pillar, sub_pillar=sub_pillar)]))
    ok(canonical_result)
    assert [r["id"] for r in corpus_records(canonical_out)] == [record["id"]]


def _line_of(path, needle):
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize("field", ["description", "coverage"])
def test_a_bad_description_or_coverage_is_named_at_its_own_line(tmp_path, field):
    """A refused character in a description (or coverage) is reported at that line, not at the entry's top."""
    entry = made_up("F", 1, sources=["https://example.org/placeholder/1"])
    setattr(entry, field, getattr(entry, field) + " bad\x1bbyte")
    out = new_corpus(tmp_path / "corpus")
    before = snapshot(out)
    out, result, _ = import_page(tmp_path, Page([entry]), out=out)
    line = _line_of(tmp_path / "page.txt", "bad\x1bbyte")
    assert_refused(result, "page.txt", (line, line), before, out)


@pytest.mark.parametrize("value", ["1,234", "12 345", "n/a"])
def test_an_indicator_value_that_is_no_number_is_named_as_such_at_its_line(tmp_path, value):
    entry = indicator_with_status()
    entry.values = [(entry.values[0][0], value)]
    out = new_corpus(tmp_path / "corpus")
    before = snapshot(out)
    out, result, _ = import_page(tmp_path, Page([entry]), out=out)
    line = _line_of(tmp_path / "page.txt", value)
    assert_refused(result, "page.txt", (line, line), before, out)
    assert "expected a number" in result.stderr and "date line" not in result.stderr.split("expected a number")[0]
