"""Settings read from the environment (and an optional `.env`), built once in main()."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# What a person should do to fix each setting; shown when a value is missing or invalid.
HOW_TO_FIX: dict[str, str] = {
    "DISCORD_TOKEN": (
        "set DISCORD_TOKEN to your bot's token (Discord Developer Portal -> your application"
        " -> Bot -> Reset Token), in the environment or in a .env file"
    ),
    "DATABASE_PATH": "set DATABASE_PATH to a file path, e.g. ./data/hamming.sqlite3",
    "DISCORD_API_BASE": "set DISCORD_API_BASE to an http(s) URL, e.g. https://discord.com/api/v10",
    "DISCORD_GATEWAY_URL": "set DISCORD_GATEWAY_URL to a ws(s) URL, e.g. wss://gateway.discord.gg/",
    "DEV_GUILD_IDS": "set DEV_GUILD_IDS to server ids separated by commas (e.g. 123,456) or empty",
    "HTTP_HOST": "set HTTP_HOST to an IP address, e.g. 127.0.0.1",
    "HTTP_PORT": "set HTTP_PORT to a port number from 0 to 65535 (0 disables the HTTP server)",
    "LOG_LEVEL": "set LOG_LEVEL to one of DEBUG, INFO, WARNING, ERROR",
    "LOG_FORMAT": "set LOG_FORMAT to text or json",
    "PUBLIC_BASE_URL": "set PUBLIC_BASE_URL to the http(s) URL where /calendar is reachable",
    "FETCH_ALLOW_PRIVATE": "set FETCH_ALLOW_PRIVATE to true or false",
    "BACKUP_DIR": "set BACKUP_DIR to a folder for daily backups, e.g. ./backups, or empty for none",
    "BACKUP_KEEP": "set BACKUP_KEEP to how many daily backups to keep, 1 to 1000 (default 14)",
}


class SettingsError(Exception):
    """A setting is missing or invalid; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    discord_token: SecretStr = Field(min_length=1)
    database_path: Path = Path("./data/hamming.sqlite3")
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    dev_guild_ids: Annotated[tuple[int, ...], NoDecode] = ()
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    public_base_url: str | None = None
    # Lets feed imports reach loopback/private addresses; only tests and trusted setups want this.
    fetch_allow_private: bool = False
    # Discord's global REST limit for this bot (50/s unless Discord raised it for the bot).
    discord_global_rate_limit: float = Field(default=50.0, ge=1.0, le=100_000.0)
    # Daily automatic backups (bot/backups.py); empty means none.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1, le=1000)

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

    @field_validator("discord_api_base", "public_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value

    @field_validator("dev_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError("must be comma-separated numeric server ids")
            return tuple(int(p) for p in parts)
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("http_host")
    @classmethod
    def _ip(cls, value: str) -> str:
        if value != "localhost":
            ipaddress.ip_address(value)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


def load_settings(env_file: str | None = ".env", **overrides: Any) -> Settings:
    """Build Settings or raise SettingsError naming the first bad variable and how to fix it."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        problem = "is missing" if error["type"] == "missing" else f"is invalid ({error['msg']})"
        fix = HOW_TO_FIX.get(name, f"check {name}")
        lines.append(f"{name} {problem}: {fix}.")
    return "\n".join(lines)
