"""Test-wide settings: no network, and a private Hugging Face cache so no stale cache can help."""

from __future__ import annotations

import os
import tempfile

# Set before anything imports datasets/huggingface_hub: their config reads these at import.
_CACHE = tempfile.mkdtemp(prefix="cat-breeds-vlm-tests-")
os.environ["HF_HOME"] = _CACHE
os.environ["HF_DATASETS_CACHE"] = os.path.join(_CACHE, "datasets")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["TQDM_DISABLE"] = "1"
