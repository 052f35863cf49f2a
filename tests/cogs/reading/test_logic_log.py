"""Pure tests: which links are forum pages, and which comment links are accepted."""

from __future__ import annotations

import pytest

from cogs.reading.logic import ReadingError
from cogs.reading.logic_log import comment_link, comment_prompt_text, forum_of, log_note


@pytest.mark.parametrize(
    ("url", "forum"),
    [
        ("https://www.lesswrong.com/posts/abc/title", "lesswrong.com"),
        ("https://lesswrong.com/posts/abc", "lesswrong.com"),
        ("http://WWW.LessWrong.com./posts/abc", "lesswrong.com"),
        ("https://www.alignmentforum.org/posts/abc", "alignmentforum.org"),
        ("https://www.greaterwrong.com/posts/abc", "greaterwrong.com"),
        ("https://forum.lesswrong.com:443/x", "lesswrong.com"),
        ("https://notlesswrong.com/posts/abc", None),
        ("https://lesswrong.com.evil.example/posts", None),
        ("https://example.com/?u=https://lesswrong.com/", None),
        ("https://arxiv.org/abs/2209.00626", None),
        ("https://[::1/", None),  # malformed: not a forum, no crash
        ("", None),
        (None, None),
    ],
)
def test_forum_of(url: str | None, forum: str | None) -> None:
    assert forum_of(url) == forum


@pytest.mark.parametrize(
    ("text", "forum", "kept"),
    [
        (None, "lesswrong.com", None),
        ("  ", "lesswrong.com", None),
        (
            "https://www.lesswrong.com/posts/a?commentId=b",
            "lesswrong.com",
            "https://www.lesswrong.com/posts/a?commentId=b",
        ),
        ("<https://lesswrong.com/c>", "lesswrong.com", "https://lesswrong.com/c"),
        (
            "https://www.alignmentforum.org/posts/a",
            "alignmentforum.org",
            "https://www.alignmentforum.org/posts/a",
        ),
    ],
)
def test_comment_link_accepts(text: str | None, forum: str, kept: str | None) -> None:
    assert comment_link(text, forum) == kept


@pytest.mark.parametrize(
    ("text", "forum", "says"),
    [
        ("https://example.com/c", "lesswrong.com", "isn't on LessWrong"),
        ("https://www.lesswrong.com/c", "alignmentforum.org", "isn't on the Alignment Forum"),
        ("ftp://lesswrong.com/c", "lesswrong.com", "isn't a web link"),
        ("lesswrong.com/c", "lesswrong.com", "isn't a web link"),
        ("https://lesswrong.com/" + "a" * 500, "lesswrong.com", "keep it to 500"),
    ],
)
def test_comment_link_refuses(text: str, forum: str, says: str) -> None:
    with pytest.raises(ReadingError, match=says):
        comment_link(text, forum)


def test_log_note_limit_and_prompt_without_a_forum_page() -> None:
    assert log_note(" ") is None and log_note("x" * 500) == "x" * 500
    with pytest.raises(ReadingError, match="keep it to 500"):
        log_note("x" * 501)
    text = comment_prompt_text("Paper", "https://arxiv.org/abs/1")
    assert "no LessWrong or Alignment Forum page" in text and "/reading log" in text
