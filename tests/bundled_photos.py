"""Real photographs that ship inside well-kept packages (no download): distinct pictures for
the quality gate and the near-duplicate search.

scikit-image bundles about fifteen, from people and objects to textures (``brick``, ``grass``,
``gravel``) that look alike to a coarse hash; scikit-learn's ``load_sample_images`` adds two.
``skimage.data.cat()`` is the same picture as ``chelsea()``, so only ``chelsea`` is listed.
"""

from __future__ import annotations

import numpy as np

#: scikit-image's bundled photographs and scans (its drawings and test patterns left out).
SKIMAGE_PHOTOS = (
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "microaneurysms",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)


def bundled_photos() -> dict[str, np.ndarray]:
    """Every bundled photograph as an 8-bit RGB array, by name (``sklearn_0``, ``sklearn_1`` too)."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    photos = {name: getattr(skimage.data, name)() for name in SKIMAGE_PHOTOS}
    photos |= {f"sklearn_{i}": image for i, image in enumerate(load_sample_images().images)}
    return {name: _rgb(image) for name, image in photos.items()}


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[..., :3].astype(np.uint8))
