"""The interface's languages: which one a request gets, its message catalog, and numbers, plurals and waits in it.

The catalogs are the .po files under web/locale/, read with Babel when a
language is first asked for and kept for the life of the process. Reading
the .po text itself (rather than .mo files compiled by a build step) means
the wheel, an editable install and a checkout all serve exactly the
translations the repository holds: there is no compiled copy to forget to
rebuild. Compiling three small catalogs takes a few milliseconds, once.
"""

import datetime
import functools
import gettext
import io
import pathlib
import re

import babel
import babel.dates
import babel.numbers
import babel.support
from babel.messages import mofile, pofile
from markupsafe import Markup, escape

LANGUAGES = ("en", "ru", "kk")
_BY_LOWER = {language.lower(): language for language in LANGUAGES}  # a tag as a header may spell it -> ours
DEFAULT = "en"
LOCALE_DIR = pathlib.Path(__file__).resolve().parent / "locale"
# Letters of the Kazakh Cyrillic alphabet that Russian does not have; і only inside a Cyrillic word
# (a law number's Roman numeral is sometimes typed with it: "167-VІ").
KAZAKH_LETTERS = re.compile("[әғқңөұүһӘҒҚҢӨҰҮҺ]|[а-яёА-ЯЁ][іІ]|[іІ][а-яёА-ЯЁ]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN = re.compile("[A-Za-z]")
TAG = re.compile(r"<[^>]*>")
# a run of Cyrillic words: from a Cyrillic letter to the last one before the next Latin letter or tag
CYRILLIC_RUN = re.compile(r"(?<![A-Za-z])[\u0400-\u04ff][^A-Za-z<>]*[\u0400-\u04ff]")


# ?lang= as people also write it: "kz" is Kazakhstan's country code, not a language, but it stands for Kazakh
_LANG_ALIASES = {"kz": "kk"}


def chosen(req):
    """Return the language named by ?lang= (en, ru or kk, in any case, with a region: "RU", "kk-KZ", "ru_RU";
    "kz" for Kazakh), or None when the URL names none or another."""
    value = req.params.get("lang")
    if not isinstance(value, str):
        return None
    base = value.strip().replace("_", "-").split("-")[0].lower()
    base = _LANG_ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def negotiate(req):
    """Return the request's language: ?lang= when it names one we have, else the best of Accept-Language."""
    explicit = chosen(req)
    if explicit:
        return explicit
    header = req.get_header("Accept-Language") or ""
    found = babel.negotiate_locale(_preferences(header), LANGUAGES, sep="-")
    # Babel matches in any letter case and hands back the tag as the header spelled it ("RU")
    return _BY_LOWER.get(found.lower(), DEFAULT) if found else DEFAULT


def _preferences(header):
    """Return the language tags of an Accept-Language header, most wanted first (q=0 left out)."""
    ranked = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if tag and tag != "*" and weight > 0:
            # Babel matches "ru" against "ru-RU" only when told the base language too
            ranked.append((-weight, position, tag.strip()))
            ranked.append((-weight, position + 0.5, tag.strip().split("-")[0]))
    return [tag for _, _, tag in sorted(ranked)]


@functools.cache
def translations(lang):
    """Return the gettext translations of a language (English: the messages as written)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = pofile.read_po(po, locale=lang)
    compiled = io.BytesIO()
    mofile.write_mo(compiled, catalog)
    compiled.seek(0)
    return babel.support.Translations(compiled)


def number(value, lang):
    """Return a number as the language writes it (21,345; 21 345; 2,02)."""
    return babel.numbers.format_decimal(value, locale=lang)


def wait(seconds, lang):
    """Return a wait in words: "in 1 hour", "через 59 минут"."""
    return babel.dates.format_timedelta(datetime.timedelta(seconds=seconds), add_direction=True, locale=lang)


def text_language(text):
    """Return the language a text is written in, as far as its letters tell: kk, ru, en, or None."""
    text = TAG.sub("", text or "")
    cyrillic, latin = len(CYRILLIC.findall(text)), len(LATIN.findall(text))
    if not cyrillic and not latin:
        return None
    # a mixed title ("Law No. 418-V (Закон ...)") is read in the voice of most of its letters
    if cyrillic >= latin:
        return "kk" if KAZAKH_LETTERS.search(text) else "ru"
    return "en"


def lang_attribute(text, page_lang):
    """Return ` lang="xx"` for a text written in another language than its page, else nothing."""
    found = text_language(text)
    return Markup(f' lang="{found}"') if found and found != page_lang else Markup("")


def N_(message):
    """Mark an English message for the catalogs; it is translated where a template shows it."""
    return message


def in_language(text, page_lang):
    """Return text escaped, inside <span lang="xx"> when it is written in another language than its page."""
    attribute = lang_attribute(text, page_lang)
    return Markup("<span{}>{}</span>").format(attribute, text) if attribute else escape(text)


def cyrillic_runs(html, page_lang):
    """Return highlighted HTML (escaped text and <mark>) with its Cyrillic runs in <span lang="ru|kk">.

    For a title read in an English voice (an English page, or a mostly English title): "Law No. 418-V
    (Закон ...)" gets the Russian part read as Russian. Tags are left as they are; a run stops at one.
    """
    if (text_language(html) or page_lang) != "en":
        return Markup(html)
    pieces = []
    for piece in re.split(r"(<[^>]*>)", str(html)):
        if piece.startswith("<"):
            pieces.append(piece)
            continue
        pieces.append(CYRILLIC_RUN.sub(lambda run: f'<span lang="{text_language(run.group(0))}">{run.group(0)}</span>',
                                       piece))
    return Markup("".join(pieces))


# a date event in the page's language: "last amended in January 2020" (domain.dates.describe, in English)
EVENT_PHRASES = {"since": N_("since %(when)s"), "entry_into_force": N_("entry into force in %(when)s"),
                 "amended": N_("amended in %(when)s"), "last_amended": N_("last amended in %(when)s"),
                 "reported": N_("reported in %(when)s"), "last_reported": N_("last reported in %(when)s")}


def month_year(event, lang):
    """Return an event's month and year as the language names them ("January 2020", "январь 2020"), or its year."""
    if not event.get("month"):
        return str(event["year"])
    named = babel.dates.format_date(datetime.date(event["year"], event["month"], 1), "LLLL y", locale=lang)
    return named if lang == DEFAULT else named.lower()
