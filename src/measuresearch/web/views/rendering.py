"""Jinja2 (autoescape on, the i18n extension) in the request's language: one environment per language."""

import functools

import re

import babel.numbers
import jinja2
from markupsafe import Markup, escape

from measuresearch.domain.dates import describe
from measuresearch.web import i18n
from measuresearch.web.http import urls

# a link, source or form target of a page that is a path of this site: "/..." but not "//host"; data-url holds one
# that the page's JavaScript fetches. Autoescaping leaves no '"' inside a value, nor this text outside a tag.
LOCAL_TARGET = re.compile(r'(?<=\s)(href|src|action|data-url)="(/(?!/)[^"]*)"')

# an address as a curator would click it: http(s), up to the first space or closing bracket or quote
ADDRESS = re.compile(r"(https?://[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?])")


@functools.cache
def environment(lang):
    """Return the Jinja2 environment of the templates in one language (its catalog installed)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("measuresearch.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # one environment per language: installing a catalog changes the environment for every thread
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    env.policies["ext.i18n.trimmed"] = True
    env.filters["num"] = functools.partial(i18n.number, lang=lang)
    env.filters["linkify"] = linkify
    env.filters["as_link"] = as_link
    env.globals.update(urls=urls, lang=lang, lang_of=functools.partial(i18n.lang_attribute, page_lang=lang),
                       in_lang=functools.partial(i18n.in_language, page_lang=lang),
                       runs=functools.partial(i18n.cyrillic_runs, page_lang=lang),
                       other_lang=lang != "en", describe_event=functools.partial(_describe, lang=lang),
                       group_symbol=babel.numbers.get_group_symbol(lang))
    return env


def _describe(event, lang):
    """Return a date event in the page's language ("last amended in January 2020", "последние изменения — ...")."""
    if lang == i18n.DEFAULT:
        return describe(event)  # the domain's own wording, unchanged
    phrase = i18n.translations(lang).gettext(i18n.EVENT_PHRASES[event["kind"]])
    return phrase % {"when": i18n.month_year(event, lang)}


def linkify(text):
    """Return text escaped, its http(s) addresses made links that pass no referrer and no ranking."""
    parts = []
    for index, piece in enumerate(ADDRESS.split(text or "")):
        if index % 2:
            parts.append(Markup('<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>').format(piece))
        else:
            parts.append(escape(piece))
    return Markup("").join(parts)


def as_link(address):
    """Return an http(s) address as one link (escaped, no referrer, no ranking), anything else as text."""
    if re.fullmatch(r"https?://\S+", address or ""):
        return Markup('<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>').format(address)
    return escape(address or "")


def under_root(page, root):
    """Return an HTML page with each of its local targets (LOCAL_TARGET) put under the app's root (urls.public)."""
    if not root:
        return page
    root = str(escape(root))
    return LOCAL_TARGET.sub(lambda found: f'{found[1]}="{urls.public(root, found[2])}"', page)


def render(req, name, language=None, **context):
    """Render one template in the request's language (or `language`); `link` keeps a language chosen with ?lang=.

    Templates and views write paths of the app ("/measures/<id>"); under a base URL with a path, the page's
    links, sources and form targets are then put under it, all at once (under_root).
    """
    lang = language or i18n.negotiate(req)
    chosen = None if language else i18n.chosen(req)
    # a page in one language only (the curator's) offers no other
    context.setdefault("languages", [] if language else urls.language_links(req.path, req.query_string, lang))
    root = req.context.get("root", "")
    page = environment(lang).get_template(name).render(
        link=functools.partial(urls.localized, lang=chosen), chosen_lang=chosen,
        public=functools.partial(urls.public, root), **context)  # public: a path shown as text, as it is linked
    return under_root(page, root)
