"""Near-duplicate search: the pairs of photos that show the same picture, re-encoded, resized,
re-saved as PNG, a little brighter or darker, or trimmed at the borders.

The signature of a photo is the 16 x 16 RGB thumbnail that verification keeps from its one
decode (:mod:`cat_breeds_vlm.pipeline.measure`): nothing is read or decoded again. It is blurred
a little (:data:`BLUR_SIGMA`), then scaled to a mean brightness of 100. Two photos are
near-duplicates when their signatures differ by at most ``threshold``: the root mean square
of the difference, in percent of the brightness (a uniformly brighter copy is no farther).

A photo trimmed at its borders is its original seen a little closer: each photo is also
compared by two central crops (:data:`CROP_VIEWS`). A pair counts at its whole views when
those are near enough, and otherwise at its closest crop and whole view.

The search is an index, then a check of each candidate:

1. every view's signature is projected on the lowest 2-D cosine frequencies of each colour
   channel (:data:`INDEX_FREQUENCIES`; an orthonormal projection, so it never makes two
   signatures farther apart);
2. a k-d tree (``scipy.spatial.cKDTree``) over the whole views' projections lists the views
   (whole or cropped) within a share of the threshold (:data:`INDEX_SHARES`), without
   comparing all n^2 pairs: each view asks for its two nearest within that radius, and only
   the few that have a second ask for all. Copies of one picture differ mostly in fine detail
   (edges moved by a fraction of a pixel), little in the lowest frequencies, so they come
   within a small share of the threshold there. The smaller this radius, the closer the
   index's time follows the number of photos: a denser tree has more points near each query's
   ball (``benchmarks/RESULTS.md`` has the recall and the times of each radius);
3. each candidate's whole signature and distance are computed (vectorised, in batches; only
   photos in a candidate pair get a whole signature, once a batch) and the pair is kept when within
   ``threshold`` and when the fine detail the blur took out correlates (:data:`DETAIL_MIN`):
   textures like brick, grass and gravel blur to the same grey, but their detail differs.
   Whole views are checked first; a pair they find is not checked again by its crops.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from .links import NearPair
from .measure import THUMB_SIDE

#: Blur (Gaussian sigma, in thumbnail pixels) before comparing. A resized copy decodes at
#: another scale, which moves sharp edges by a fraction of a pixel; blurring makes that count
#: much less, and brings distinct pictures closer far more slowly (``benchmarks/RESULTS.md``).
BLUR_SIGMA = 1.2
#: The central crops each photo is also compared by (fraction trimmed from every border): border
#: crops of 1-5 % come closest to one of these; two find more than one (``benchmarks/RESULTS.md``).
CROP_VIEWS = (0.025, 0.045)
#: Cosine frequencies per side and colour channel kept in a signature (after the blur, the
#: higher ones hold almost nothing).
SIGNATURE_SIDE = 8
#: The lowest of those kept in the index's projection (by u + v, then u).
INDEX_FREQUENCIES = 3
#: The index radius, as a share of the threshold, for the whole views and for the crop views
#: (see the module notes): the smallest that keep the recall of planted copies and crops, chosen
#: by the sweep in ``benchmarks/RESULTS.md``.
INDEX_SHARES = (0.2, 0.3)
#: Fine detail (what the blur removes) must correlate at least this much between two copies.
#: Textures such as brick, grass and gravel blur to the same flat grey; their detail does not
#: correlate, while every copy we planted kept more than this (``benchmarks/RESULTS.md``).
DETAIL_MIN = 0.2
#: Below this much detail (RMS, percent of brightness) in both, there is none to compare.
FLAT_DETAIL = 0.5
#: Candidate pairs checked at a time (bounds the memory of the check).
_CHECK_BATCH = 32768
#: Neighbours a crowded view is first asked for, as arrays, before it is asked for all.
_CROWD = 8


def _blur_matrix(side: int, sigma: float) -> np.ndarray:
    """``side`` x ``side`` Gaussian blur along one axis, edges repeated (rows sum to 1)."""
    offsets = np.arange(-side + 1, side)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    matrix = np.zeros((side, side))
    for row in range(side):
        for offset, weight in zip(offsets, kernel):
            matrix[row, min(max(row + offset, 0), side - 1)] += weight
    return matrix / matrix.sum(axis=1, keepdims=True)


def _crop_matrix(side: int, trim: float) -> np.ndarray:
    """Linear resampling of the centre (``trim`` cut from both ends) back to ``side`` samples."""
    where = (np.arange(side) + 0.5) * (1 - 2 * trim) + trim * side - 0.5
    matrix = np.zeros((side, side))
    for row, x in enumerate(where):
        low = int(math.floor(x))
        matrix[row, min(max(low, 0), side - 1)] += 1 - (x - low)
        matrix[row, min(max(low + 1, 0), side - 1)] += x - low
    return matrix


def view_operators() -> list[np.ndarray]:
    """One matrix per view (whole, then each central crop), applied to rows and to columns alike."""
    blur = _blur_matrix(THUMB_SIDE, BLUR_SIGMA)
    crops = [(_crop_matrix(THUMB_SIDE, trim) @ blur).astype(np.float32) for trim in CROP_VIEWS]
    return [blur.astype(np.float32), *crops]


def _dct_rows(side: int, count: int) -> np.ndarray:
    """The first ``count`` orthonormal 1-D DCT-II basis vectors of length ``side``."""
    n = np.arange(side)
    rows = np.cos(np.pi * (2 * n[None, :] + 1) * n[:count, None] / (2 * side)) * math.sqrt(2 / side)
    rows[0] /= math.sqrt(2)
    return rows


def _separable(matrix: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """``matrix`` (k x 16) applied along the rows and the columns of each (16, 16, 3) image:
    (n, k, k, 3), as two batched matrix products (BLAS, far faster than ``einsum`` here)."""
    count, side = len(pixels), len(matrix)
    rows = np.matmul(matrix, pixels.reshape(count, THUMB_SIDE, 3 * THUMB_SIDE))
    both = np.matmul(rows.reshape(count, side, THUMB_SIDE, 3).transpose(0, 1, 3, 2), matrix.T)
    return both.transpose(0, 1, 3, 2)


def _frequency_order(side: int) -> np.ndarray:
    """The flat (u, v) positions of ``side`` x ``side`` coefficients, by u + v, then u."""
    order = sorted(((u, v) for u in range(side) for v in range(side)), key=lambda uv: (uv[0] + uv[1], uv[0]))
    return np.array([u * side + v for u, v in order])


def _reducers(side: int) -> list[np.ndarray]:
    """Per view, the matrix taking a thumbnail side to its ``side`` lowest cosine frequencies."""
    return [(_dct_rows(THUMB_SIDE, side) @ operator).astype(np.float32) for operator in view_operators()]


def _signature_batch(pixels: np.ndarray, reduce: np.ndarray) -> np.ndarray:
    """The signatures of float32 thumbnails (n, 16, 16, 3) for one view (see :func:`signatures`)."""
    side = len(reduce)
    low = _separable(reduce, pixels)
    mean = low[:, 0, 0, :].sum(axis=1) / (3 * THUMB_SIDE)  # the (0, 0) coefficient is 16 x the mean
    rows = low.reshape(len(pixels), side**2, 3)[:, _frequency_order(side)].reshape(len(pixels), -1)
    return rows * (100.0 / (mean + 1.0))[:, None]


def signatures(thumbs: np.ndarray, side: int = SIGNATURE_SIDE, batch: int = 8192) -> list[np.ndarray]:
    """Per view, the signature of every uint8 thumbnail (n, 16, 16, 3): float32 rows.

    A signature is the lowest ``side`` x ``side`` orthonormal cosine coefficients of each
    channel of the view (blurred, maybe cropped), scaled to a mean brightness of 100 and
    ordered by frequency (u + v, then u), so that its first columns are the index's
    projection whatever ``side`` is (``side=2`` gives just what the index needs, for a
    sixteenth of the work). After the blur, the frequencies above 8 hold almost nothing.
    """
    reducers = _reducers(side)
    views = [np.empty((len(thumbs), 3 * side**2), np.float32) for _ in reducers]
    for start in range(0, len(thumbs), batch):
        pixels = thumbs[start : start + batch].astype(np.float32)
        for reduce, out in zip(reducers, views):
            out[start : start + len(pixels)] = _signature_batch(pixels, reduce)
    return views


def load_index() -> None:
    """Import the k-d tree's library (``scipy.spatial``, slow to import): a build does it while its
    workers verify, not after, when the search waits for it."""
    import scipy.spatial  # noqa: F401


def candidates(views: list[np.ndarray], radii: Sequence[float], workers: int = 1) -> np.ndarray:
    """Pairs of view rows whose index projections are within that view's radius (``radii``, one
    a view) of a whole view (a k-d tree over the whole views): whole-whole and crop-whole
    pairs, as an (m, 2) array of rows, where view v of photo i is row v * n + i.

    Almost every photo has no neighbour but itself, so each is first asked for its two nearest
    within ``radius`` (a bounded nearest-neighbour query, which stops early and returns arrays,
    not lists); only the photos whose second is found too are asked for more (:func:`_crowded`).
    Photos are asked in the tree's own order, so that one query walks the nodes the last one
    did, which matters once the tree no longer fits the CPU's caches.
    The projections are first turned to their principal axes (a rotation: the same distances),
    so that the tree's cuts, along one axis each, follow the photos' spread.
    """
    from scipy.spatial import cKDTree

    count, width = len(views[0]), 3 * INDEX_FREQUENCIES
    axes = _principal_axes(views[0][:, :width])
    tree = cKDTree(views[0][:, :width] @ axes)
    order = tree.indices
    found = []
    for view, (rows, radius) in enumerate(zip(views, radii)):
        points = rows[order, :width] @ axes
        distance, nearest = tree.query(points, k=2, distance_upper_bound=radius, workers=workers)
        crowded = np.flatnonzero(np.isfinite(distance[:, 1]))
        single = np.flatnonzero(np.isfinite(distance[:, 0]) & ~np.isfinite(distance[:, 1]))
        asked, neighbours = _crowded(tree, points[crowded], radius, workers)
        first_rows = np.concatenate([order[single], order[crowded[asked]]])
        second_rows = np.concatenate([nearest[single, 0], neighbours])
        keep = first_rows != second_rows if view else first_rows < second_rows
        found.append(np.stack([first_rows[keep] + view * count, second_rows[keep]], axis=1))
    return np.concatenate(found)


def _principal_axes(points: np.ndarray) -> np.ndarray:
    """The orthonormal directions of ``points``' spread, widest first (columns)."""
    _, axes = np.linalg.eigh(np.cov(points, rowvar=False, dtype=np.float64))
    return axes[:, ::-1].astype(points.dtype)


