"""Every `NEWSBOT_*` setting, read from the environment and `.env`, validated once at start.

`.env.example` lists each field here with its default and meaning, and docs/guide/settings.md
with the values it accepts; keep the three in step (tests/test_docs.py compares them).
"""

from __future__ import annotations

import difflib
import os
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.errors import NewsbotError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def packaged(folder: str) -> Path:
    """`prompts` or `seeds`: the package's data in an installed newsbot (pyproject puts them in
    `index/`), else the top-level folder of the source checkout this code runs from."""
    data = Path(str(files("index") / folder))
    return data if data.is_dir() else PROJECT_ROOT / folder


DEFAULT_SEEDS = packaged("seeds")
DEFAULT_PROMPTS = packaged("prompts")
ENV_FILE = ".env"
# The store of newsbot before it moved to the user data folder: `./data` of the current folder.
LEGACY_DATA = Path("data")


def user_data_dir() -> Path:
    """The platform's folder for the user's data (~/.local/share/newsbot on Linux)."""
    return platformdirs.user_data_path("newsbot", appauthor=False)


def default_data_dir() -> Path:
    """The user data folder; or `./data`, when the current folder holds a store from an older
    newsbot (kept in use, never hidden: `settings_warnings` says where it is and how to move it).
    """
    if (LEGACY_DATA / "chroma").is_dir():
        return LEGACY_DATA.resolve()
    return user_data_dir()


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Settings(BaseSettings):
    """The engine's and the front ends' configuration."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="The embedded Chroma store, keyword index and bot files; empty = the user "
        "data folder",
    )
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port")
    chroma_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a Chroma server")
    # Chroma's multi-tenant addressing (a server only; see docs/guide/deployment.md).
    chroma_tenant: str = Field(
        "default_tenant",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$",
        description="Tenant on the Chroma server (Chroma Cloud: your tenant id); never created",
    )
    chroma_database: str = Field(
        "default_database",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$",
        description="Database of the tenant; `newsbot database create` makes it",
    )
    chroma_token: SecretStr | None = Field(
        None,
        description="Token or API key of a secured Chroma server or Chroma Cloud; never logged",
    )
    chroma_token_header: Literal["x-chroma-token", "authorization"] = Field(
        "x-chroma-token",
        description="How the token is sent: X-Chroma-Token (Chroma Cloud) or Authorization: Bearer",
    )
    chroma_ssl: bool = Field(False, description="Talk to the Chroma server over https")
    collection: str = Field("newsbot", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,60}[A-Za-z0-9]$")
    sources: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [DEFAULT_SEEDS], description="Paths indexed by default"
    )
    embedding_model: Path | None = Field(None, description="ONNX file; unset = bundled MiniLM")
    embedding_tokenizer: Path | None = Field(None, description="tokenizer.json for the model")
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    embedding_threads: int = Field(0, ge=0, description="onnxruntime threads; 0 = all cores")
    chunk_size: int = Field(200, ge=32, le=512, description="Max tokens of article text a chunk")
    chunk_overlap: int = Field(1, ge=0, le=5, description="Sentences shared by adjacent chunks")
    passage_tokens: int = Field(
        256,
        ge=0,
        le=512,
        description="Widen each retrieved chunk with whole sentences around it up to this many "
        "tokens of article text; 0 = the chunk alone",
    )
    ranker: Literal["learned", "rrf"] = Field(
        "learned",
        description=(
            "Order candidates by the learned ranker (index/retrieval/ranker.json) or plain fusion"
        ),
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages `sources` lists")
    answer_passages: int = Field(
        10, ge=1, le=50, description="Passages an answer's sentences are chosen from"
    )
    refusal_threshold: float = Field(
        0.10,
        ge=0.0,
        le=1.0,
        description="Refuse when no sentence's selector score (0-1) reaches this",
    )
    refusal_passage_threshold: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="... or when no passage is this close (cosine) and no sentence scores 0.8; "
        "0 = off",
    )
    max_answer_sentences: int = Field(
        5, ge=1, le=10, description="Most sentences an extractive answer quotes"
    )
    sentence_cache_mb: int = Field(
        128, ge=0, description="Memory for chunks' sentence vectors (warm-up loads what fits)"
    )
    node_cache_mb: int = Field(64, ge=0, description="Memory for chunk texts and metadata")
    vector_cache_mb: int = Field(32, ge=0, description="Memory for chunk vectors")
    body_cache_mb: int = Field(32, ge=0, description="Memory for article bodies")
    keyword_cache_mb: int = Field(
        128, ge=0, description="Memory for BM25 postings of query terms (the rest read from disk)"
    )
    max_question_chars: int = Field(2000, ge=10)
    max_file_bytes: int = Field(20_000_000, ge=1_000)
    max_file_seconds: float = Field(
        120.0,
        gt=0,
        description="Seconds reading one file may take (text extraction, in a child process); "
        "a file that takes longer is skipped with a reason",
    )
    max_file_memory_mb: int = Field(
        1024,
        ge=200,
        description="Memory (MB) reading one file may take; a file that needs more is skipped "
        "with a reason",
    )
    prompts_dir: Path = Field(DEFAULT_PROMPTS)

    # --- generated answers (optional LLM; see README, "Generated answers") ---
    llm: Literal["none", "openai", "openai-compatible", "ollama", "llama-cpp"] = Field(
        "none", description="Answer backend: none = extractive (default), or an LLM backend"
    )
    llm_model_path: Path | None = Field(
        None, description="llama-cpp: the GGUF model file run in process (required)"
    )
    llm_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="llama-cpp: CPU threads; 0 = llama.cpp's default (half the cores)",
    )
    llm_context: int = Field(
        4096, ge=512, le=131072, description="llama-cpp: context size in tokens (prompt + answer)"
    )
    llm_model: str = Field(
        "", description="Model name; empty = gpt-4o-mini (openai) or llama3.1 (ollama)"
    )
    llm_base_url: str | None = Field(
        None, description="Server url (required for openai-compatible; ollama: localhost:11434)"
    )
    llm_api_key: SecretStr | None = Field(
        None, description="API key (openai; optional for openai-compatible); never logged"
    )
    llm_timeout: float = Field(
        60.0, gt=0, description="Seconds for the model's whole reply, first byte to last"
    )
    llm_max_tokens: int = Field(512, ge=16, le=8192, description="Most tokens the model writes")
    llm_temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature")
    llm_stream: bool = Field(
        False, description="Discord: edit the answer message as text arrives (every 1.5 s at most)"
    )
    llm_min_support: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of a generated sentence's content words its cited passage must hold",
    )
    log_level: str = Field("WARNING", description="DEBUG, INFO, WARNING or ERROR (any case)")

    # --- the command line ---
    warm_minutes: float = Field(
        10.0,
        ge=0,
        description="Minutes a warm helper (docs/guide/cli.md) waits for the next `ask` or "
        "`sources` before it leaves; 0 = never start or use one",
    )

    # --- the Discord bot (`newsbot serve`) ---
    discord_token: SecretStr | None = Field(
        None, description="Bot token from the Discord Developer Portal; never printed or logged"
    )
    discord_guild_id: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="The servers (guild ids, comma-separated) the bot serves and syncs its "
        "commands to; it leaves any other; empty = serves none and logs the ids of its servers",
    )
    admin_role_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Roles allowed the admin commands besides Manage Server"
    )
    discord_channel_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Channels where mentions are answered; empty = all"
    )
    discord_allow_dms: bool = Field(
        False,
        description="Answer direct messages like mentions (admin commands stay in servers); "
        "off = a DM gets one line pointing to the server, once a day per person",
    )
    rate_limit_per_minute: int = Field(6, ge=0, description="Questions per user a minute; 0 = off")
    max_concurrent_answers: int = Field(2, ge=1, le=32, description="Engine calls run at once")
    ingest_max_bytes: int = Field(
        5_000_000, ge=1_000, description="Largest file or url body /ingest accepts"
    )
    ingest_timeout: float = Field(15.0, gt=0, description="Seconds /ingest url: waits for a url")
    ingest_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts /ingest url: may fetch from although they are loopback or private "
        "(comma-separated names or IPs); others must be public addresses",
    )
    feed_interval: float = Field(
        30.0, gt=0, description="Minutes between polls of the followed feeds in `newsbot serve`"
    )
    feed_max_age_days: float | None = Field(
        None, gt=0, description="Forget feed articles older than this many days; empty = keep all"
    )
    feed_max_entries: int = Field(
        50,
        ge=1,
        description="New entries of one feed taken per poll, newest first; the rest wait for the "
        "next poll",
    )

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        # One path, or several separated by commas or the OS path separator; empty = default.
        if isinstance(value, str):
            parts = value.replace(os.pathsep, ",").split(",")
            return [Path(p.strip()) for p in parts if p.strip()] or [DEFAULT_SEEDS]
        return value

    @field_validator("data_dir", "prompts_dir", mode="before")
    @classmethod
    def _empty_is_default(cls, value: object, info: ValidationInfo) -> object:
        # `NAME=` (as .env.example has it) means the default, which depends on the install.
        if isinstance(value, str) and not value.strip():
            return default_data_dir() if info.field_name == "data_dir" else DEFAULT_PROMPTS
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _a_log_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper()
            if level not in LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(LOG_LEVELS)} (any case)")
            return level
        return value

    @field_validator("ingest_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        # Host names or IP addresses, separated by commas or spaces.
        if isinstance(value, str):
            return [p for p in value.replace(",", " ").split() if p]
        return value

    @field_validator("admin_role_ids", "discord_channel_ids", "discord_guild_id", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Discord ids (snowflakes), separated by commas or spaces.
        if isinstance(value, str):
            return [p for p in value.replace(",", " ").split() if p]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("chroma_token", "discord_token", "llm_api_key", mode="before")
    @classmethod
    def _secret_fits_a_header(cls, value: object) -> object:
        # A secret is sent as an HTTP header: httpcore refuses white space and control
        # characters inside one, printing the whole value, and a non-ASCII one fails to encode.
        # Refused here in one line that names the variable, never its value (white space
        # pasted around it is only trimmed).
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str):
            return value
        raw = raw.strip()
        if raw and not all("!" <= c <= "~" for c in raw):
            raise ValueError(
                "has a space, a control character or a non-ASCII character in it (a token or "
                "key is printable ASCII only)"
            )
        return raw

    @field_validator(
        "chroma_host",
        "chroma_token",
        "embedding_model",
        "embedding_tokenizer",
        "discord_token",
        "llm_base_url",
        "llm_api_key",
        "llm_model_path",
        "feed_max_age_days",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # `NAME=` in .env (as .env.example has it) means "unset".
        return None if isinstance(value, str) and not value.strip() else value

    # Cross-field rules name the variables at fault; their errors never carry the input (which
    # holds every setting, secrets included): see describe_validation_error.
    @model_validator(mode="after")
    def _data_dir_can_exist(self) -> Settings:
        # Made here, not when the store first opens: a folder that cannot exist (a file in the
        # way, /proc, no permission) is a settings error, not "the index is unavailable".
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise ValueError(f"NEWSBOT_DATA_DIR {self.data_dir} is a file, not a folder")
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ValueError(
                f"NEWSBOT_DATA_DIR {self.data_dir} cannot be created ({reason})"
            ) from None
        return self

    @model_validator(mode="after")
    def _check_files(self) -> Settings:
        for name in ("embedding_model", "embedding_tokenizer"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{env_name(name)} names no file: {path}")
        if self.llm == "openai-compatible":
            missing = [env_name(n) for n in ("llm_base_url", "llm_model") if not getattr(self, n)]
            if missing:
                raise ValueError(f"NEWSBOT_LLM=openai-compatible needs {' and '.join(missing)}")
        if self.llm == "llama-cpp":
            if self.llm_model_path is None:
                raise ValueError(
                    "NEWSBOT_LLM=llama-cpp needs NEWSBOT_LLM_MODEL_PATH (a .gguf file)"
                )
            if not self.llm_model_path.is_file():
                raise ValueError(f"NEWSBOT_LLM_MODEL_PATH names no file: {self.llm_model_path}")
        return self

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None

    @property
    def guild_ids(self) -> frozenset[int]:
        """The servers the Discord bot serves (NEWSBOT_DISCORD_GUILD_ID)."""
        return frozenset(self.discord_guild_id)


def env_name(field: str) -> str:
    return f"NEWSBOT_{field.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, `.env` and `overrides`, or one clear line on failure."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise NewsbotError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the variable at fault. Never the input: a field's may be a secret put in
    the wrong variable, and a cross-field rule's is every setting, tokens and keys included."""
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    first = errors[0]
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if not first["loc"]:  # a cross-field rule: its message names the variables
        return f"invalid settings: {message}{more}"
    return f"invalid setting {env_name(str(first['loc'][0]))}: {message}{more}"


