"""A fixed suite of hostile requests (used by tests/test_hostile.py and stress/run.py)."""

import urllib.parse

QUERIES = [
    # wildcards and fuzzy terms
    "*", "**", "a*", "*a*", "?", "a?", "x*y", "da*", "informat*", "in*", "sh*", "регул*", "*" * 50, "a*" * 20,
    "word~", "word~2", "word~9", "~", "~~~", "a~", "goverment~1", "shutdwons~", "валютнм~",
    # brackets and operators
    "(", ")", "(" * 10, "(" * 1000, ")" * 1000, "[{(" * 300, "((a OR b) AND c)", "a AND (b OR c",
    " OR ".join(["x"] * 2), " OR ".join(["x"] * 50), " OR ".join(["law"] * 200), " OR ".join(["data"] * 500),
    "OR", "OR OR OR", "a OR", "OR a", "NOT OR x", "NOT", "AND OR NOT", "-", "--", "- -", "-a -b -c", "-*",
    "+a +b", "a && b", "a || b", "!a", "^2", "a^3", "a:b:c",
    # quotes and ranges
    '"', '"""', '"a', 'a"', '"a" "b', "'", "«a", "“open", '""', '" "', '"' * 101, '"-"', '-"a b"',
    "[a TO b", "{1 TO", "year:[2000 TO", "a..b", "[* TO *]", "{}", "[]",
    # field syntax
    "title:foo", "country:Kazakhstan", "id:*", "_all:x", 'text:"a"', "pillar:Content access", "q=x", "&q=y",
    # NUL, control and invisible characters
    "\x00", "a\x00b", "\x01\x02\x03", "\x1f", "\x7f", "\u200b", "\u202e", "\ufeff", "\t\n\r", "a\nb", "\x85",
    # scripts, right-to-left, combining marks, emoji
    "שלום", "مرحبا", "\u202eabc", "e\u0301", "a" + "\u0301" * 100, "Z\u0324\u0354\u0367\u0311\u0343", "漢字",
    "😀", "🇰🇿", "👨\u200d👩\u200d👧", "law 😀", "😀" * 100, "\U0010ffff", "\ufffd", "ǅ", "ﬁ", "Ⅻ", "①",
    # long and numeric
    "a" * 500, "a" * 501, "word " * 40, "word " * 200, "x" * 10_000, "9" * 100, "-1", "1e999", "0x41", "%00",
    "%", "%%", "%zz", "\\", "\\\\", "/", "..", "../../etc/passwd", "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "</mark><mark>", "&amp;", "{{7*7}}", "${7*7}", "' OR 1=1 --",
    # law-number shapes
    "No.", "№", "№№", "No. No.", "1/", "/1", "1-", "-1-", "418-V-", "53//НК", "1" + "-a" * 200,
    "law-418-V", "e-commerce-418-V", "-закон-167-VІ", "No-53/НК", "418V-law", "-".join(["418-V"] * 20),
]

PARAMS = [
    "page=0", "page=-1", f"page={10 ** 9}", "page=999999999999999999999999", "page=abc", "page=", "page=1.5",
    "per_page=0", "per_page=-1", "per_page=101", "per_page=1e3", "per_page=", "sort=", "sort=best",
    "sort=newest&sort=oldest", "year_from=99999999", "year_from=-5", "year_from=2020&year_to=2010",
    "year_to=x", "q=a&q=b", "page=1&page=2", "&".join(f"country=c{i}" for i in range(25)), "foo=bar",
    "q[]=x", "country=" + "x" * 1000, "country=", "pillar=%00", "q=%ff%fe", "q=%ED%A0%80", "q=%C0%AF",
    "q=%E2%80", "q=%", "q=%%41", "=", "&&&", "q", "page=10&per_page=100", "page=101&per_page=100",
]

PATHS = ["/api/search", "/", "/api/suggest", "/api/search.csv"]


def requests():
    """Yield (path, query string) pairs: every query on every path, then every parameter set."""
    for q in QUERIES:
        for path in PATHS:
            yield path, urllib.parse.urlencode({"q": q})
    for params in PARAMS:
        for path in ("/api/search", "/"):
            yield path, params
    for path in ("/api/measures/" + "x" * 300, "/api/measures/%00", "/api/measures/../../x", "/measures/%ff",
                 "/static/../pyproject.toml", "/static/%2e%2e/x", "/api/search/", "/api/", "/nothing"):
        yield path, ""
