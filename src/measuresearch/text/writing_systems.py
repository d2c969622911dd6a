"""Scripts: Latin/Cyrillic look-alike folding and romanization keys.

Both tables come from libraries rather than being typed in: the look-alikes
from Unicode's confusables.txt (as shipped by confusable_homoglyphs), the
Russian romanizations from iuliia's schema files and the Kazakh Latin alphabet
from qazaq_transliterator.
"""

import functools
import json
import pathlib
import re
import string
import unicodedata

import confusable_homoglyphs
import iuliia
import Stemmer
from qazaq_transliterator.qazaq_transliterator import KazakhLanguagePack

RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
KAZAKH = "әғқңөұүһі"
# Look-alikes are folded between Latin and the letters of these two alphabets;
# archaic and Macedonian letters (ѡ, ѕ, ј) would only add noise.
ALPHABET = RUSSIAN + KAZAKH
# Russian romanizations people actually type: BGN/PCGN, the informal
# Wikipedia style (ts/ch/sh/ya/yu), GOST 7.79 system B, ISO 9 (GOST 7.79 A,
# typed with or without its diacritics) and the scientific transliteration.
ROMANIZATIONS = ("wikipedia", "bgn_pcgn", "gost_779_alt", "gost_779", "scientific")
# The 2021 Kazakh Latin alphabet writes ң as ñ and ч as ç; the package
# predates it (ŋ, ch), so both spellings are accepted.
KAZAKH_2021 = {"ñ": "ң", "ç": "ч", "ğ": "ғ"}

# Skeleton: a lossy key shared by all romanizations. Letters that the schemes
# spell differently, or that Kazakh adds, fold to one Russian letter; ц is
# "тс" because "ts" is how most schemes write it and тс is written the same.
_SKELETON = str.maketrans({
    "ё": "е", "э": "е", "й": "и", "ы": "и", "і": "и", "ъ": None, "ь": None,
    "щ": "ш", "я": "а", "ю": "у", "ц": "тс", "ә": "а", "ғ": "г", "қ": "к",
    "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
})
_VOWELS = "аеоуи"


@functools.cache
def roman_letters():
    """Return Cyrillic letter -> its informal (Wikipedia-style) romanization, Kazakh included."""
    folder = pathlib.Path(iuliia.__file__).with_name("schemas")
    mapping = json.loads((folder / "wikipedia.json").read_text(encoding="utf-8"))["mapping"]
    kazakh = dict(zip(*KazakhLanguagePack.mapping))
    return {**{c.lower(): l.lower() for c, l in kazakh.items()}, **mapping}
_RU_STEMMER = Stemmer.Stemmer("russian")


def russian_stem(word):
    """Return the Snowball stem of one Russian word: the one Russian stemmer (index, query, highlight)."""
    return _RU_STEMMER.stemWord(word)


def is_cyrillic(char):
    """Return True for a letter of the Cyrillic script."""
    return "CYRILLIC" in unicodedata.name(char, "")


