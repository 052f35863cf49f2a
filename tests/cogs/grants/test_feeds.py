"""The safe feed fetch (against a local HTTP server) and the iCalendar parse."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from aiohttp import web

from cogs.grants.feed_parse import MAX_EVENTS, MAX_INSTANCES, parse_calendar
from cogs.grants.feed_worker import parse_in_worker
from cogs.grants.feeds import FeedError, fetch_calendar, is_public_address

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:round-1@funder\r\nSUMMARY:Round 1\r\n"
    "DTSTART;VALUE=DATE:20260301\r\nURL:https://funder.example/round-1\r\n"
    "DESCRIPTION:Apply early\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:round-2@funder\r\nSUMMARY:Round 2\r\n"
    "DTSTART;TZID=America/New_York:20260415T170000\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:round-3@funder\r\nSUMMARY:Round 3\r\nDTSTART:20260501T120000Z\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:floating@funder\r\nSUMMARY:Floating\r\nDTSTART:20260601T090000\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:No uid\r\nDTSTART:20260601T090000Z\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:bad-date@funder\r\nSUMMARY:Bad date\r\nDTSTART:2026xx01\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:cancelled@funder\r\nSUMMARY:Called off\r\nSTATUS:CANCELLED\r\n"
    "DTSTART:20260701T120000Z\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 around 10.0.0.1
        ("fec0::1", False),  # deprecated site-local: still routed inside some networks
        ("feff::1", False),
    ],
)
def test_only_public_unicast_addresses_are_fetched(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


# --- parsing -------------------------------------------------------------------------------------


def test_parse_reads_dates_zones_and_skips_unusable_events() -> None:
    parsed = parse_calendar(ICS.encode(), BERLIN, now=NOW)
    by_uid = {e.uid: e for e in parsed.events}
    assert set(by_uid) == {
        "round-1@funder",
        "round-2@funder",
        "round-3@funder",
        "floating@funder",
        "cancelled@funder",
    }
    # a date alone: 23:59 that day in the server's zone
    assert by_uid["round-1@funder"].deadline == datetime(2026, 3, 1, 23, 59, tzinfo=BERLIN)
    assert by_uid["round-1@funder"].url == "https://funder.example/round-1"
    assert by_uid["round-1@funder"].notes == "Apply early"
    ny = ZoneInfo("America/New_York")
    assert by_uid["round-2@funder"].deadline == datetime(2026, 4, 15, 17, 0, tzinfo=ny)
    assert by_uid["round-3@funder"].deadline == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert by_uid["floating@funder"].deadline == datetime(2026, 6, 1, 9, 0, tzinfo=BERLIN)
    assert by_uid["cancelled@funder"].cancelled
    assert len(parsed.skipped) == 2
    assert any("no UID" in s for s in parsed.skipped)
    assert any("Bad date" in s for s in parsed.skipped)


@pytest.mark.parametrize(
    "body",
    [b"garbage", b"BEGIN:VCALENDAR\r\nthis is not ical\r\nEND:VCALENDAR\r\n", b"<html></html>"],
)
def test_a_malformed_feed_is_an_error(body: bytes) -> None:
    with pytest.raises(FeedError, match="malformed"):
        parse_calendar(body, BERLIN, now=NOW)


def test_a_changed_event_has_a_new_fingerprint() -> None:
    before = {e.uid: e for e in parse_calendar(ICS.encode(), BERLIN, now=NOW).events}
    changed = ICS.replace("SUMMARY:Round 3", "SUMMARY:Round 3 (extended)")
    after = {e.uid: e for e in parse_calendar(changed.encode(), BERLIN, now=NOW).events}
    assert after["round-3@funder"].fingerprint != before["round-3@funder"].fingerprint
    assert after["round-2@funder"].fingerprint == before["round-2@funder"].fingerprint


def calendar(*lines: str) -> bytes:
    return (
        "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", *lines, "END:VCALENDAR"])
        + "\r\n"
    ).encode()


def vevent(uid: str, *lines: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{uid}", *lines, "END:VEVENT"]


def vtimezone(tzid: str, offset: str) -> list[str]:
    """A feed's own definition of `tzid`: a fixed offset (which we must not trust)."""
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{tzid}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_feeds_never_share_or_trust_their_own_time_zone_definitions() -> None:
    """Two servers' feeds define one TZID differently; each deadline is in its server's zone."""
    tokyo = ZoneInfo("Asia/Tokyo")
    first = calendar(
        *vtimezone("Funder Time", "+0500"),
        *vevent("a@first", "DTSTART;TZID=Funder Time:20260301T120000"),
    )
    second = calendar(
        *vtimezone("Funder Time", "-0300"),
        *vevent("b@second", "DTSTART;TZID=Funder Time:20260301T120000"),
    )
    (a,) = parse_calendar(first, BERLIN, now=NOW).events
    (b,) = parse_calendar(second, tokyo, now=NOW).events
    assert a.deadline == datetime(2026, 3, 1, 12, 0, tzinfo=BERLIN)
    assert b.deadline == datetime(2026, 3, 1, 12, 0, tzinfo=tokyo)


