"""Check an OpenAI-compatible endpoint on the first row, and word its failures in one line.

:func:`probe_models` asks ``GET /models`` once: an unreachable server or a refused key
(401/403) is found there, before any row is sent. The list it returns is a hint, not a gate:
Fireworks serves deployments by names no list shows, Ollama lists ``llava:latest`` for
``llava``, TGI answers to any name. The first row is the probe (see ``predict``): sent alone,
waited for when the server says it is busy or loading (:func:`worth_waiting`: 429, 503 and
the like, ``Retry-After`` honoured), and any other refusal (400, 404, 422, 500: a wrong model
name, most likely) ends the run at once in one line (:func:`probe_error`) with the server's
own words and the names it lists. The API key is never in any line.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import openai

from .server_words import one_line, server_words

#: Retries of ``GET /models``: enough for a passing hiccup, few enough that a server that is
#: down is reported in about a second, not after the whole retry schedule of a row.
PROBE_RETRIES = 1
#: The statuses after which the probe row is sent again: the server is busy, loading a model
#: or behind a gateway that timed out; not a refusal of the request.
WAIT_STATUSES = frozenset({408, 409, 429, 502, 503, 504})
#: The longest ``Retry-After`` honoured, in seconds (the ``openai`` client's limit too);
#: beyond it, and without one, the wait doubles from half a second up to 8 s.
LONGEST_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class Endpoint:
    """Where requests go and how they are let in (the key itself is kept out of ``repr``)."""

    base_url: str
    model: str
    #: The environment variable the key comes from, and whether it was set.
    api_key_env: str
    has_key: bool
    api_key: str = ""

    def __repr__(self) -> str:
        return f"Endpoint({self.base_url!r}, {self.model!r}, key from ${self.api_key_env})"

    def redact(self, text: str) -> str:
        """``text`` with the API key blanked out (a server may echo it in an error)."""
        return text.replace(self.api_key, "***") if self.has_key and self.api_key else text


@dataclass(frozen=True)
class Listing:
    """What ``GET /models`` gave: the model ids (None: no usable list), and whether the path
    was not found at all (404)."""

    names: list[str] | None
    not_found: bool = False


async def probe_models(client: openai.AsyncOpenAI, endpoint: Endpoint) -> Listing:
    """The model ids the server lists (None when it offers no usable ``GET /models``).

    Raises :class:`openai.APIConnectionError` (unreachable, timed out) and the 401 / 403
    errors as the client raises them: those end the run (:func:`endpoint_error`).
    """
    try:
        page = await client.with_options(max_retries=PROBE_RETRIES).models.list()
    except (openai.APIConnectionError, openai.AuthenticationError, openai.PermissionDeniedError):
        raise
    except openai.NotFoundError:
        return Listing(None, not_found=True)
    except (openai.APIError, ValueError, TypeError):  # 405, 5xx, or not a model list
        return Listing(None)
    return Listing([model.id for model in page.data if isinstance(getattr(model, "id", None), str)])


def endpoint_error(err: openai.APIError, endpoint: Endpoint) -> str | None:
    """The one line that ends a run for ``err`` on any row, or None when it concerns one row.

    Unreachable, key refused: every row would fail the same way.
    """
    where = f"the server at {endpoint.base_url}"
    if isinstance(err, openai.APIConnectionError):  # APITimeoutError included
        cause = err.__cause__ or err
        reason = "timed out" if isinstance(err, openai.APITimeoutError) else str(cause) or str(err)
        return endpoint.redact(f"cannot reach {where}: {reason}")
    if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
        if not endpoint.has_key:
            return (
                f"{where} wants an API key ({err.status_code}): set ${endpoint.api_key_env}, "
                "or name the variable that holds it with --api-key-env"
            )
        return (
            f"{where} refused the API key in ${endpoint.api_key_env} ({err.status_code}: "
            f"{endpoint.redact(one_line(server_words(err)))})"
        )
    return None


def worth_waiting(err: openai.APIError) -> bool:
    """Whether the probe row is sent again after ``err``: a connection error, a timeout, or a
    status saying the server is busy or loading (:data:`WAIT_STATUSES`)."""
    if isinstance(err, openai.APIConnectionError):
        return True
    return isinstance(err, openai.APIStatusError) and err.status_code in WAIT_STATUSES


def wait_before(err: openai.APIError, attempt: int) -> float:
    """Seconds to wait before sending the probe again: the server's ``Retry-After`` (seconds
    or an HTTP date) when it gave one up to :data:`LONGEST_RETRY_AFTER`, else a doubling
    backoff from 0.5 s to 8 s."""
    response = getattr(err, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    seconds = _seconds(header) if header else None
    if seconds is not None and 0 <= seconds <= LONGEST_RETRY_AFTER:
        return seconds
    return min(0.5 * 2**attempt, 8.0)


def _seconds(header: str) -> float | None:
    try:
        return float(header)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(header).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def probe_error(err: openai.APIError, endpoint: Endpoint, listing: Listing) -> str:
    """The one line that ends a run whose first row was refused: the status and the server's
    words, then the likely cause (a base URL without ``/v1``, or the model name) and the
    names the server lists."""
    where = f"the server at {endpoint.base_url}"
    status = getattr(err, "status_code", None)
    said = f"{status}: " if status is not None else ""
    refused = f"{where} refused the first row ({said}{endpoint.redact(one_line(server_words(err)))})"
    if listing.not_found and status == 404 and not _has_v1(endpoint.base_url):
        return f"{refused}; it has no /models either: the base URL lacks /v1, try --base-url {endpoint.base_url}/v1"
    names = listing.names
    if names and endpoint.model in names:
        return f"{refused}; it lists the model {endpoint.model!r}, so the request itself may be the cause"
    if names:
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        offered = f"it lists: {shown}"
    else:
        offered = "it lists no models" if names is not None else "it gives no model list"
    return f"{refused}; the likely cause is the model name {endpoint.model!r} ({offered})"


def row_error(err: openai.APIError, endpoint: Endpoint) -> str:
    """Why a row failed after the retries, in the server's whole words (for the errors file)."""
    return endpoint.redact(f"{type(err).__name__}: {server_words(err)}")


def _has_v1(base_url: str) -> bool:
    return "v1" in urlsplit(base_url).path.split("/")