def _crowded(tree, points: np.ndarray, radius: float, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """(point, tree row) of every tree point within ``radius`` of each of ``points``: a bounded
    query for the nearest :data:`_CROWD` first (arrays), then, for the few that have that many
    (a picture with many copies), a query for all (lists)."""
    if not len(points):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    distance, nearest = tree.query(points, k=_CROWD, distance_upper_bound=radius, workers=workers)
    within = np.isfinite(distance)
    full = np.flatnonzero(within[:, -1])
    within[full] = False
    asked, slot = np.nonzero(within)
    first, second = [asked], [nearest[asked, slot]]
    if len(full):
        near = tree.query_ball_point(points[full], radius, workers=workers, return_sorted=False)
        lengths = np.fromiter(map(len, near), np.int64, len(full))
        first.append(np.repeat(full, lengths))
        second.append(np.fromiter(itertools.chain.from_iterable(near), np.int64, int(lengths.sum())))
    return np.concatenate(first), np.concatenate(second)


def _sharp_operators() -> list[np.ndarray]:
    """Per view, the same resampling as :func:`view_operators` without the blur."""
    return [np.eye(THUMB_SIDE, dtype=np.float32)] + [_crop_matrix(THUMB_SIDE, t).astype(np.float32) for t in CROP_VIEWS]


def _features(thumbs: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The full signatures and the fine detail (sharp minus blurred view, percent of
    brightness: what the blur took out of the signature) of view rows ``rows``, sorted (view v
    of thumbnail i is row v * n + i). Each view's pixels are converted once, for both."""
    count = len(thumbs)
    signature = np.empty((len(rows), 3 * SIGNATURE_SIDE**2), np.float32)
    detail = np.empty((len(rows), thumbs[0].size), np.float32)
    bounds = np.searchsorted(rows, count * np.arange(len(CROP_VIEWS) + 2))
    operators = zip(_reducers(SIGNATURE_SIDE), _sharp_operators(), view_operators())
    for view, (reduce, sharp, blurred) in enumerate(operators):
        low, high = bounds[view], bounds[view + 1]
        if low == high:
            continue
        pixels = thumbs[rows[low:high] - view * count].astype(np.float32)
        signature[low:high] = _signature_batch(pixels, reduce)
        diff = (pixels if view == 0 else _separable(sharp, pixels)) - _separable(blurred, pixels)
        detail[low:high] = diff.reshape(len(pixels), -1) * (100.0 / (pixels.mean(axis=(1, 2, 3)) + 1.0))[:, None]
    return signature, detail


def check(thumbs: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each pair of view rows: the signature distance (RMS over the thumbnail's 768 values)
    and how alike their fine detail is (correlation, 1 when there is too little to compare).

    Pairs are checked a batch at a time, each view row of a batch measured once however many
    pairs it is in (copies of one picture pair up with each other many times).
    """
    distance = np.empty(len(pairs), np.float32)
    alike = np.empty(len(pairs), np.float32)
    for start in range(0, len(pairs), _CHECK_BATCH):
        chunk = pairs[start : start + _CHECK_BATCH]
        rows, where = np.unique(chunk, return_inverse=True)
        where = where.reshape(chunk.shape)
        signature, detail = _features(thumbs, rows)
        diff = signature[where[:, 0]] - signature[where[:, 1]]
        distance[start : start + len(chunk)] = np.sqrt(np.einsum("ij,ij->i", diff, diff) / (3 * THUMB_SIDE**2))
        squares = np.einsum("ij,ij->i", detail, detail)  # once a row, not once a pair
        energy = np.sqrt(squares[where[:, 0]] * squares[where[:, 1]])
        flat = energy < (FLAT_DETAIL**2) * detail.shape[1]
        products = np.einsum("ij,ij->i", detail[where[:, 0]], detail[where[:, 1]])
        alike[start : start + len(chunk)] = np.where(flat, 1.0, products / np.maximum(energy, 1e-6))
    return distance, alike


def find_near_duplicates(
    sources: Sequence[str], thumbs: Sequence[bytes], threshold: float, workers: int = 1
) -> list[NearPair]:
    """The near-duplicate pairs among ``sources`` (with their thumbnails), sorted.

    A pair of photos is reported at the distance of their whole views when those are near,
    else at the smallest distance of a crop view of one to the whole view of the other;
    distances are rounded to 0.01 so the report reads the same on every machine.
    """
    count = len(sources)
    if count < 2 or threshold <= 0:
        return []
    side = THUMB_SIDE
    pixels = np.frombuffer(b"".join(thumbs), np.uint8).reshape(count, side, side, 3)
    whole_share, crop_share = INDEX_SHARES
    radii = [share * threshold * side * math.sqrt(3) for share in (whole_share, *[crop_share] * len(CROP_VIEWS))]
    # The index needs only the lowest frequencies; full signatures are made for candidates only.
    found = candidates(signatures(pixels, side=_index_side()), radii, workers)
    whole = found[:, 0] < count
    near, distance = _kept(pixels, found[whole], threshold)
    cropped = found[~whole]
    # A pair whose whole views are near is not measured again by its crops.
    cropped = cropped[~np.isin(_pair_keys(cropped % count, count), _pair_keys(near, count))]
    near_crops, crop_distance = _kept(pixels, cropped, threshold)
    photos = np.concatenate([near, near_crops % count])
    return _closest_pairs(sources, photos, np.concatenate([distance, crop_distance]))


def _closest_pairs(sources: Sequence[str], photos: np.ndarray, distance: np.ndarray) -> list[NearPair]:
    """One :class:`NearPair` per pair of photos (rows of ``photos``) at its smallest distance,
    sorted, worked out on arrays: a search may find hundreds of thousands."""
    involved = np.unique(photos)
    names = sorted(range(len(involved)), key=lambda i: sources[involved[i]])
    rank = np.empty(len(involved), np.int64)
    rank[names] = np.arange(len(involved))
    ranked = rank[np.searchsorted(involved, photos)]
    first, second = ranked.min(axis=1), ranked.max(axis=1)
    order = np.lexsort((distance, second, first))
    keys = first[order] * len(involved) + second[order]
    chosen = order[np.r_[True, keys[1:] != keys[:-1]]] if len(order) else order
    by_rank = [sources[involved[i]] for i in names]
    a = [by_rank[i] for i in first[chosen].tolist()]
    b = [by_rank[i] for i in second[chosen].tolist()]
    return list(map(NearPair, a, b, [round(d, 2) for d in distance[chosen].tolist()]))


def _kept(thumbs: np.ndarray, pairs: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of view rows that :func:`check` finds near (within ``threshold``, with
    alike detail), and their distances."""
    distance, alike = check(thumbs, pairs)
    keep = (distance <= threshold) & (alike >= DETAIL_MIN)
    return pairs[keep], distance[keep]


def _pair_keys(photos: np.ndarray, count: int) -> np.ndarray:
    """One number per unordered pair of photos (an (m, 2) array of photo rows)."""
    return photos.min(axis=1) * count + photos.max(axis=1)


def _index_side() -> int:
    """The fewest frequencies per side whose signature holds the index's projection."""
    return next(side for side in range(1, SIGNATURE_SIDE + 1) if side * (side + 1) // 2 >= INDEX_FREQUENCIES)
