"""Synthetic, DTI-shaped measures for benchmarks and scale tests.

Deterministic from a seed; every measure is marked `synthetic: true` and the
generator never writes into corpus/. Shape follows the real pages: economies,
pillars and sub-pillars of corpus/taxonomy.yaml (so synthetic corpora pass the
same checks as real ones), 1-3 titles (a share in Russian or Kazakh, most
with law numbers), English descriptions of 40-400 words whose vocabulary
follows a Zipf law, and date lines in all the forms the DTI uses.
"""

import bisect
import itertools
import random

from measuresearch.domain import taxonomy as taxonomy_module
from measuresearch.domain.model import MONTHS, Measure, events_of, first_year, measure_id

# Common words of the domain; the long tail is made of generated words.
HEAD = ("the of and to in a is that for on by with as are be or law which it this from data services must "
        "government internet information online digital trade goods measures foreign providers companies "
        "requirements regulation access authority market content personal security network licence license "
        "telecommunications ministry national public domestic import export customs duties procurement "
        "investment platforms websites users consumers transfer storage servers localisation localization "
        "e-commerce payments banks currency encryption equipment software hardware certification standards "
        "blocking shutdown shutdowns copyright intermediaries liability advertising operators spectrum "
        "competition tax tariffs processing consent breach notification approval registration order decree "
        "code amendments article provisions entities residents non-residents obliged prohibited restricted").split()
SYLLABLES = ("ka ro mi tan ver lo sen dar pel qu or in ex tra com pro de re fi na li za ti on al ic us an "
             "ber vol gra mer sta ple cor vin tur dis sub per").split()
RU_TOPICS = ("информатизации", "связи", "персональных данных и их защите", "электронной торговле",
             "валютном регулировании и валютном контроле", "регулировании торговой деятельности",
             "электронном документе и электронной цифровой подписи", "средствах массовой информации",
             "рекламе", "защите прав потребителей", "национальной безопасности", "доступе к информации")
KK_TOPICS = ("Ақпараттандыру туралы", "Байланыс туралы", "Дербес деректер және оларды қорғау туралы",
             "Электрондық құжат және электрондық цифрлық қолтаңба туралы", "Сауда қызметін реттеу туралы")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
EN_KINDS = ("Law", "Order", "Decree", "Resolution", "Regulation", "Code", "Decision")


