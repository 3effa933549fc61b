"""Check an OpenAI-compatible endpoint before any row is sent, and word its failures in one line.

:func:`probe_models` asks ``GET /models`` once: an unreachable server, a refused key (401/403)
or a model the list lacks is found there, before the first row costs anything. Servers that
do not offer the list (or list only some models: Fireworks serves deployments by names no list
shows) make the first row the probe instead (see ``predict``). :func:`endpoint_error` turns
the ``openai`` client's errors into the one line the user sees, the API key never in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import openai

#: Retries of the probe: enough for a passing hiccup, few enough that a server that is down
#: is reported in about a second, not after the whole retry schedule of a row.
PROBE_RETRIES = 1


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


async def probe_models(client: openai.AsyncOpenAI, endpoint: Endpoint) -> list[str] | None:
    """The model ids the server lists, or None when it offers no usable ``GET /models``.

    Raises :class:`openai.APIConnectionError` (unreachable, timed out) and the 401 / 403
    errors as the client raises them: those end the run (:func:`endpoint_error`).
    """
    try:
        page = await client.with_options(max_retries=PROBE_RETRIES).models.list()
    except (openai.APIConnectionError, openai.AuthenticationError, openai.PermissionDeniedError):
        raise
    except (openai.APIError, ValueError, TypeError):  # 404, 405, 5xx, or not a model list
        return None
    return [model.id for model in page.data if isinstance(getattr(model, "id", None), str)]


def endpoint_error(err: openai.APIError, endpoint: Endpoint, listed: list[str] | None = None) -> str | None:
    """The one line that ends a run for ``err``, or None when it concerns one row only.

    Unreachable, key refused, model unknown: every row would fail the same way.
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
            f"{endpoint.redact(_message(err))})"
        )
    if isinstance(err, openai.NotFoundError):
        offered = f" (it lists: {', '.join(listed[:10])})" if listed else ""
        return f"{where} has no model {endpoint.model!r}{offered}"
    return None


def row_error(err: openai.APIError, endpoint: Endpoint) -> str:
    """One line saying why a row failed after the retries (for the errors file)."""
    return endpoint.redact(f"{type(err).__name__}: {_message(err)}".replace("\n", " "))


def _message(err: openai.APIError) -> str:
    """The server's own message when it sent one, else the client's."""
    body = err.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return err.message