def settings_warnings(settings: Settings, environ: dict[str, str] | None = None) -> list[str]:
    """What a user should hear about once, at start: NEWSBOT_ variables that are no setting
    (a typo is otherwise silently ignored), and a store found in `./data` of this folder."""
    values = dotenv_values(ENV_FILE) if Path(ENV_FILE).is_file() else {}
    values.update(os.environ if environ is None else environ)  # the environment wins, as here
    warnings = [_unknown(name) for name in sorted(values) if _is_unknown(name)]
    if not settings.server_mode:
        warnings += _server_only(settings)
    explicit = (values.get("NEWSBOT_DATA_DIR") or "").strip()
    if not explicit and settings.data_dir.resolve() == LEGACY_DATA.resolve():
        warnings.append(
            f"using the index in {LEGACY_DATA.resolve()} (./data of this folder, where older "
            f"versions kept it); the default is now {user_data_dir()}: move the folder there, "
            "or set NEWSBOT_DATA_DIR to keep it here"
        )
    return warnings


def _server_only(settings: Settings) -> list[str]:
    """Chroma server settings set while the store is embedded (no NEWSBOT_CHROMA_HOST)."""
    defaults = {"chroma_tenant": "default_tenant", "chroma_database": "default_database"}
    unused = [env_name(n) for n, d in defaults.items() if getattr(settings, n) != d]
    if settings.chroma_token is not None:
        unused.append("NEWSBOT_CHROMA_TOKEN")
    if not unused:
        return []
    verb = (
        "applies to a Chroma server and is"
        if len(unused) == 1
        else "apply to a Chroma server and are"
    )
    return [
        f"{' and '.join(unused)} {verb} ignored: NEWSBOT_CHROMA_HOST is not set, so the index "
        "is the embedded store in NEWSBOT_DATA_DIR"
    ]


def _known() -> set[str]:
    return {env_name(f) for f in Settings.model_fields}


def _is_unknown(name: str) -> bool:
    return name.upper().startswith("NEWSBOT_") and name.upper() not in _known()


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name.upper(), _known(), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else "; see .env.example for the settings"
    return f"{name} is not a newsbot setting and is ignored{hint}"