def test_windows_and_iana_zone_names_are_mapped_whatever_the_feed_defines() -> None:
    body = calendar(
        *vtimezone("W. Europe Standard Time", "+1400"),
        *vtimezone("America/New_York", "+1400"),
        *vevent("w@x", "DTSTART;TZID=W. Europe Standard Time:20260301T120000"),
        *vevent("i@x", 'DTSTART;TZID="America/New_York":20260301T120000'),
        *vevent("g@x", "DTSTART;TZID=/citadel.org/20250101_1/Asia/Kolkata:20260301T120000"),
    )
    by_uid = {e.uid: e for e in parse_calendar(body, ZoneInfo("Asia/Tokyo"), now=NOW).events}
    assert by_uid["w@x"].deadline == datetime(2026, 3, 1, 12, 0, tzinfo=BERLIN)
    ny = ZoneInfo("America/New_York")
    assert by_uid["i@x"].deadline == datetime(2026, 3, 1, 12, 0, tzinfo=ny)
    kolkata = ZoneInfo("Asia/Kolkata")
    assert by_uid["g@x"].deadline == datetime(2026, 3, 1, 12, 0, tzinfo=kolkata)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("DTSTART;TZID=Asia/Tokyo:00010101T000000", "date"),  # before year 1 in UTC
        ("DTSTART;TZID=America/New_York:99991231T230000", "date"),  # after 9999 in UTC
        ("DTSTART;VALUE=TIME:120000", "date"),
        ("DTSTART:20260301T250000Z", "date"),
    ],
)
def test_an_odd_date_skips_its_event_and_keeps_the_others(line: str, reason: str) -> None:
    body = calendar(*vevent("odd@x", line), *vevent("good@x", "DTSTART:20260301T120000Z"))
    parsed = parse_calendar(body, BERLIN, now=NOW)
    assert [e.uid for e in parsed.events] == ["good@x"]
    assert len(parsed.skipped) == 1
    assert "'odd@x'" in parsed.skipped[0] and reason in parsed.skipped[0]


# --- fetching ------------------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        handler = self.routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        return await handler(request)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", state.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = runner.addresses[0][1]
    yield state
    await runner.cleanup()


def serve(body: bytes, content_type: str = "text/calendar") -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handler


def redirect(location: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location)

    return handler


async def test_a_calendar_is_fetched_when_private_addresses_are_allowed(server: Server) -> None:
    server.routes["/feed.ics"] = serve(ICS.encode(), "text/calendar; charset=utf-8")
    body = await fetch_calendar(server.url("/feed.ics"), allow_private=True)
    assert body == ICS.encode()


async def test_loopback_is_refused_by_default(server: Server) -> None:
    server.routes["/feed.ics"] = serve(ICS.encode())
    with pytest.raises(FeedError, match="private, loopback"):
        await fetch_calendar(server.url("/feed.ics"))


async def test_a_host_name_resolving_to_loopback_is_refused_by_default(server: Server) -> None:
    server.routes["/feed.ics"] = serve(ICS.encode())
    with pytest.raises(FeedError, match="private, loopback"):
        await fetch_calendar(server.url("/feed.ics", host="localhost"))


