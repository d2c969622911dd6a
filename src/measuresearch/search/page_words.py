"""A page's texts taken apart into words, in C where it can be: the words the highlighter tries, where they
stand and how many come before them.

query_words.QueryWords joins the texts of a page of hits with SEPARATOR and looks
for the query's words in them at once; tests/search/test_fast_paths.py compares
each of these with the regex it stands for.
"""

import functools
from typing import NamedTuple

from measuresearch.text.analysis import ASCII_GAPS, COMBINING, PLAIN_WORD, WORD

SEPARATOR = "\x00"  # joins texts for QueryWords.prime(); never part of a word
# what often stands around a word between spaces: none of it is a letter, digit, "_" or combining mark
_PUNCTUATION = ".,;:!?()[]{}\"'«»“”‘’„<>*"


def distinct_words(text, pattern):
    """Return the distinct words of text as pattern (WORD or PLAIN_WORD) finds them."""
    ascii_words, others = words_by_script(text, pattern)
    return ascii_words | others


@functools.lru_cache(maxsize=16)  # a page's joined texts with a combining mark, split once for each query word
def words_by_script(text, pattern):
    """Return the distinct words of text as pattern (WORD or PLAIN_WORD) finds them: (ASCII ones, others).

    The ASCII texts (most of a page) are split into their runs of letters and digits
    in C, as word_runs() does; the others go through other_words().
    """
    plain, rest = _apart(text)
    mixed, others = _by_script(other_words(rest, pattern))
    return frozenset(plain.split()) | mixed, others


def _apart(text):
    """Return joined texts taken apart (no word spans a SEPARATOR): (the ASCII ones, every character between words a
    space; the others, as they are), each joined with spaces."""
    texts = text.split(SEPARATOR)
    return (" ".join([t for t in texts if t.isascii()]).translate(ASCII_GAPS),
            " ".join([t for t in texts if not t.isascii()]))


def _by_script(words):
    """Return (the ASCII ones, the others) of the words of the non-ASCII texts ("Law" in a Cyrillic title)."""
    mixed = frozenset(w for w in words if w.isascii())
    return mixed, frozenset(words) - mixed


def other_words(text, pattern):
    """Return the distinct words of text as pattern finds them.

    No word spans white space: the text is split at white space in C, and only the
    pieces that are not all letters and digits (a word and its comma) go through the regex.
    """
    pieces = set(text.split())
    words = {piece for piece in pieces if piece.isalnum()}  # str.isalnum is the regex's [^\W_], letter by letter
    # a word with punctuation around it ("data," "(2019)"): one word, the punctuation taken off in C
    # (none of _PUNCTUATION belongs to a word, so the regex finds just that word); any other piece, the regex
    for piece in pieces.difference(words):
        inner = piece.strip(_PUNCTUATION)
        if inner.isalnum():
            words.add(inner)
        elif inner:
            words.update(pattern.findall(piece))
    return words


class Page(NamedTuple):
    """A page's joined texts taken apart once (page) for the query and each of its phrase words."""

    combining: bool  # a text holds a combining mark: the page's words are then WORD's, marks included
    spaced: str  # the ASCII texts, every character between words a space, and a space before the first
    lowered: str  # the same in lowercase (ASCII: each letter where it was)
    mixed: frozenset  # the ASCII words of the other texts ("Law" in a Cyrillic title)
    others: frozenset  # the words with other letters


@functools.lru_cache(maxsize=16)  # a page's joined texts, looked at by the query and each of its phrase words
def page(text):
    """Return the Page of joined texts (a combining mark is never ASCII)."""
    plain, rest = _apart(text)
    spaced = " " + plain
    if COMBINING.search(rest):
        return Page(True, spaced, spaced.lower(), frozenset(), frozenset())
    return Page(False, spaced, spaced.lower(), *_by_script(other_words(rest, PLAIN_WORD)))


def words_starting(spaced, lowered, heads):
    """Return the distinct words of `spaced` (as Page has it) whose lowercase starts with one of `heads`
    (lowercase letters and digits), as written.

    Each head is looked for after a space in the lowercase text, in C: a query word's few first
    letters among a page's thousands of words, which are never split nor looked at one by one.
    """
    found, size = set(), len(spaced)
    for head in heads:
        needle = " " + head
        at = lowered.find(needle)
        while at >= 0:
            end = lowered.find(" ", at + len(needle))
            if end < 0:
                end = size
            found.add(spaced[at + 1:end])
            at = lowered.find(needle, end)
    return found


# every ASCII letter and digit -> "a", every other ASCII character -> " ": an ASCII text's words are its runs of "a"
_ASCII_RUNS = str.maketrans({chr(c): "a" if chr(c).isalnum() else " " for c in range(128)})


def word_count(piece):
    """Return len(WORD.findall(piece)), counted in C without the regex where it can be.

    ASCII: a word is a run of letters and digits ([^\\W_] in ASCII), and each run's start is
    " a" once translated (twenty times faster than WORD). No combining mark: WORD is
    PLAIN_WORD there, which takes half WORD's time.
    """
    if piece.isascii():
        return (" " + piece.translate(_ASCII_RUNS)).count(" a")
    return len((WORD if COMBINING.search(piece) else PLAIN_WORD).findall(piece))


def word_numbers(text, starts):
    """Return {start: the word's number in text} for the given word starts (WORD finds the words).

    A word starts after a character that is not part of a word, so the words before
    it are the words WORD finds up to it: counted in C, one stretch of text after another
    (WORD has no look-around, so a stretch counts alike cut out or in place).
    """
    numbers, count, previous = {}, 0, 0
    for start in sorted(starts):
        count += word_count(text[previous:start])
        numbers[start], previous = count, start
    return numbers


def joins(char):
    """Return whether char belongs to a word (a letter or digit, as [^\\W_], or a combining mark)."""
    return char.isalnum() or "\u0300" <= char <= "\u036f"


def whole_words(text, words):
    """Return [(start, end, word)] of every occurrence of `words` in text as a whole word, in text order.

    A substring search per word (in C) and a look at the two characters around each
    occurrence: a whole word never begins inside another occurrence of itself, nor overlaps
    an occurrence of another whole word, so the search goes on after each occurrence.
    """
    found, length = [], len(text)
    for word in words:
        size, at = len(word), text.find(word)
        while at >= 0:
            end = at + size
            if not (at and joins(text[at - 1])) and not (end < length and joins(text[end])):
                found.append((at, end, word))
            at = text.find(word, end)
    found.sort()
    return found
