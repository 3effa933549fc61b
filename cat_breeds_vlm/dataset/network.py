"""What to say when the Hub cannot be reached: the address that was tried, and what to do next.

huggingface_hub and ``datasets`` report a network failure in their client's words (``[Errno -2]
Name or service not known``, ``Couldn't reach 'x' on the Hub``), naming neither the Hub address
they tried (``HF_ENDPOINT`` changes it) nor a way forward. :func:`unreachable` says both, in one
line: the address (and whether ``HF_ENDPOINT`` set it), what the client said, and the next
steps: this machine offline, a proxy (``HTTPS_PROXY``, which the Hub client honours), another
address (``HF_ENDPOINT``), and, for reading, the local cache (``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import os

from ..errors import one_line

#: The proxy settings the Hub's HTTP client reads (httpx honours these, either case).
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


def hub_address() -> str:
    """The Hub's address as huggingface_hub uses it, and ``, set by HF_ENDPOINT`` when it is."""
    from huggingface_hub import constants

    return f"{constants.ENDPOINT}, set by HF_ENDPOINT" if os.environ.get("HF_ENDPOINT") else constants.ENDPOINT


def network_errors() -> tuple[type[BaseException], ...]:
    """What huggingface_hub and ``datasets`` raise when a request gets no answer (or an HTTP
    error answer: :func:`is_unreachable` tells the two apart)."""
    import huggingface_hub.errors as hub

    client = getattr(hub, "HTTPError", hub.HfHubHTTPError)  # its HTTP client's base error
    return (client, hub.OfflineModeIsEnabled, hub.LocalEntryNotFoundError, ConnectionError, TimeoutError)


def is_unreachable(err: BaseException) -> bool:
    """True when ``err`` is a request that got no answer at all (not an HTTP status answer, not
    offline mode's refusal to ask)."""
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    from .locate import is_offline

    if isinstance(err, OfflineModeIsEnabled):
        return False
    if isinstance(err, HfHubHTTPError):
        return err.response is None
    if isinstance(err, LocalEntryNotFoundError):  # no answer, and no copy in the cache
        return not is_offline()
    return isinstance(err, network_errors())


def is_timeout(err: BaseException) -> bool:
    """True for a request that waited too long (httpx's TimeoutException is no TimeoutError)."""
    return isinstance(err, TimeoutError) or any(c.__name__ == "TimeoutException" for c in type(err).__mro__)


def next_steps(*, reading: bool) -> str:
    """What to try when the Hub cannot be reached, as sentences; ``reading``: the local cache
    may serve instead."""
    proxy = next((name for name in _PROXY_VARIABLES if os.environ.get(name)), None)
    behind = f"Is the proxy in {proxy} right?" if proxy else "Behind a proxy, set HTTPS_PROXY"
    if os.environ.get("HF_ENDPOINT"):
        steps = f"Is HF_ENDPOINT right (unset it for https://huggingface.co)? {behind}"
    else:
        steps = f"Is this machine online? {behind}; for another Hub address, set HF_ENDPOINT"
    if reading:
        steps += "; to read what an earlier download left in the local cache, set HF_HUB_OFFLINE=1"
    return steps


def unreachable(err: BaseException, *, reading: bool) -> str:
    """``the Hub (ADDRESS) cannot be reached: WHAT. NEXT STEPS`` (or ``did not answer in time``)."""
    what = "did not answer in time" if is_timeout(err) else "cannot be reached"
    return f"the Hub ({hub_address()}) {what}: {one_line(err)}. {next_steps(reading=reading)}"


def offline_words() -> str:
    """Why nothing was asked: offline mode is on."""
    return "offline mode is on (HF_HUB_OFFLINE): only copies in the local Hugging Face cache are read"