@pytest.mark.parametrize("host", ["127.1", "2130706433", "[::ffff:127.0.0.1]", "[::1]"])
async def test_other_spellings_of_loopback_are_refused(server: Server, host: str) -> None:
    server.routes["/feed.ics"] = serve(ICS.encode())
    with pytest.raises(FeedError):
        await fetch_calendar(server.url("/feed.ics", host=host))


async def test_a_redirect_to_a_refused_address_is_not_followed(server: Server) -> None:
    only_this = ipaddress.ip_address("127.0.0.1")
    server.routes["/feed.ics"] = redirect(server.url("/real.ics", host="127.0.0.2"))
    server.routes["/real.ics"] = serve(ICS.encode())
    with pytest.raises(FeedError, match=r"127\.0\.0\.2"):
        await fetch_calendar(server.url("/feed.ics"), policy=lambda a: a == only_this)
    # and an allowed redirect is followed
    server.routes["/feed.ics"] = redirect("/real.ics")
    body = await fetch_calendar(server.url("/feed.ics"), policy=lambda a: a == only_this)
    assert body.startswith(b"BEGIN:VCALENDAR")


async def test_too_many_redirects_are_refused(server: Server) -> None:
    for hop in range(5):
        server.routes[f"/r{hop}"] = redirect(f"/r{hop + 1}")
    with pytest.raises(FeedError, match="redirected more than 3"):
        await fetch_calendar(server.url("/r0"), allow_private=True)


async def test_a_redirect_to_another_scheme_is_refused(server: Server) -> None:
    server.routes["/feed.ics"] = redirect("file:///etc/passwd")
    with pytest.raises(FeedError, match="http"):
        await fetch_calendar(server.url("/feed.ics"), allow_private=True)


@pytest.mark.parametrize("url", ["ftp://example.org/x.ics", "file:///etc/passwd", "example.org"])
async def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(FeedError):
        await fetch_calendar(url, allow_private=True)


async def test_an_oversized_feed_is_refused_by_its_length(server: Server) -> None:
    server.routes["/big.ics"] = serve(b"BEGIN:VCALENDAR\r\n" + b"X" * 2048)
    with pytest.raises(FeedError, match="KiB"):
        await fetch_calendar(server.url("/big.ics"), allow_private=True, max_bytes=1024)


async def test_an_oversized_streamed_feed_is_cut_off(server: Server) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/calendar"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"BEGIN:VCALENDAR\r\n")
        for _ in range(64):
            await response.write(b"X" * 65536)
        return response

    server.routes["/endless.ics"] = endless
    with pytest.raises(FeedError, match="larger than 1024 KiB"):
        await fetch_calendar(server.url("/endless.ics"), allow_private=True)


@pytest.mark.parametrize(
    ("content_type", "body", "accepted"),
    [
        ("text/html", ICS.encode(), False),
        ("application/json", b"{}", False),
        ("text/plain", ICS.encode(), True),
        ("application/octet-stream", b"\xef\xbb\xbf" + ICS.encode(), True),
        ("text/plain", b"hello", False),
        ("text/calendar", b"<html>", False),
    ],
)
async def test_the_content_type_is_checked(
    server: Server, content_type: str, body: bytes, accepted: bool
) -> None:
    server.routes["/feed"] = serve(body, content_type)
    if accepted:
        assert await fetch_calendar(server.url("/feed"), allow_private=True) == body
    else:
        with pytest.raises(FeedError):
            await fetch_calendar(server.url("/feed"), allow_private=True)


async def test_a_slow_feed_times_out(server: Server) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(2)
        return web.Response(body=ICS.encode(), content_type="text/calendar")

    server.routes["/slow.ics"] = slow
    with pytest.raises(FeedError, match="longer than"):
        await fetch_calendar(server.url("/slow.ics"), allow_private=True, timeout=0.3)


async def test_one_deadline_covers_the_whole_fetch_with_its_redirects(server: Server) -> None:
    """Each hop is quick enough on its own; together they exceed the fetch's time."""

    def slow_redirect(location: str) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(0.4)
            raise web.HTTPFound(location)

        return handler

    for hop in range(3):
        server.routes[f"/r{hop}"] = slow_redirect(f"/r{hop + 1}")
    server.routes["/r3"] = serve(ICS.encode())
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FeedError, match="longer than"):
        await fetch_calendar(server.url("/r0"), allow_private=True, timeout=0.9)
    assert loop.time() - started < 1.3


