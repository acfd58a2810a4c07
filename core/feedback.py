"""A manager's own judgements (`tipsheet feedback`) as an adjustment of the score.

Each judged item is a point in embedding space (its headline and lede): a new item close to
items judged useful rises, one close to items judged not useful sinks. The adjustment is
added to the log-odds of the score:

    GAIN × (closest useful similarity − closest not-useful similarity), each above FLOOR

so an item unlike anything judged is left alone. A not-useful story never returns at all
(ranking filters it out). GAIN and FLOOR were chosen with the simulated user of `make eval`
(of 4 and 8, 0.5 and 0.3), so its with-feedback figure is an optimistic one.
"""

from __future__ import annotations

import numpy as np

from tipsheet.core.profile import stored_or_embedded
from tipsheet.core.records import Judgement

GAIN = 8.0
FLOOR = 0.3  # similarities below this say nothing: unrelated items


def feedback_adjustments(
    feedback: list[Judgement],
    ids: list[str],
    vecs: np.ndarray,
    stored: dict[str, np.ndarray] | None = None,
) -> dict[str, float]:
    """article id -> log-odds adjustment, for the candidates `ids` with lead vectors `vecs`
    (tipsheet.core.profile.lead_vectors). stored: article id -> lead vector, of judged items
    too; a judged item without one is embedded here."""
    if not feedback or not ids:
        return {}
    judged = stored_or_embedded(feedback, stored or {})
    useful = np.array([bool(f.useful) for f in feedback])
    sims = (vecs @ judged.T).astype(np.float64)  # float32 products, as each was computed
    adjust = GAIN * (_closest(sims[:, useful]) - _closest(sims[:, ~useful]))
    return {aid: float(a) for aid, a, on in zip(ids, adjust, adjust != 0, strict=True) if on}


def _closest(sims: np.ndarray) -> np.ndarray:
    """Per row: how far its closest judged item stands above FLOOR, from 0 to 1."""
    if sims.shape[1] == 0:
        return np.zeros(len(sims))
    return np.maximum(0.0, sims.max(axis=1) - FLOOR) / (1 - FLOOR)
