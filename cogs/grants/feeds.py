"""Reading an iCalendar feed from a URL a moderator gave, without letting it probe our network.

The fetch refuses anything but public unicast addresses (unless FETCH_ALLOW_PRIVATE is set):
IP literals are checked before connecting, host names inside the connector's resolver, so the
address that was checked is the address connected to (no DNS-rebinding window). Redirects are
followed by hand, each hop checked the same way. One deadline for the whole fetch (all hops),
a streamed size cap and a content type check bound what a feed can cost us. Parsing happens
elsewhere, in a child process (feed_worker).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from cogs.grants.feed_parse import FeedError
from cogs.grants.logic import URL_MAX, GrantError, http_url

__all__ = ["FeedError", "check_feed_url", "fetch_calendar", "is_public_address", "redact_url"]

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
CALENDAR_TYPES = frozenset({"text/calendar"})
# Some servers label .ics files generically; accepted only when the body is a calendar.
GENERIC_TYPES = frozenset({"text/plain", "application/octet-stream"})
USER_AGENT = "HammingBot/1 (+grant deadline import)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]


class AddressRefused(OSError):
    """The resolver found only addresses we may not connect to."""


# --- which addresses may be fetched ----------------------------------------------------------

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: IPAddress) -> bool:
    """Public unicast only: no loopback, private, link-local, reserved, multicast, CGNAT.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are judged by the
    IPv4 address inside them.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on the wire
            return is_public_address(address.ipv4_mapped)
        embedded: list[ipaddress.IPv4Address] = []
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(not is_public_address(inner) for inner in embedded):
            return False
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
        # fec0::/10 (deprecated site-local) still routes inside some networks; Python says global
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


def any_address(address: IPAddress) -> bool:
    return True


def policy_for(allow_private: bool) -> AddressPolicy:
    return any_address if allow_private else is_public_address


class CheckingResolver(AbstractResolver):
    """Resolves like aiohttp does, then drops every address the policy refuses."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._inner = ThreadedResolver()
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self._policy(ipaddress.ip_address(r["host"]))]
        if not allowed:
            shown = ", ".join(sorted({r["host"] for r in results})) or "nothing"
            raise AddressRefused(f"{host} resolves to {shown}")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


# --- the fetch ------------------------------------------------------------------------------------


def check_feed_url(text: str) -> URL:
    """An http(s) URL with a host, as yarl reads it."""
    try:
        cleaned = http_url(text)
    except GrantError as exc:
        raise FeedError(str(exc)) from None
    url = URL(cleaned)
    if url.scheme not in ("http", "https") or not url.host:
        raise FeedError("Only http:// and https:// feed links are accepted.")
    if url.user or url.password:
        raise FeedError("Feed links with a user name or password in them aren't accepted.")
    return url


def _check_literal(url: URL, policy: AddressPolicy) -> None:
    """IP literals never reach the resolver, so they are checked here.

    Numeric shorthands such as 2130706433 or 127.1 are not literals to aiohttp: they go
    through the resolver, whose answer (127.0.0.1) is checked there.
    """
    host = (url.raw_host or "").strip("[]")
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return
    if not policy(address):
        raise FeedError(_private_message(host))


def _private_message(host: str) -> str:
    return (
        f"{host} is (or points to) a private, loopback or otherwise internal address; I only"
        " fetch feeds from"
        " public addresses (the bot's host can allow private ones with FETCH_ALLOW_PRIVATE)."
    )


async def fetch_calendar(
    text: str,
    *,
    allow_private: bool = False,
    policy: AddressPolicy | None = None,
    timeout: float = TIMEOUT_SECONDS,  # noqa: ASYNC109 - a whole-fetch budget passed to aiohttp
    max_bytes: int = MAX_BYTES,
) -> bytes:
    """The body of an iCalendar feed at `text`, or FeedError saying what was wrong."""
    policy = policy or policy_for(allow_private)
    url = check_feed_url(text)
    connector = aiohttp.TCPConnector(resolver=CheckingResolver(policy), use_dns_cache=False)
    # The budget is for the whole fetch: aiohttp's own total applies per request (per hop).
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    try:
        async with (
            asyncio.timeout(timeout),
            aiohttp.ClientSession(
                connector=connector,
                timeout=client_timeout,
                headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, text/plain;q=0.5"},
            ) as session,
        ):
            for _hop in range(MAX_REDIRECTS + 1):
                _check_literal(url, policy)
                async with session.get(url, allow_redirects=False) as response:
                    if response.status in (301, 302, 303, 307, 308):
                        url = _redirect_target(url, response)
                        continue
                    return await _read_body(response, max_bytes)
            raise FeedError(
                f"The feed redirected more than {MAX_REDIRECTS} times; give its final link."
            )
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, AddressRefused) or isinstance(exc.__cause__, AddressRefused):
            raise FeedError(_private_message(exc.host)) from None
        raise FeedError(
            f"I couldn't connect to {exc.host}: {exc.os_error.strerror or exc}."
        ) from None
    except TimeoutError:
        raise FeedError(f"The feed took longer than {timeout:.0f} s to arrive.") from None
    except aiohttp.InvalidURL:
        raise FeedError("That link isn't a valid web address.") from None
    except aiohttp.ClientError as exc:
        raise FeedError(f"Fetching the feed failed ({type(exc).__name__}).") from None


def _redirect_target(current: URL, response: aiohttp.ClientResponse) -> URL:
    location = response.headers.get("Location")
    if not location:
        raise FeedError("The feed answered with a redirect but no new address.")
    target = current.join(URL(location))
    if target.scheme not in ("http", "https") or not target.host:
        raise FeedError("The feed redirected to something that isn't an http(s) link.")
    if len(str(target)) > URL_MAX:
        raise FeedError("The feed redirected to an overly long link.")
    return target


async def _read_body(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    if response.status != 200:
        raise FeedError(
            f"The feed's server answered {response.status} {response.reason or ''}.".replace(
                " .", "."
            )
        )
    size = response.content_length
    if size is not None and size > max_bytes:
        raise FeedError(f"The feed is {size // 1024} KiB; at most {max_bytes // 1024} KiB is read.")
    content_type = response.content_type.lower()
    if content_type not in CALENDAR_TYPES | GENERIC_TYPES:
        raise FeedError(
            f"The link serves {content_type or 'no content type'}, not an iCalendar feed"
            " (text/calendar)."
        )
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise FeedError(f"The feed is larger than {max_bytes // 1024} KiB, the most I read.")
    if not _looks_like_calendar(bytes(body)):
        if content_type in GENERIC_TYPES:
            raise FeedError(
                f"The link serves {content_type} that isn't an iCalendar feed (no BEGIN:VCALENDAR)."
            )
        raise FeedError("The feed is malformed: it doesn't start with BEGIN:VCALENDAR.")
    return bytes(body)


def _looks_like_calendar(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper() == b"BEGIN:VCALENDAR"


def redact_url(text: str) -> str:
    """A feed link fit for logs: scheme and host only (a path or query can be a secret,
    such as a private Google Calendar address)."""
    try:
        url = URL(text)
    except (ValueError, TypeError):
        return "<unreadable link>"
    if not url.host:
        return "<link without a host>"
    port = f":{url.explicit_port}" if url.explicit_port else ""
    hidden = "/…" if (url.raw_path not in ("", "/") or url.raw_query_string) else ""
    return f"{url.scheme}://{url.host}{port}{hidden}"