async def test_an_error_status_is_reported(server: Server) -> None:
    with pytest.raises(FeedError, match="404"):
        await fetch_calendar(server.url("/missing.ics"), allow_private=True)


# --- recurring events ----------------------------------------------------------------------------


def test_a_recurring_event_becomes_its_instances_in_the_next_twelve_months() -> None:
    body = calendar(
        *vevent(
            "weekly@x",
            "DTSTART;TZID=Europe/Berlin:20240101T120000",
            "RRULE:FREQ=WEEKLY",
            "EXDATE;TZID=Europe/Berlin:20260126T120000",
        ),
        # the instance of 2 February moved to the 3rd, 15:00
        *vevent(
            "weekly@x",
            "RECURRENCE-ID;TZID=Europe/Berlin:20260202T120000",
            "DTSTART;TZID=Europe/Berlin:20260203T150000",
        ),
        *vevent("ended@x", "DTSTART:20200101T120000Z", "RRULE:FREQ=YEARLY;COUNT=2"),
        *vevent("often@x", "DTSTART:20260101T120000Z", "RRULE:FREQ=HOURLY"),
    )
    parsed = parse_calendar(body, ZoneInfo("Asia/Tokyo"), now=NOW)
    deadlines = {e.uid: e.deadline for e in parsed.events}
    assert all(uid.startswith("weekly@x/") for uid in deadlines)
    assert 50 <= len(deadlines) <= 53
    assert all(NOW < d <= NOW + timedelta(days=365) for d in deadlines.values())
    assert deadlines["weekly@x/20260119T110000Z"] == datetime(2026, 1, 19, 12, tzinfo=BERLIN)
    assert "weekly@x/20260126T110000Z" not in deadlines  # excluded
    assert deadlines["weekly@x/20260202T110000Z"] == datetime(2026, 2, 3, 15, tzinfo=BERLIN)
    assert parsed.skipped == (
        "'ended@x' repeats, but not in the next 12 months",
        "'often@x' repeats more often than daily; not a deadline",
    )


def test_recurrences_are_bounded_per_event_and_per_feed() -> None:
    daily = [vevent(f"d{n}@x", "DTSTART:20260101T120000Z", "RRULE:FREQ=DAILY") for n in range(7)]
    body = calendar(*[line for event in daily for line in event])
    parsed = parse_calendar(body, BERLIN, now=NOW)
    per_event: dict[str, int] = {}
    for event in parsed.events:
        base = event.uid.split("/")[0]
        per_event[base] = per_event.get(base, 0) + 1
    assert len(parsed.events) == MAX_EVENTS
    assert max(per_event.values()) == MAX_INSTANCES
    assert any(f"first {MAX_EVENTS}" in s for s in parsed.skipped)


# --- the worker process --------------------------------------------------------------------------


async def test_the_worker_returns_what_the_parse_returns() -> None:
    body = ICS.encode()
    assert await parse_in_worker(body, BERLIN, NOW) == parse_calendar(body, BERLIN, now=NOW)


async def test_the_worker_refuses_a_malformed_feed_in_plain_words() -> None:
    with pytest.raises(FeedError, match="malformed"):
        await parse_in_worker(b"BEGIN:VCALENDAR\r\nthis is not ical\r\n", BERLIN, NOW)


async def test_the_worker_is_stopped_at_its_time_limit() -> None:
    never = calendar(
        *vevent("never@x", "DTSTART:19700101T000000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FeedError, match="longer than 2 s"):
        await parse_in_worker(never, BERLIN, NOW, time_limit=2)
    assert loop.time() - started < 3


async def test_the_worker_is_stopped_at_its_memory_limit() -> None:
    # 16 MiB is less than the worker has mapped once Python and icalendar are loaded.
    with pytest.raises(FeedError, match="more than 16 MiB"):
        await parse_in_worker(ICS.encode(), BERLIN, NOW, memory_limit=16 * 1024 * 1024)
