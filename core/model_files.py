"""The trained model files committed in `core/models/`, rebuilt by `make train`.

Each model is one pickle beside `manifest.json`, which records what it came from: the
SHA-256 of every corpus file and of the training code, the library versions and the seed.
Loading checks that the running scikit-learn is the one that wrote the file (a pickle is
only promised to load in the version that wrote it), and never downloads anything.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import sklearn

from tipsheet.core.errors import TipsheetError

MODELS = Path(__file__).resolve().parent / "models"


class ModelFileError(TipsheetError):
    """A trained model file is missing or was written by another library version."""


def manifest(folder: Path = MODELS) -> dict:
    path = folder / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def load(name: str, folder: Path = MODELS):
    path = folder / f"{name}.pkl"
    if not path.exists():
        raise ModelFileError(f"{path}: trained model missing; run `make train`")
    wrote = manifest(folder).get("versions", {}).get("scikit-learn")
    if wrote and wrote != sklearn.__version__:
        raise ModelFileError(
            f"{path}: written by scikit-learn {wrote}, running {sklearn.__version__}; "
            "install the pinned version or run `make train`"
        )
    with path.open("rb") as fh:
        return pickle.load(fh)


def save(name: str, model, folder: Path = MODELS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pkl"
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(model, fh, protocol=5)
    tmp.replace(path)
    return path
