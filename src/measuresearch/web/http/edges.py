"""What waitress is told beyond its settings: message framing, over-long URLs, the access log.

Written against waitress 3.0: its HTTPChannel takes the parser and task
classes as class attributes, which this module subclasses.
"""

import datetime
import ipaddress
import json
import logging
import re
import time
import urllib.parse

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.proxy_headers import PROXY_HEADERS
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import BadRequest, InternalServerError, RequestEntityTooLarge

access_log = logging.getLogger("measuresearch.access")
ERROR_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]
# control characters in a logged request line are written as \xNN, so a log line stays one line
_PRINTABLE = {code: f"\\x{code:02x}" for code in (*range(32), 127)}
LOGGED_TARGET_CHARS = 500
KEPT_TARGET_BYTES = 4096
# an over-long head is read and dropped up to this size before the 414 goes out
MAX_DROPPED_BYTES = 1024 * 1024
_FOLDED = re.compile(rb"\r\n[ \t]")
_NOT_ASCII = re.compile(rb"[\x80-\xff]")


def _escaped_request_line(header_plus):
    """Percent-encode the bytes past ASCII in the request line (the rest of the head is left as it is).

    Browsers send `?q=%D0%9A...`, but curl and scripts send the UTF-8 bytes of
    `?q=Казахстан` as they are; waitress would answer those "400 Bad URI" in
    plain text. %XX of the same bytes is what a browser would have sent.
    """
    line_end = header_plus.find(b"\n")
    line = header_plus if line_end < 0 else header_plus[:line_end]
    if not _NOT_ASCII.search(line):
        return header_plus
    escaped = _NOT_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], line)
    return escaped if line_end < 0 else escaped + header_plus[line_end:]


class RefusedByServer(BadRequest):
    """A request waitress refuses before the app sees it: the app's JSON error shape under /api/, else text."""

    code, reason, error_code, message, target = 400, "Bad Request", "http_error", "", "/"

    def to_response(self, ident=None):
        # "/api/..." at the root, or under a base URL's path ("/dti/api/..."), which the app, not waitress, strips
        if "/api/" in urllib.parse.urlsplit(self.target).path:
            body = json.dumps({"error": {"status": self.code, "code": self.error_code, "message": self.message,
                                         "parameter": None}})
            content_type = "application/json"
        else:
            body, content_type = f"{self.reason}: {self.message}\r\n", "text/plain; charset=utf-8"
        return f"{self.code} {self.reason}", [("Content-Type", content_type), *ERROR_HEADERS], body.encode()


class HeadTooLarge(RefusedByServer):
    """A request line or header block longer than the server reads: 414 or 431, as JSON under /api/."""

    def __init__(self, target, limit, url):
        self.code, self.reason, self.error_code = ((414, "URI Too Long", "uri_too_long") if url else
                                                   (431, "Request Header Fields Too Large", "headers_too_large"))
        self.message = (f"the URL is longer than {limit} bytes; send fewer or shorter parameters" if url else
                        f"the request headers are longer than {limit} bytes")
        super().__init__(self.message)
        self.target = target


class BodyTooLarge(RefusedByServer):
    """A body longer than the server reads (waitress's max_request_body_size): 413, as JSON under /api/."""

    code, reason, error_code = 413, "Content Too Large", "body_too_large"

    def __init__(self, target, limit):
        self.message = f"the body may be at most {limit} bytes"
        super().__init__(self.message)
        self.target = target


