"""The LLM backends, built from settings through llama-index's own integrations, and a health
check that says in one line what is wrong (missing extra, unreachable server, unknown model).

The integrations are optional extras, imported here lazily: `pip install -e '.[openai]'` (OpenAI
and OpenAI-compatible servers: vLLM, llama.cpp server, LM Studio), `'.[ollama]'`, or `'.[local]'`
(a GGUF file run in process by llama.cpp: `index.answer.local_llm`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from index.answer.llm_reply import get_within
from index.errors import NewsbotError
from index.settings import Settings

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

log = logging.getLogger(__name__)

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.1"}
OLLAMA_URL = "http://localhost:11434"
OPENAI_URL = "https://api.openai.com/v1"
EXTRAS = {
    "openai": "openai",
    "openai-compatible": "openai",
    "ollama": "ollama",
    "llama-cpp": "local",
}
HEALTH_TIMEOUT = 5.0


class LLMUnavailable(NewsbotError):
    """The configured LLM backend cannot be used (missing extra, bad settings, unreachable)."""


def model_name(settings: Settings) -> str:
    if settings.llm == "llama-cpp" and settings.llm_model_path is not None:
        return settings.llm_model or settings.llm_model_path.name
    return settings.llm_model or DEFAULT_MODELS.get(settings.llm, "")


def base_url(settings: Settings) -> str:
    if settings.llm_base_url:
        return settings.llm_base_url.rstrip("/")
    return OLLAMA_URL if settings.llm == "ollama" else OPENAI_URL


def _key(settings: Settings) -> str | None:
    return settings.llm_api_key.get_secret_value() if settings.llm_api_key else None


def _openai_options(settings: Settings) -> dict[str, object]:
    """What the OpenAI and OpenAI-compatible clients are built with alike."""
    return {
        "model": model_name(settings),
        "api_base": base_url(settings),
        "timeout": settings.llm_timeout,
        "max_retries": 0,  # a failure falls back to the extractive answer at once
        "max_tokens": settings.llm_max_tokens,
        "temperature": settings.llm_temperature,
    }


def build_llm(settings: Settings) -> LLM:
    """The llama-index LLM for `settings.llm` (not "none"); LLMUnavailable in one line."""
    kind = settings.llm
    try:
        if kind == "openai":
            from llama_index.llms.openai import OpenAI

            if not _key(settings):
                raise LLMUnavailable("NEWSBOT_LLM=openai needs NEWSBOT_LLM_API_KEY")
            return OpenAI(api_key=_key(settings), **_openai_options(settings))
        if kind == "openai-compatible":
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(
                api_key=_key(settings) or "not-needed",
                is_chat_model=True,
                context_window=8192,
                **_openai_options(settings),
            )
        if kind == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=model_name(settings),
                base_url=base_url(settings),
                request_timeout=settings.llm_timeout,
                temperature=settings.llm_temperature,
                context_window=8192,
                additional_kwargs={"num_predict": settings.llm_max_tokens},
            )
        if kind == "llama-cpp":
            return _local(settings)
    except ImportError as exc:
        extra = EXTRAS[kind]
        raise LLMUnavailable(
            f"NEWSBOT_LLM={kind} needs the {extra!r} extra: pip install -e '.[{extra}]' ({exc})"
        ) from None
    raise LLMUnavailable(f"NEWSBOT_LLM={kind!r} is not an LLM backend")


def _local(settings: Settings) -> LLM:
    from index.answer.local_llm import load_local_llm

    path = settings.llm_model_path
    if path is None or not path.is_file():
        raise LLMUnavailable(f"NEWSBOT_LLM_MODEL_PATH names no file: {path}")
    try:
        return load_local_llm(
            str(path),
            threads=settings.llm_threads,
            context=settings.llm_context,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        # llama.cpp says only "Failed to load model from file": not a GGUF, or truncated.
        raise LLMUnavailable(
            f"llama.cpp cannot load {path} (not a GGUF model file, truncated, or an "
            f"architecture this llama-cpp-python does not know: {exc})"
        ) from None


def check_llm(settings: Settings, loaded: LLM | None = None) -> str:
    """One line on the backend being usable, or LLMUnavailable with one line on why not.

    Asks the server which models it has (OpenAI `/models`, Ollama `/api/tags`): cheap, and it
    proves the url, the key and the model name without generating anything. A local model is
    loaded (unless `loaded` is it already): that proves the file is a model llama.cpp can run.
    """
    if settings.llm == "llama-cpp":
        llm = loaded or build_llm(settings)
        window = getattr(llm, "context_window", settings.llm_context)
        return (
            f"llama-cpp in process, model {settings.llm_model_path}: loads "
            f"(context {window} tokens)"
        )
    build_llm(settings)
    url, model = base_url(settings), model_name(settings)
    headers = {"Authorization": f"Bearer {_key(settings)}"} if _key(settings) else {}
    probe = f"{url}/api/tags" if settings.llm == "ollama" else f"{url}/models"
    seconds = min(HEALTH_TIMEOUT, settings.llm_timeout)
    try:
        response = get_within(probe, headers, seconds)  # the whole answer, not each read
    except TimeoutError:
        raise LLMUnavailable(
            f"the {settings.llm} server at {url} did not answer within {seconds:g} s"
        ) from None
    except httpx.HTTPError as exc:
        raise LLMUnavailable(
            f"the {settings.llm} server at {url} is unreachable ({type(exc).__name__})"
        ) from None
    if response.status_code in (401, 403):
        raise LLMUnavailable(f"the {settings.llm} server at {url} refused the API key")
    if response.status_code >= 400:
        raise LLMUnavailable(
            f"the {settings.llm} server at {url} answered HTTP {response.status_code}"
        )
    names = _model_names(settings.llm, response)
    if names and model not in names and f"{model}:latest" not in names:
        shown = ", ".join(sorted(names)[:5])
        raise LLMUnavailable(f"the {settings.llm} server at {url} has no model {model!r} ({shown})")
    return f"{settings.llm} at {url}, model {model}: reachable"


def _model_names(kind: str, response: httpx.Response) -> set[str]:
    try:
        data = response.json()
        if kind == "ollama":
            return {m.get("name", "") for m in data.get("models", [])} - {""}
        return {m.get("id", "") for m in data.get("data", [])} - {""}
    except (ValueError, AttributeError, TypeError):
        return set()
