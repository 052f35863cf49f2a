"""Write-ups' pure logic: links and their venues (hostile ones included), titles, stages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.charts import counts_chart_png
from cogs.writeups.logic import (
    PERSONAL_BLOG,
    URL_MAX,
    WriteupError,
    after_draft_created,
    after_swap_completed,
    clean_title,
    months_back,
    nudge_due,
    published_per_month,
    recognise_link,
    stage_counts,
)


@pytest.mark.parametrize(
    ("url", "venue", "shown"),
    [
        ("https://www.lesswrong.com/posts/abc/my-post", "LessWrong", None),
        ("https://lesswrong.com/posts/abc", "LessWrong", None),
        ("HTTPS://LessWrong.COM/posts/abc", "LessWrong", "https://LessWrong.COM/posts/abc"),
        ("https://www.alignmentforum.org/posts/xyz", "Alignment Forum", None),
        ("https://arxiv.org/abs/2401.01234", "arXiv", None),
        ("http://export.arxiv.org/abs/2401.01234v2", "arXiv", None),
        ("https://lesswrong.com./posts/x", "LessWrong", "https://lesswrong.com/posts/x"),
        ("https://example.substack.com/p/post", PERSONAL_BLOG, None),
        ("https://me.github.io/2026/12/post.html?x=1#top", PERSONAL_BLOG, None),
        ("https://blog.example:8443/post", PERSONAL_BLOG, None),
        ("http://127.0.0.1/post", PERSONAL_BLOG, None),
        # look-alikes: the known name somewhere in the host is not the host
        ("https://lesswrong.com.evil.example/posts/x", PERSONAL_BLOG, None),
        ("https://evil-lesswrong.com/posts/x", PERSONAL_BLOG, None),
        ("https://notarxiv.org/abs/1", PERSONAL_BLOG, None),
        ("https://alignmentforum.org.evil.example/", PERSONAL_BLOG, None),
        ("https://evil.example/lesswrong.com/posts", PERSONAL_BLOG, None),
        ("https://evil.example/?u=https://lesswrong.com", PERSONAL_BLOG, None),
        # IDN: a Cyrillic "о" is not an "o"; shown in punycode so nobody is fooled
        ("https://lesswrоng.com/posts/x", PERSONAL_BLOG, "https://xn--lesswrng-sbh.com/posts/x"),
        ("https://bücher.example/post", PERSONAL_BLOG, "https://xn--bcher-kva.example/post"),
    ],
)
def test_links_are_recognised_by_their_host(url: str, venue: str, shown: str | None) -> None:
    link = recognise_link(url)
    assert link.venue == venue
    assert link.url == (shown or url)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("javascript:alert(1)", "http:// and https://"),
        ("JaVaScRiPt://lesswrong.com/%0aalert(1)", "http:// and https://"),
        ("data:text/html,<script>alert(1)</script>", "http:// and https://"),
        ("ftp://files.example/post.pdf", "http:// and https://"),
        ("lesswrong.com/posts/x", "http:// and https://"),
        ("//lesswrong.com/posts/x", "http:// and https://"),
        ("https://lesswrong.com@evil.example/posts", "user name or password"),
        ("https://user:pass@lesswrong.com/", "user name or password"),
        ("https://evil.example\\@lesswrong.com/", "backslashes"),
        ("https://lesswrong.com/ posts", "spaces"),
        ("https://lesswrong.com/\nposts", "control characters"),
        ("https:///posts", "no host name"),
        ("https://", "no host name"),
        ("https://localhost/x", "not a valid host name"),
        ("https://-bad-.example/x", "not a valid host name"),
        ("https://exa_mple.com/x", "not a valid host name"),
        ("https://lesswrong.com:99999/x", "could not read"),
        ("https://[::1/x", "could not read"),
        ("", "empty"),
        ("   ", "empty"),
        ("https://blog.example/" + "a" * URL_MAX, f"at most {URL_MAX}"),
    ],
)
def test_hostile_or_broken_links_are_refused_in_plain_words(url: str, says: str) -> None:
    with pytest.raises(WriteupError, match=None) as refused:
        recognise_link(url)
    assert says in str(refused.value)


@given(st.text(max_size=80))
def test_any_text_is_either_refused_or_an_http_link(text: str) -> None:
    try:
        link = recognise_link(text)
    except WriteupError:
        return
    assert link.url.startswith(("http://", "https://"))
    assert "@" not in link.url.split("/")[2]
    assert len(link.url) <= URL_MAX * 4  # punycode may lengthen an IDN host a little


def test_titles_are_trimmed_and_limited() -> None:
    assert clean_title("  Sparse   probing\nfor deception ") == "Sparse probing for deception"
    assert clean_title("x" * 200) == "x" * 200
    with pytest.raises(WriteupError, match="at most 200 characters; yours has 201"):
        clean_title("x" * 201)
    with pytest.raises(WriteupError, match="needs a title"):
        clean_title(" \n\t ")


def test_a_nudge_is_due_n_weeks_after_the_stage_began_and_never_once_published() -> None:
    since = datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert nudge_due("drafting", since, 4) == since + timedelta(weeks=4)
    assert nudge_due("drafting", since, 0) is None
    assert nudge_due("published", since, 4) is None


@pytest.mark.parametrize(
    ("stage", "on_draft", "on_swap"),
    [
        ("idea", "feedback", None),
        ("drafting", "feedback", None),
        ("feedback", None, "revising"),
        ("revising", "feedback", None),
        ("published", None, None),
    ],
)
def test_feedback_swap_events_move_a_writeup_only_forward(
    stage: str, on_draft: str | None, on_swap: str | None
) -> None:
    assert after_draft_created(stage) == on_draft
    assert after_swap_completed(stage) == on_swap


def test_published_per_month_over_the_last_twelve_months() -> None:
    now = datetime(2026, 2, 10, tzinfo=UTC)
    months = months_back(now, 12)
    assert months[0] == "2025-03" and months[-1] == "2026-02" and len(months) == 12
    times = [datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 9, tzinfo=UTC)]
    times += [datetime(2025, 12, 31, 23, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)]
    series = dict(published_per_month(times, months))
    assert series["2026-02"] == 2 and series["2025-12"] == 1 and sum(series.values()) == 3


def test_stage_counts_count_private_ones_as_numbers() -> None:
    counts = stage_counts([("idea", False), ("idea", True), ("published", False)])
    assert counts["idea"] == (2, 1)
    assert counts["published"] == (1, 0)
    assert counts["drafting"] == (0, 0)


def test_the_posts_per_month_chart_is_a_stable_png() -> None:
    series = [("2026-10", 0), ("2026-11", 2), ("2026-12", 1)]
    png = counts_chart_png(series, "Write-ups published", "posts", "Nothing published yet")
    assert png.startswith(b"\x89PNG") and png == counts_chart_png(
        series, "Write-ups published", "posts", "Nothing published yet"
    )
    empty = counts_chart_png([("2026-12", 0)], "Write-ups published", "posts", "Nothing yet")
    assert empty.startswith(b"\x89PNG") and empty != png