class StrictParser(HTTPRequestParser):
    """Waitress's parser, plus: no Content-Length beside Transfer-Encoding, no folded header, HTTP/1.0 with
    Transfer-Encoding closed after its answer; a JSON 414 for long URLs."""

    def parse_header(self, header_plus):
        header_plus = _escaped_request_line(header_plus)
        super().parse_header(header_plus)
        head_end = header_plus.find(b"\r\n\r\n")
        if _FOLDED.search(header_plus, 0, head_end if head_end >= 0 else len(header_plus)):
            # RFC 9112 5.2: obsolete line folding; waitress joins the lines (a Content-Length folded onto
            # another header's value included), a proxy in front may have read them apart
            self.headers["CONNECTION"] = "close"
            self.connection_close = True
            raise ParsingError("a header line may not begin with a space or a tab (obsolete line folding)")
        if self.version == "1.0" and "TRANSFER_ENCODING" in self.headers:
            # RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; answer it, then close,
            # so that its body is never read as a request of its own (keep-alive asked for or not)
            self.headers["CONNECTION"] = "close"
            self.connection_close = True
        # waitress pops Transfer-Encoding on HTTP/1.1 (and then sets chunked); on 1.0 it stays a header
        if "CONTENT_LENGTH" in self.headers and (self.chunked or "TRANSFER_ENCODING" in self.headers):
            # RFC 9112 6.1: the framing is ambiguous, so a proxy in front may have read it the other way;
            # refuse it, and the error task closes the connection, dropping anything pipelined behind it
            # (said in the answer too, even to an HTTP/1.0 client that asked for keep-alive)
            self.headers["CONNECTION"] = "close"
            self.connection_close = True
            raise ParsingError("a request may not carry both Content-Length and Transfer-Encoding")

    overlong = None  # the HeadTooLarge error while the rest of an over-long head is read and dropped
    # set by waitress only once a request line is read: a line it refuses ("hello"), or the blank request
    # its channel makes to answer a 500, has none, and the access log and waitress's own error path read them
    command = request_uri = path = None

    def received(self, data):
        if self.overlong is not None:
            return self._drop(data)
        if self.body_rcv is None and not self.completed:
            buffered = self.header_plus + data
            limit = self.adj.max_request_header_size
            head_end = buffered.find(b"\r\n\r\n")
            if (head_end if head_end >= 0 else len(buffered)) >= limit:
                line_end = buffered.find(b"\n")
                request_line = buffered if line_end < 0 else buffered[:line_end]
                parts = request_line[:KEPT_TARGET_BYTES].split(b" ", 2)
                target = parts[1].decode("latin-1") if len(parts) > 1 else "/"
                self.overlong = HeadTooLarge(target, limit, url=len(request_line) >= limit)
                self.tail, self.dropped, self.header_plus = self.header_plus[-3:], 0, b""
                return self._drop(data)
        consumed = super().received(data)
        if isinstance(self.error, RequestEntityTooLarge):  # waitress's own 413 is plain text
            self.error = BodyTooLarge(self.path or "/", self.adj.max_request_body_size)
        return consumed

    def _drop(self, data):
        """Read the rest of an over-long head without keeping it, then answer 414 or 431.

        Answering at once and closing would leave the client's unread bytes in
        the server's socket, and the kernel would reset the connection before
        the client reads the answer.
        """
        window = self.tail + data
        end = window.find(b"\r\n\r\n")
        self.dropped += len(data)
        if end < 0 and self.dropped < MAX_DROPPED_BYTES:
            self.tail = window[-3:]
            return len(data)
        self.parse_header(b"GET / HTTP/1.0\r\n")  # as waitress does for its own 431: a request to answer
        self.error, self.completed = self.overlong, True
        return len(data) if end < 0 else end + 4 - len(self.tail)


def _target(request):
    if request is None:
        return "-"
    target = request.request_uri or "-"
    if isinstance(request.error, HeadTooLarge):
        target = request.error.target
    target = target.translate(_PRINTABLE)
    return target if len(target) <= LOGGED_TARGET_CHARS else target[:LOGGED_TARGET_CHARS] + "…"