def _tail_word(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


class Generator:
    """Deterministic source of synthetic measures and of queries drawn from them."""

    def __init__(self, seed=7, tail=30_000, zipf=1.07, taxonomy=None, countries=146):
        self.rng = random.Random(seed)
        rng = random.Random(seed + 1)
        tail_words = list(dict.fromkeys(_tail_word(rng) for _ in range(tail)))
        self.vocabulary = list(HEAD) + [w for w in tail_words if w not in HEAD]
        weights = [1 / (rank ** zipf) for rank in range(1, len(self.vocabulary) + 1)]
        self.cumulative = list(itertools.accumulate(weights))
        # Names from the taxonomy, so that synthetic corpora pass the checks real ones do.
        names = taxonomy or taxonomy_module.load()
        self.countries = list(names.economy_names[:countries])
        self.pairs = names.pairs()

    def words(self, n):
        """Return n words drawn from the Zipf vocabulary."""
        total = self.cumulative[-1]
        return [self.vocabulary[bisect.bisect(self.cumulative, self.rng.random() * total)] for _ in range(n)]

    def law_number(self):
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            return f"{rng.randint(1, 999)}-{rng.choice(ROMAN)}"
        if kind < 0.7:
            return f"{rng.randint(1, 300)}/{rng.choice(('НК', 'ҚР', 'НҚ', 'ЗРК'))}"
        return str(rng.randint(1, 2000))

    def title(self, country):
        rng = self.rng
        roll = rng.random()
        number = self.law_number()
        if roll < 0.12:
            return f"Закон Республики «О {rng.choice(RU_TOPICS)}» № {number}"
        if roll < 0.18:
            return f"{rng.choice(KK_TOPICS)} Заң № {number}"
        if roll < 0.25:
            return f"Law No. {number} on {' '.join(self.words(3)).capitalize()} ({rng.choice(RU_TOPICS)})"
        name = " ".join(self.words(rng.randint(3, 9))).capitalize()
        if rng.random() < 0.7:
            return f"{rng.choice(EN_KINDS)} of {country} No. {number} on {name}"
        return f"{rng.choice(EN_KINDS)} on {name}"

    def date_line(self):
        rng = self.rng
        year = rng.randint(1995, 2023)
        month = MONTHS[rng.randrange(12)].capitalize()
        forms = (
            lambda: f"Reported in {year}",
            lambda: f"Since {month} {year}",
            lambda: f"Since {month} {year}, entry into force in {MONTHS[rng.randrange(12)].capitalize()} {year + 1}",
            lambda: f"Since {month} {year}, last amended in {MONTHS[rng.randrange(12)].capitalize()} {year + 2}",
            lambda: f"Since {month} {year}, as amended in {year + 1}, last amended in {year + 3}",
            lambda: f"Reported in {year}, last reported in {year + 2}",
            lambda: f"Reported in {year}, {year + 1}, last reported in {year + 3}",
            lambda: "N/A",
        )
        weights = (20, 30, 10, 15, 8, 10, 5, 2)
        return rng.choices(forms, weights)[0]()

    def description(self):
        rng = self.rng
        length = min(400, max(40, int(rng.lognormvariate(4.9, 0.6))))
        words = self.words(length)
        sentences, i = [], 0
        while i < len(words):
            n = rng.randint(8, 25)
            sentences.append(" ".join(words[i:i + n]).capitalize() + ".")
            i += n
        return " ".join(sentences)

    def measure(self):
        """Return one synthetic Measure."""
        rng = self.rng
        country = rng.choice(self.countries)
        pillar, sub_pillar = rng.choice(self.pairs)
        titles = [self.title(country) for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0])]
        dates = [self.date_line() for _ in range(len(titles) if rng.random() < 0.5 else 1)]
        if "N/A" in dates and len(dates) > 1:
            dates = [d for d in dates if d != "N/A"] or ["N/A"]
        titles = titles[:len(dates)]  # the DTI dates each title by its own line (DTI-PAGES, layouts A and D)
        description = self.description()
        coverage = rng.choice(("Horizontal", "Horizontal", "Horizontal", "E-commerce sellers", "Telecom equipment",
                               "Internet service", "Domestic websites", "Internet intermediaries", None))
        events = events_of(dates)
        return Measure(id=measure_id(country, pillar, sub_pillar, titles, dates, description), country=country,
                       pillar=pillar, sub_pillar=sub_pillar, titles=titles, dates=dates, description=description,
                       coverage=coverage, events=events, year=first_year(events), synthetic=True)

    def measures(self, n):
        """Return n synthetic measures with unique ids."""
        result, seen = [], set()
        while len(result) < n:
            m = self.measure()
            if m.id not in seen:
                seen.add(m.id)
                result.append(m)
        return result


def page_text(measures):
    """Return measures as text copied from the DTI browse page (the format of tests/data/dti_kazakhstan.txt)."""
    blocks = ["Database\n\nBrowse Database\n"]
    for m in measures:
        body = "\n\n".join(m.titles[:-1] + [m.titles[-1] + "\n" + m.description])
        coverage = f"\nCoverage {m.coverage}" if m.coverage else ""
        blocks.append(f"{m.country.upper()}\n\n" + "\n".join(m.dates)
                      + f"\n\nPillar {m.pillar}  |  Sub-pillar {m.sub_pillar}\n{body}{coverage}\n")
    return "\n".join(blocks) + "\nReport issue    Report new measure\n"


def write_pages(measures, folder):
    """Write one page per economy (page_text) into the new folder, as 000.txt, 001.txt ... in economy order;
    return their paths as strings, in that order."""
    by_country = {}
    for m in measures:
        by_country.setdefault(m.country, []).append(m)
    folder.mkdir()
    paths = []
    for n, (_, group) in enumerate(sorted(by_country.items())):
        path = folder / f"{n:03}.txt"
        path.write_text(page_text(group), encoding="utf-8")
        paths.append(str(path))
    return paths
