"""Every `NEWSBOT_*` setting, read from the environment and `.env`, validated once at start.

`.env.example` lists each field here with its default and meaning; keep the two in step
(a test compares them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.errors import NewsbotError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = PROJECT_ROOT / "seeds"
DEFAULT_PROMPTS = PROJECT_ROOT / "prompts"


class Settings(BaseSettings):
    """The engine's and the front ends' configuration."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Where the embedded Chroma store lives")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port")
    chroma_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a Chroma server")
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
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved to answer a question")
    refusal_threshold: float = Field(0.35, ge=0.0, le=1.0)
    max_answer_sentences: int = Field(3, ge=1, le=10)
    max_question_chars: int = Field(2000, ge=10)
    max_file_bytes: int = Field(20_000_000, ge=1_000)
    prompts_dir: Path = Field(DEFAULT_PROMPTS)
    log_level: str = Field("WARNING", pattern=r"(?i)^(DEBUG|INFO|WARNING|ERROR)$")

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        # One path, or several separated by commas or the OS path separator.
        if isinstance(value, str):
            parts = value.replace(os.pathsep, ",").split(",")
            return [Path(p.strip()) for p in parts if p.strip()]
        return value

    @field_validator("chroma_host", "embedding_model", "embedding_tokenizer", mode="before")
    @classmethod
    def _empty_host_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check_files(self) -> Settings:
        for name in ("embedding_model", "embedding_tokenizer"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: file not found: {path}")
        return self

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, `.env` and `overrides`, or one clear line on failure."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise NewsbotError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "settings"
    env = f"NEWSBOT_{field.upper()}" if first["loc"] else "NEWSBOT_*"
    message = first["msg"].removeprefix("Value error, ")
    return f"invalid setting {env}: {message} (got {first.get('input')!r})"