def log_line(task, started):
    """Log one access line: time, method, path and query, status, milliseconds, bytes."""
    if not access_log.isEnabledFor(logging.INFO) or _answers_a_failure(task.request):
        return
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    request = task.request
    method = (request.command or "-") if request is not None else "-"
    status = (task.status or "-").split(" ", 1)[0]
    elapsed = (time.perf_counter() - started) * 1000
    access_log.info("%s %s %s %s %.1fms %dB", now, method, _target(request), status, elapsed,
                    task.content_bytes_written)


def _answers_a_failure(request):
    """True for the blank request waitress's channel makes to answer a task that failed: that task logs it."""
    return request is not None and request.command is None and isinstance(request.error, InternalServerError)


class _Logged:
    """Logs a task's request once it is answered (mixed in before a waitress task class)."""

    def service(self):
        started = time.perf_counter()
        try:
            super().service()
        except Exception:
            if not self.wrote_header:  # waitress answers it next with a 500: the line says so, with this request
                self.status = "500 Internal Server Error"
            raise
        finally:
            log_line(self, started)


class LoggedTask(_Logged, WSGITask):
    """A request answered by the app, logged when it is done; forwarded headers only from trusted peers."""

    def get_environment(self):
        environ = super().get_environment()
        networks = getattr(self.channel.server, "trusted_networks", ())
        if networks and not _within(environ.get("REMOTE_ADDR"), networks):
            # waitress was told to trust "*" (it knows one address, not networks): refuse the rest here
            for name in FORWARDED_HEADERS:
                environ.pop(name, None)
        elif networks:
            _checked_forwarding(environ, self.channel.server.adj.trusted_proxy_count)
        return environ


FORWARDED_HEADERS = tuple("HTTP_" + name for name in PROXY_HEADERS)
# environ key naming a forwarded header of a trusted proxy that was malformed (taken out): the app answers 400
BAD_FORWARDING = "measuresearch.bad_forwarding"


def _checked_forwarding(environ, count):
    """Leave waitress the forwarded headers of a trusted proxy only in a form it reads right.

    X-Forwarded-For keeps the `count` hops the proxies appended (what a client wrote before
    them is its own, and must not break its requests), each an IP address written plainly
    (an IPv4-mapped one as IPv4, a port dropped). A hop that names no address (`unknown`,
    nginx's `unix:` for a client on a socket, a garbled one) leaves the request to count as
    the proxy's own. X-Forwarded-Proto is http or https; another is taken out and named
    under BAD_FORWARDING (the app answers 400). Waitress alone answered 500 or a plain-text
    400 for some of these, and read others wrong (`::ffff:192.0.2.1` as the address `::ffff`
    with a port).
    """
    hops = environ.get("HTTP_X_FORWARDED_FOR")
    if hops is not None:
        kept = [_hop_address(hop) for hop in hops.split(",")[-count:]]
        if None in kept:
            environ.pop("HTTP_X_FORWARDED_FOR")
        else:
            environ["HTTP_X_FORWARDED_FOR"] = ", ".join(kept)
    proto = environ.get("HTTP_X_FORWARDED_PROTO")
    if proto is not None:
        if proto.strip().lower() in ("http", "https"):
            environ["HTTP_X_FORWARDED_PROTO"] = proto.strip().lower()
        else:
            environ.pop("HTTP_X_FORWARDED_PROTO")
            environ[BAD_FORWARDING] = "X-Forwarded-Proto"


def _hop_address(hop):
    """Return one X-Forwarded-For hop as waitress reads an address (IPv6 in brackets), or None if it is none.

    Taken: `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:443`, quoted or not.
    """
    text = hop.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address) if address.version == 4 else f"[{address}]"


def _within(address, networks):
    try:
        peer = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(peer in network for network in networks)


class LoggedErrorTask(_Logged, ErrorTask):
    """A request that waitress refused before the app saw it, logged too."""


class StrictChannel(HTTPChannel):
    """A connection served with the parser and tasks above."""

    parser_class = StrictParser
    task_class = LoggedTask
    error_task_class = LoggedErrorTask
