"""What the report and proposal forms say when they are refused: the field, and words a reader can act on.

A refusal keeps everything typed. Its message is built from the kind of
refusal (too short, too long, over the hourly limit) in the page's language;
the text boxes' counters (static/report.js) show the same words before a
form is sent. Other refusals show the checker's message.
"""

import dataclasses

from measuresearch.curation import submissions
from measuresearch.errors import RateLimited
from measuresearch.web import i18n

# the text boxes with a counter: (fewest, most) characters
LIMITS = {"message": (submissions.MESSAGE_MIN, submissions.MESSAGE_MAX),
          "description": (submissions.DESCRIPTION_MIN, submissions.TEXT_LIMITS["description"])}


@dataclasses.dataclass
class FormError:
    """A refused form: the field (parameter) it is about, and what the template needs to say why."""

    parameter: str | None
    message: str
    kind: str | None = None  # too_short, too_long, rate_limited; None: show `message`
    limit: int | None = None
    length: int | None = None
    wait: str | None = None


def form_values(form, fields):
    """Return the posted fields as typed, line breaks as one LF each (what the text box counted)."""
    return {name: form.get(name, "").replace("\r\n", "\n") for name in fields}


def form_error(exc, values, lang):
    """Return the FormError of a refusal (InvalidParameter or RateLimited) of the form `values`."""
    if isinstance(exc, RateLimited):
        return FormError(None, exc.message, "rate_limited", wait=i18n.wait(exc.retry_after, lang))
    field = exc.parameter
    if field in LIMITS and isinstance(values.get(field), str):
        low, high = LIMITS[field]
        text = values[field]
        if len(text.strip()) < low:
            return FormError(field, exc.message, "too_short", low, len(text.strip()))
        if len(text) > high:
            return FormError(field, exc.message, "too_long", high, len(text))
    return FormError(field, exc.message)
