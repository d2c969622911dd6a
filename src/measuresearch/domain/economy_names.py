"""Every name an economy goes by: the taxonomy's name and aliases, and CLDR's English, Russian and Kazakh names.

CLDR (the Unicode Common Locale Data Repository, read through Babel:
`Locale("ru").territories["KZ"]` is "Казахстан") gives the names the
interface languages use, keyed by the ISO 3166-1 code of `taxonomy.yaml`.
Index builds add them to the text of each measure's economy, so that
"Казахстан", "Қазақстан" or "Russia" find the measures of Kazakhstan or of
the Russian Federation; filters read them to accept `country=Казахстан`.
"""

import functools
import unicodedata

LANGUAGES = ("en", "ru", "kk")


@functools.cache
def _territories(language):
    from babel import Locale  # imported on first use: CLDR data is only read when names are needed
    return Locale(language).territories


def key(text):
    """Return the form names are compared in: NFKC, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def names_of(economy):
    """Return an Economy's names: its taxonomy name first, its aliases, then CLDR's; no repeats (any case)."""
    names = [economy.name, *economy.aliases]
    if economy.iso:
        names.extend(_territories(language).get(economy.iso) for language in LANGUAGES)
    unique = {}
    for name in names:
        if name:
            unique.setdefault(key(name), name)
    return list(unique.values())


def table(taxonomy):
    """Return {economy: {"iso": code or None, "names": [...]}} for every economy of a Taxonomy."""
    return {e.name: {"iso": e.iso, "names": names_of(e)} for e in taxonomy.economies}


class EconomyNames:
    """The names of a build's economies (the plain data of `table`), looked up either way."""

    def __init__(self, data):
        self.data = data or {}
        self._economy = {}
        for economy, entry in self.data.items():
            for spelling in (economy, *entry["names"], *([entry["iso"]] if entry.get("iso") else [])):
                self._economy.setdefault(key(spelling), economy)

    def names(self, economy):
        """Return the names of one economy, its own first ([economy] when the build has none)."""
        entry = self.data.get(economy)
        return entry["names"] if entry else [economy]

    def economy(self, spelling):
        """Return the economy a name, alias or ISO code (any case) stands for, else None."""
        return self._economy.get(key(spelling)) if isinstance(spelling, str) else None
