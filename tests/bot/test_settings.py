"""Settings: plain errors naming the variable, the token never shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("DISCORD_", "DATABASE_", "DEV_GUILD", "HTTP_", "LOG_", "PUBLIC_")):
            monkeypatch.delenv(name)


def test_missing_token_names_the_variable_and_the_fix() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    assert "DISCORD_TOKEN is missing" in str(caught.value)
    assert "Developer Portal" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_PORT", "eighty"),
        ("HTTP_PORT", "70000"),
        ("LOG_FORMAT", "xml"),
        ("LOG_LEVEL", "LOUD"),
        ("DEV_GUILD_IDS", "12,abc"),
        ("DISCORD_API_BASE", "ftp://example.org"),
        ("DISCORD_GATEWAY_URL", "https://gateway"),
        ("HTTP_HOST", "not-an-ip"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    message = str(caught.value)
    assert message.startswith(f"{name} is invalid")
    assert "secret-token-value" not in message


def test_values_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "t0ken")
    monkeypatch.setenv("DEV_GUILD_IDS", "11, 22")
    monkeypatch.setenv("HTTP_PORT", "0")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    settings = load_settings(env_file=None)
    assert settings.dev_guild_ids == (11, 22)
    assert settings.http_port == 0
    assert settings.log_format == "json"
    assert "t0ken" not in repr(settings) and "t0ken" not in str(settings)


def test_env_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nDATABASE_PATH=/tmp/x.sqlite3\n")
    settings = load_settings(env_file=str(env_file))
    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.database_path == Path("/tmp/x.sqlite3")


def test_cli_without_token_prints_one_plain_message_and_exits_2(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DISCORD_TOKEN is missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["run", "migrate", "check", "backup"])
def test_every_cli_command_has_help(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", command, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "usage: python -m bot" in result.stdout
