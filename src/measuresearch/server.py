"""Serve the app with waitress, with limits chosen on purpose."""

import logging

import waitress

from .web.app import app_for_index

# Requests are small GETs: a small body and header limit, bounded
# connections, and time-outs so that slow clients cannot hold threads.
WAITRESS_SETTINGS = {
    # room for the longest valid query string (20 values x 300 characters per facet,
    # percent-encoded) so that the app, not the server, names the limit that was crossed
    "max_request_header_size": 64 * 1024,
    "max_request_body_size": 64 * 1024,
    "connection_limit": 200,
    "channel_timeout": 30,
    "cleanup_interval": 10,
    "expose_tracebacks": False,
    "ident": "measuresearch",
}


def serve(index_root, host, port, threads=8):
    """Serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app, holder = app_for_index(index_root)
    logging.getLogger("measuresearch").info("serving %s on http://%s:%s/", index_root, host, port)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, **WAITRESS_SETTINGS)
    finally:
        holder.close()
