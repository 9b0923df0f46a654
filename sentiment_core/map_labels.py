"""Which words of a map get a printed label: the important ones, never on top of each other.

A projector cannot hover. :func:`place_labels` takes words in order of importance (the most
polar and the most frequent, in turn) and keeps a word's label only when its box, estimated from
the word's length in a plot of the given size, overlaps no label kept before it.
"""

from __future__ import annotations

import numpy as np

# A label's box in pixels: ~7 px per character of a 12 px font, 16 px high, a little air around it.
CHAR_PX, LINE_PX, PAD_PX = 7.0, 16.0, 3.0


def importance_order(values: np.ndarray, n: int) -> list[int]:
    """Word indices alternating: the most polar (by |value|) and the most frequent (the map's words are
    frequency-ordered, so index order), each once."""
    polar = list(np.argsort(-np.abs(np.asarray(values, dtype=float)), kind="stable"))
    order, seen = [], set()
    for pair in zip(polar, range(n)):
        for i in pair:
            if int(i) not in seen:
                seen.add(int(i))
                order.append(int(i))
    return order


def place_labels(coords: np.ndarray, words: list[str], order: list[int], max_labels: int = 40,
                 width_px: float = 600.0, height_px: float = 480.0, reserved: list[int] = ()) -> list[int]:
    """Indices of up to ``max_labels`` words from ``order`` whose labels do not overlap.

    ``reserved`` words (the searched word and its neighbours) are placed first and always kept.
    Boxes sit centred just above each point, in the plot's pixel space (the data's range mapped
    onto ``width_px`` × ``height_px``).
    """
    coords = np.asarray(coords, dtype=float)
    if len(coords) == 0:
        return []
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    pixels = (coords - low) / span * [width_px, height_px]
    boxes: list[tuple[float, float, float, float]] = []
    kept: list[int] = []

    def box(i: int) -> tuple[float, float, float, float]:
        x, y = pixels[i]
        half = (len(words[i]) * CHAR_PX) / 2 + PAD_PX
        return x - half, y + 2, x + half, y + 2 + LINE_PX + PAD_PX

    def free(b) -> bool:
        return all(b[2] <= o[0] or o[2] <= b[0] or b[3] <= o[1] or o[3] <= b[1] for o in boxes)

    for i in reserved:
        boxes.append(box(i))
    for i in order:
        if len(kept) >= max_labels:
            break
        if i in reserved:
            continue
        b = box(i)
        if free(b):
            boxes.append(b)
            kept.append(i)
    return kept
