"""The one error hierarchy of measuresearch; the web layer maps it to HTTP once."""


class MeasureSearchError(Exception):
    """Base class of every error this package raises on purpose."""

    status = 500
    code = "internal_error"
    headers = {}

    def __init__(self, message, parameter=None):
        super().__init__(message)
        self.message = message
        self.parameter = parameter


class InvalidParameter(MeasureSearchError):
    """Raised when a request parameter or the query text cannot be used."""

    status = 400
    code = "invalid_parameter"


class QueryTooComplex(InvalidParameter):
    """Raised when a query exceeds a documented limit (length, terms, depth)."""

    code = "query_too_complex"


class NotFound(MeasureSearchError):
    """Raised when a measure id or a page does not exist."""

    status = 404
    code = "not_found"


class Removed(MeasureSearchError):
    """Raised for the id of a measure that a re-import with --prune removed (a tombstone)."""

    status = 410
    code = "removed"

    def __init__(self, message, tombstone):
        super().__init__(message)
        self.tombstone = tombstone


class IndexUnavailable(MeasureSearchError):
    """Raised when the index folder is missing or cannot be read."""

    status = 503
    code = "index_unavailable"


class UnsupportedWhoosh(MeasureSearchError):
    """Raised when the installed Whoosh is not the release whose index layout codec.py was written against."""


class CannotListen(MeasureSearchError):
    """Raised when `serve` cannot bind its address (the port is in use, or not ours to take)."""

    status = 409
    code = "cannot_listen"


class EmptyCorpus(MeasureSearchError):
    """Raised when an index build is asked for a corpus that holds no measures."""

    status = 422
    code = "empty_corpus"


class BuildLocked(MeasureSearchError):
    """Raised when another build holds the index folder's lock."""

    status = 409
    code = "build_running"


class ImportLocked(MeasureSearchError):
    """Raised when another import holds the corpus folder's lock for longer than we wait."""

    status = 409
    code = "import_running"


class Unfinished(MeasureSearchError):
    """Raised when a corpus folder holds the journal of an import killed between its renames."""

    status = 409
    code = "import_unfinished"


class Conflict(MeasureSearchError):
    """Raised when a curator decides a proposal that was already decided, or accepts an edit as new (or back)."""

    status = 409
    code = "conflict"


class RateLimited(MeasureSearchError):
    """Raised when a client has sent its hourly number of reports and proposals."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after):
        super().__init__(f"too many reports and proposals from this address; try again in {retry_after} seconds")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ExportsBusy(MeasureSearchError):
    """Raised when a process is already writing as many full exports as it takes at a time."""

    status = 429
    code = "exports_busy"

    def __init__(self, retry_after, slots):
        super().__init__(f"{slots} full exports are being written already; try again in {retry_after} seconds")
        self.headers = {"Retry-After": str(retry_after)}


class Forbidden(MeasureSearchError):
    """Raised when a form is posted without its CSRF token or with a wrong one."""

    status = 403
    code = "forbidden"


class Unauthorized(MeasureSearchError):
    """Raised when an admin page is asked for without the right bearer token."""

    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="measuresearch curator"'}


class StoreUnavailable(MeasureSearchError):
    """Raised when the reports database cannot be opened or was written by a newer version."""

    status = 503
    code = "store_unavailable"


class Problem:
    """One located problem in an input file: file, line and message."""

    __slots__ = ("path", "line", "message")

    def __init__(self, path, line, message):
        self.path = path
        self.line = line
        self.message = message

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"

    def __repr__(self):
        return f"Problem({str(self)!r})"


class InputProblems(MeasureSearchError):
    """Raised when a corpus file or an imported page has one or more problems."""

    status = 422
    code = "invalid_input"

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
