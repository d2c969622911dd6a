"""The one place that reads the environment."""

import dataclasses
import os

from measuresearch.errors import InvalidParameter


@dataclasses.dataclass(frozen=True)
class Config:
    """Where the corpus, the index and the reports database live, and who may read the reports."""

    corpus: str
    index: str
    data: str = "data"
    admin_token: str | None = None
    report_limit: int = 10
    trusted_proxies: tuple = ()
    base_url: str | None = None  # the public address behind a proxy, for absolute URLs in exports


def from_environment(environ=None):
    """Return the Config from the MEASURESEARCH_* variables."""
    environ = os.environ if environ is None else environ
    limit = environ.get("MEASURESEARCH_REPORT_LIMIT") or "10"
    if not limit.isdigit():
        raise InvalidParameter(f"MEASURESEARCH_REPORT_LIMIT must be a whole number >= 0, not {limit!r}",
                               "MEASURESEARCH_REPORT_LIMIT")
    proxies = environ.get("MEASURESEARCH_TRUSTED_PROXIES") or ""
    return Config(
        corpus=environ.get("MEASURESEARCH_CORPUS") or "corpus",
        index=environ.get("MEASURESEARCH_INDEX") or "index",
        data=environ.get("MEASURESEARCH_DATA") or "data",
        admin_token=environ.get("MEASURESEARCH_ADMIN_TOKEN") or None,
        report_limit=int(limit),
        base_url=checked_base_url(environ.get("MEASURESEARCH_BASE_URL") or None, "MEASURESEARCH_BASE_URL"),
        trusted_proxies=tuple(p.strip() for p in proxies.replace(",", " ").split() if p.strip()),
    )


def checked_base_url(value, name="--base-url"):
    """Return a base URL without its trailing slash; InvalidParameter unless it is http(s)://host[/path]."""
    if value is None:
        return None
    import urllib.parse
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidParameter(f"{name} must look like https://example.org or https://example.org/path, "
                               f"not {value!r}", name)
    return value.rstrip("/")
