"""Serve the app with waitress, with limits chosen on purpose."""

import ctypes
import errno
import logging
import socket
import sys
import urllib.parse

import waitress
from waitress.server import BaseWSGIServer

from measuresearch import config as configuration
from measuresearch.web.http.edges import StrictChannel
from measuresearch.errors import CannotListen
from measuresearch.web.app import app_for_index

# Requests are small GETs: a small body and header limit, bounded
# connections, and time-outs so that slow clients cannot hold threads.
WAITRESS_SETTINGS = {
    # room for the query strings people send, so that the app names the limit that was crossed; a query
    # within every per-parameter limit can be longer (ten facets of 20 values of 300 Cyrillic characters,
    # percent-encoded, about 350 KB) and is the server's 414 (docs/API.md)
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 64 * 1024,
    "connection_limit": 200,
    "channel_timeout": 30,
    "cleanup_interval": 10,
    "expose_tracebacks": False,
    "ident": "measuresearch",
}


def limit_malloc_arenas(arenas=2):
    """Cap glibc's per-thread malloc arenas (M_ARENA_MAX).

    Each worker thread otherwise gets its own arena, and the large, short-lived
    numpy arrays of a query leave every arena fragmented: measured at 100k
    measures with 8 threads, 830 MB of RSS instead of 490 MB. No-op off glibc.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX in <malloc.h>
    except (OSError, AttributeError):
        pass


class CurrentStream(logging.StreamHandler):
    """A handler that writes to sys.stdout or sys.stderr as it is when a line is written, not when it was made.

    A handler holding the stream of the moment it was made writes, once that stream is
    replaced and closed (a redirect in the process, a test's captured output), into a closed
    file: "--- Logging error ---" and a traceback on standard error instead of the line.
    """

    def __init__(self, name):
        self._which = name
        super().__init__()

    @property
    def stream(self):
        return getattr(sys, self._which)

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ sets it; the stream is always the current one
        pass


def configure_logging(quiet=False):
    """Access lines and index pick-ups on standard output; warnings and errors on standard error."""
    out = CurrentStream("stdout")
    out.setFormatter(logging.Formatter("%(message)s"))
    for name in ("measuresearch.access", "measuresearch.index"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [out]
        logger.propagate = False
        logger.setLevel(logging.INFO)
    if quiet:
        logging.getLogger("measuresearch.access").setLevel(logging.WARNING)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=[CurrentStream("stderr")])


def _free_port_after(host, port, tries=20):
    """Return the first port after `port` that can be bound on host now (or port + 1)."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket() as sock:
            try:
                sock.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return port + 1


def proxy_settings(networks, count=1):
    """Return waitress's trusted-proxy settings for the trusted networks (none: waitress drops the headers).

    Waitress trusts one peer address, or every peer ("*"); a single address is given to it as
    such, anything wider as "*", and StrictChannel then strips the forwarded headers of every
    peer outside the networks before waitress reads them. From a trusted peer, waitress takes
    the client from X-Forwarded-For (`count` hops from the right, the ones the proxies appended)
    and the scheme from X-Forwarded-Proto.
    """
    if not networks:
        return {}
    single = len(networks) == 1 and networks[0].num_addresses == 1
    return {"trusted_proxy": str(networks[0].network_address) if single else "*",
            "trusted_proxy_count": count, "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}}


def listen(app, host, port, threads=8, networks=(), proxy_count=1):
    """Return a waitress server bound to host:port with the strict channel; ServerUnavailable if it cannot bind.

    networks: the trusted proxies (ipaddress networks); proxy_count: how many stand in front.
    """
    sockets = {}
    try:
        server = waitress.create_server(app, map=sockets, host=host, port=port, threads=threads,
                                        **WAITRESS_SETTINGS, **proxy_settings(networks, proxy_count))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(f"port {port} is in use; try PORT={_free_port_after(host, port)} make serve") from None
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    except ValueError:  # waitress: a host that resolves to no address
        raise CannotListen(f"cannot listen on {host}:{port}: no such address") from None
    for listener in sockets.values():
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = StrictChannel
            listener.trusted_networks = tuple(networks)
    return server


def serve(index_root, host, port, threads=8, quiet=False, base_url=None):
    """Serve until interrupted; one access line per request on standard output unless quiet."""
    limit_malloc_arenas()
    configure_logging(quiet)
    cfg = configuration.from_environment()
    app, holder = app_for_index(index_root, base_url, threads, freeze=True)
    try:
        server = listen(app, host, port, threads, cfg.trusted_proxies, cfg.trusted_proxy_count)
        root = urllib.parse.urlsplit(base_url or cfg.base_url or "").path.rstrip("/")  # a base URL's path: under it
        print(f"serving {index_root} on http://{host}:{port}{root}/", flush=True)
        server.run()
    finally:
        holder.close()
