"""How common a word is in its language at large (wordfreq's Zipf frequencies), for ranking partial answers.

When no measure has every word of a query, the measures with some of them
are ranked by the words they have; the corpus alone cannot always say which
word matters (in 15 measures "закон" and "информатизации" are each in one
title), but the language can: "закон" (law) is common in Russian, the other rare.
"""

import functools

from measuresearch.text.writing_systems import is_cyrillic

ZIPF_CEILING = 9.0  # Zipf frequency is log10 of occurrences per billion words: 9 would be every word


@functools.lru_cache(maxsize=4096)
def rarity(word):
    """Return 9 - the word's Zipf frequency in Russian (Cyrillic) or English (other), at least 1.

    A word the lists do not know (a law number, a Kazakh word, a rare term) counts as rarest.
    """
    from wordfreq import zipf_frequency  # imported on first use: its word lists load lazily
    language = "ru" if any(is_cyrillic(char) for char in word) else "en"
    return max(1.0, ZIPF_CEILING - zipf_frequency(word, language))
