"""The one place that reads the environment."""

import dataclasses
import ipaddress
import os
import re
import urllib.parse

from measuresearch.domain.limits import PORT
from measuresearch.errors import InvalidParameter

# a host name (letters, digits, hyphens, dots) or a bracketed IPv6 literal, and an optional port: nothing
# that could close a quote or a brace in an export (RFC 3986's reg-name, narrowed to what DNS allows)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_SYNTAX = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9a-f:.]{{2,45}}\])(?::{PORT})?", re.I)


@dataclasses.dataclass(frozen=True)
class Config:
    """Where the corpus, the index and the reports database live, who may read the reports, how to trust the net."""

    corpus: str
    index: str
    data: str = "data"
    admin_token: str | None = None
    report_limit: int = 10
    trusted_proxies: tuple = ()  # ipaddress networks whose X-Forwarded-For / -Proto waitress believes
    trusted_proxy_count: int = 1  # how many proxies stand in front (the client is that many hops from the right)
    base_url: str | None = None  # the public address behind a proxy, for absolute URLs in exports
    allowed_hosts: tuple = ()  # Host header values (lower case, without port) answered; empty: any well-formed one
    database_url: str | None = None  # postgresql://...: the reports database is there instead of in `data`


def from_environment(environ=None):
    """Return the Config from the MEASURESEARCH_* variables; InvalidParameter names a bad one."""
    environ = os.environ if environ is None else environ
    return Config(
        corpus=environ.get("MEASURESEARCH_CORPUS") or "corpus",
        index=environ.get("MEASURESEARCH_INDEX") or "index",
        data=environ.get("MEASURESEARCH_DATA") or "data",
        admin_token=environ.get("MEASURESEARCH_ADMIN_TOKEN") or None,
        report_limit=whole_number(environ.get("MEASURESEARCH_REPORT_LIMIT"), "MEASURESEARCH_REPORT_LIMIT", 10),
        base_url=checked_base_url(environ.get("MEASURESEARCH_BASE_URL") or None, "MEASURESEARCH_BASE_URL"),
        trusted_proxies=proxy_networks(_words(environ.get("MEASURESEARCH_TRUSTED_PROXIES"))),
        trusted_proxy_count=whole_number(environ.get("MEASURESEARCH_TRUSTED_PROXY_COUNT"),
                                         "MEASURESEARCH_TRUSTED_PROXY_COUNT", 1, low=1),
        allowed_hosts=allowed_hosts(_words(environ.get("MEASURESEARCH_ALLOWED_HOSTS"))),
        database_url=checked_database_url(environ.get("MEASURESEARCH_DATABASE_URL") or None),
    )


def _words(value):
    return tuple(word for word in (value or "").replace(",", " ").split() if word)


def whole_number(value, name, default, low=0):
    """Return the numeric setting `name` written in ASCII digits (not ², not ٣, not -1), at least `low`."""
    value = value or str(default)
    if not (value.isascii() and value.isdigit()) or int(value) < low or len(value) > 9:
        raise InvalidParameter(f"{name} must be a whole number >= {low} written in digits 0-9, not {value!r}", name)
    return int(value)


def proxy_networks(entries):
    """Parse the trusted proxies (addresses or networks); raise InvalidParameter on a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InvalidParameter(f"MEASURESEARCH_TRUSTED_PROXIES: {entry!r} is not an address or network",
                                   "MEASURESEARCH_TRUSTED_PROXIES") from None
    return tuple(networks)


def host_name(host):
    """Return a Host header's name in lower case without its port (None when it is not a well-formed host)."""
    if not HOST_SYNTAX.fullmatch(host):
        return None
    name = host.rsplit(":", 1)[0] if not host.endswith("]") and ":" in host else host
    return name.lower().rstrip(".")


def allowed_hosts(entries):
    """Return the allowed host names; InvalidParameter for an entry that is not a host name."""
    names = []
    for entry in entries:
        name = host_name(entry)
        if name is None:
            raise InvalidParameter(f"MEASURESEARCH_ALLOWED_HOSTS: {entry!r} is not a host name "
                                   "(such as measures.example.org or 127.0.0.1)", "MEASURESEARCH_ALLOWED_HOSTS")
        names.append(name)
    return tuple(names)


def checked_database_url(value, name="MEASURESEARCH_DATABASE_URL"):
    """Return a postgresql:// URL as given; InvalidParameter (naming the scheme only: a URL may hold a password)."""
    if value is None:
        return None
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in ("postgresql", "postgres"):
        shown = f"{scheme}://" if scheme.isascii() and scheme.isalnum() else "something else"
        raise InvalidParameter(f"{name} must be a PostgreSQL URL such as postgresql://user@host/dbname "
                               f"(or unset for SQLite in MEASURESEARCH_DATA), not one starting with {shown}", name)
    return value


def checked_base_url(value, name="--base-url"):
    """Return a base URL without its trailing slash; InvalidParameter unless it is http(s)://host[/path]."""
    if value is None:
        return None
    parts = urllib.parse.urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment
            or host_name(parts.netloc) is None or not _PATH.fullmatch(parts.path) or _BAD_ESCAPE.search(parts.path)
            or not _port_fine(parts) or _odd_segments(parts.path)):
        raise InvalidParameter(f"{name} must look like https://example.org or https://example.org/path, "
                               f"not {value!r}", name)
    return value.rstrip("/")


_PATH = re.compile(r"[A-Za-z0-9/._~!$&'()*+,;=:@%-]*")  # RFC 3986 path characters: no braces, quotes or spaces
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")  # "%" not followed by two hex digits


def _odd_segments(path):
    """Whether a path has an empty segment ("//dti": a link to it is one to the host "dti") or a dot segment
    ("/a/../dti": a browser asks for "/dti", which the app mounted at "/a/../dti" does not serve)."""
    return any(segment in ("", ".", "..") for segment in path.rstrip("/").split("/")[1:])


def _port_fine(parts):
    """Whether a URL's port, if it has one, is 1-65535."""
    try:
        port = parts.port
    except ValueError:
        return False
    return port is None or port > 0