@functools.cache
def lookalike_tables():
    """Return (latin_to_cyrillic, cyrillic_to_latin) for lowercase letters.

    A pair is taken from confusables.json when the two letters, or their
    capitals (Н/H, К/K, Т/T), are listed as confusable; only letters of the
    Russian and Kazakh alphabets take part.
    """
    path = pathlib.Path(confusable_homoglyphs.__file__).with_name("confusables.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    pairs = {}
    for char, entries in data.items():
        for entry in entries:
            for a, b in ((char, entry["c"]), (entry["c"], char)):
                la, lb = a.lower(), b.lower()
                if not (len(la) == len(lb) == 1 and la in string.ascii_lowercase and lb in ALPHABET):
                    continue
                if a == la and b == lb:
                    pairs[(la, lb)] = 0
                elif a.isupper() and b.isupper():
                    pairs.setdefault((la, lb), 1)
    # Prefer Russian letters, then Kazakh ones, then the rest; then pairs that
    # are confusable in lower case over those confusable only as capitals.
    by_rank = sorted(pairs, key=lambda p: (ALPHABET.index(p[1]), pairs[p], p))
    lat2cyr, cyr2lat = {}, {}
    for lat, cyr in by_rank:
        lat2cyr.setdefault(lat, cyr)
        cyr2lat.setdefault(cyr, lat)
    return lat2cyr, cyr2lat


def _char_class(char, lat2cyr, cyr2lat):
    if char in lat2cyr or char in cyr2lat:
        return "ambiguous"
    if char in string.ascii_lowercase:
        return "latin"
    if is_cyrillic(char):
        return "cyrillic"
    return "other"


def written_folded(raw):
    """Return a word as written, lowercased (NFKC, casefold), ё as е: fold_readings() before look-alikes."""
    return unicodedata.normalize("NFKC", raw).casefold().replace("ё", "е")


@functools.lru_cache(maxsize=200_000)
def fold_readings(raw):
    """Return the look-alike folded readings of one word, lowercased, ё as е.

    A word with Cyrillic letters reads as Cyrillic and one with Latin letters
    as Latin (the majority wins when it has both); a word made only of letters
    that exist in both scripts ("o", "SAM", "VІ") has both readings.
    """
    lat2cyr, cyr2lat = lookalike_tables()
    if raw.isascii() and raw.lower().translate(_only_plain_latin()):
        # the common case at C speed: an ASCII word (NFKC and casefold are lower()) with
        # a Latin letter that has no Cyrillic look-alike reads as Latin
        return (raw.lower().translate(_to_latin()),)
    lower = written_folded(raw)
    classes = [_char_class(c, lat2cyr, cyr2lat) for c in lower]
    latin, cyrillic = classes.count("latin"), classes.count("cyrillic")
    to_cyr = lower.translate(_to_cyrillic())
    to_lat = lower.translate(_to_latin())
    if cyrillic > latin:
        return (to_cyr,)
    if latin > cyrillic:
        return (to_lat,)
    if latin == cyrillic == 0 and "ambiguous" in classes:
        return tuple(dict.fromkeys((to_lat, to_cyr)))
    return (lower,)


@functools.cache
def _to_latin():
    """Return lookalike_tables()' Cyrillic -> Latin letters as a str.translate table (a letter at C speed)."""
    return str.maketrans({cyr: lat for cyr, lat in lookalike_tables()[1].items() if len(cyr) == 1})


@functools.cache
def _to_cyrillic():
    """Return lookalike_tables()' Latin -> Cyrillic letters as a str.translate table."""
    return str.maketrans({lat: cyr for lat, cyr in lookalike_tables()[0].items() if len(lat) == 1})


@functools.cache
def _only_plain_latin():
    """Return a str.translate table that deletes every ASCII character but the Latin letters without look-alikes."""
    lat2cyr, cyr2lat = lookalike_tables()
    return {code: None for code in range(128)
            if not (chr(code) in string.ascii_lowercase and chr(code) not in lat2cyr and chr(code) not in cyr2lat)}


def _reverse(mapping):
    table = {}
    for cyr, lat in mapping.items():
        cyr, lat = cyr.lower(), unicodedata.normalize("NFC", lat.lower().replace("·", ""))
        if lat and len(cyr) == 1 and lat not in table:
            table[lat] = cyr
    return table


@functools.cache
def reverse_tables():
    """Return one Latin -> Cyrillic table per romanization, longest keys first."""
    schemes = []
    folder = pathlib.Path(iuliia.__file__).with_name("schemas")
    for name in ROMANIZATIONS:
        raw = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        table = _reverse(raw["mapping"])
        # "ye" for е after a vowel (BGN/PCGN, Wikipedia) reads back as е.
        for cyr, lat in (raw.get("prev_mapping") or {}).items():
            table.setdefault(lat.lower().replace("·", ""), cyr[-1])
        schemes.append(table)
    cyr, lat = KazakhLanguagePack.mapping
    kazakh = _reverse(dict(zip(cyr, lat)))
    kazakh.update(_reverse(KazakhLanguagePack.pre_processor_mapping))
    kazakh.update(KAZAKH_2021)
    schemes.append(kazakh)
    fallback = {}
    for table in schemes:
        for lat_seq, cyr_char in table.items():
            if len(lat_seq) == 1:
                fallback.setdefault(lat_seq, cyr_char)
            fallback.setdefault(_strip_marks(lat_seq), cyr_char)
    return tuple(_ordered({**fallback, **table}) for table in schemes)


def _ordered(table):
    return dict(sorted(table.items(), key=lambda item: -len(item[0])))


def _strip_marks(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@functools.cache
def _back_readers():
    """Return ((pattern, table) per distinct table of reverse_tables(), the keys the tables do not all read alike).

    At each place the pattern matches the longest Latin sequence the table
    reads back (its keys come longest first, and an alternation takes the
    first that matches), else one character. A key some table lacks or reads
    otherwise is one of the second: an ASCII word holding none of them is read
    alike by every table (at each place the same keys match, read the same, and
    a letter no table holds is kept), so once.
    """
    tables = list({tuple(table.items()): table for table in reverse_tables()}.values())
    readers = tuple((re.compile("|".join(re.escape(key) for key in table if key) + "|.", re.DOTALL), table)
                    for table in tables)
    keys = set().union(*tables)
    return readers, tuple(key for key in keys if key and len({table.get(key) for table in tables}) > 1)


def cyrillic_readings(word):
    """Return the Cyrillic spellings a Latin (or mixed) word has under each romanization.

    Read from the left, each time the longest sequence a romanization's table
    holds; a character it does not hold is read without its marks, else kept.
    """
    readers, differing = _back_readers()
    if word.isascii() and not any(key in word for key in differing):  # (no marks to take off a letter either)
        readers = readers[:1]
    readings = []
    for pattern, table in readers:
        readings.append("".join([table[piece] if piece in table else table.get(_strip_marks(piece), piece)
                                 for piece in pattern.findall(word)]))
    return tuple(dict.fromkeys(readings))


def skeleton(cyrillic_word):
    """Return the romanization-neutral key of a Cyrillic word."""
    key = cyrillic_word.lower().translate(_SKELETON)
    out = []
    for i, char in enumerate(key):
        if out and out[-1] == char:
            continue
        if char == "и" and i + 1 < len(key) and key[i + 1] in _VOWELS and key[i + 1] != "и":
            continue
        out.append(char)
    return "".join(out)


# What starts the romanization key of a word with Latin letters: its Cyrillic spelling under a romanization,
# whole. Only a Cyrillic query word is looked up under such keys (typed_roman_keys), so that "off" never finds
# "of" nor "same" "SAM" by romanization: a Latin word is matched by Latin words through its own forms only.
LATIN_KEY = "^"
# A Cyrillic query word finds a Latin word by its romanization from this many letters on ("ЗРК", "САМ"):
# "он", "но" and "бы" are Russian words, not the English "on", "No" and "by".
LATIN_KEY_LEAST = 3


@functools.cache
def roman_initials():
    """Return {ASCII letter or digit: the letters that the romanization keys of an ASCII word starting
    with it can start with, after LATIN_KEY}.

    roman_keys() reads an ASCII word from its first letter on, under each romanization the longest
    Latin sequence that romanization's table holds there (one that starts with the word's first
    letter), else that letter as it is.
    """
    initials = {}
    for first in string.ascii_lowercase + string.digits:
        found = set()
        for _, table in _back_readers()[0]:
            found.update(cyrillic[:1] for latin, cyrillic in table.items() if latin[:1] == first)
            found.add(table.get(first, first)[:1])
        initials[first] = frozenset(found)
    return initials


def _has_latin(reading):
    return any(c in string.ascii_lowercase or (c.isalpha() and not is_cyrillic(c)) for c in reading)


@functools.lru_cache(maxsize=200_000)
def roman_keys(reading):
    """Return the romanization keys under which the index holds one folded word.

    A Cyrillic word: its skeleton, stemmed, which every romanization of it
    typed in Latin letters shares (typed_roman_keys). A word with Latin
    letters: LATIN_KEY and its Cyrillic spelling under each romanization,
    which only a Cyrillic query word of that spelling finds ("ЗРК": "ZRK");
    with Cyrillic letters too ("қaz"), the skeletons of those spellings as well.
    """
    if not any(c.isalpha() for c in reading):
        return ()
    if not _has_latin(reading):
        return cyrillic_keys(reading)
    spellings = cyrillic_readings(reading)
    latin = [LATIN_KEY + spelling.replace("ё", "е") for spelling in spellings]
    if any(is_cyrillic(c) for c in reading):
        latin += [key for spelling in spellings for key in cyrillic_keys(spelling)]
    return tuple(dict.fromkeys(latin))


def cyrillic_keys(spelling):
    """Return the romanization keys of a Cyrillic spelling: its skeleton stemmed, and its stem's skeleton.

    The skeleton reads "й" as "и" (romanizations write it y, i or j), and the stemmer then keeps
    the "-ои" of "электронной" ("електроно") that it strips from "электронная" ("електрон"): the
    stem's skeleton is "електрон" for both, so "elektronnoy" finds "Электронная" as "электронной" does.
    """
    return tuple(dict.fromkeys((russian_stem(skeleton(spelling)), skeleton(russian_stem(spelling)))))


@functools.lru_cache(maxsize=100_000)
def typed_roman_keys(reading):
    """Return the romanization keys a query word's folded reading is looked up under.

    Typed in Latin letters: the skeleton of its Cyrillic spelling under each
    romanization, stemmed, as the index keys Cyrillic words ("valyutnom",
    "valjutnom": "валютном"). Typed in Cyrillic: its own skeleton (a Kazakh
    word typed with Russian letters), and from LATIN_KEY_LEAST letters on, the
    key of the Latin words it is the Cyrillic spelling of.
    """
    if not any(c.isalpha() for c in reading):
        return ()
    if _has_latin(reading):
        return tuple(dict.fromkeys(key for s in cyrillic_readings(reading) for key in cyrillic_keys(s)))
    keys = cyrillic_keys(reading)
    return (*keys, LATIN_KEY + reading) if len(reading) >= LATIN_KEY_LEAST else keys
