"""The worker server's first import: it keeps that process to one thread.

Every worker process is forked by one server process (``multiprocessing``'s forkserver, see
:mod:`cat_breeds_vlm.workers`), which imports this module, then the modules the workers run.
Forking is safe only from a process that runs a single thread (a lock held by another thread
at that moment stays held forever in the child), and two of those libraries start threads
as they load unless told not to: OpenBLAS (under numpy) one per core, and pyarrow's jemalloc
a background purging thread. Told here, before they load; the workers inherit the settings,
which suit them (they already run one per core).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["JE_ARROW_MALLOC_CONF"] = "background_thread:false"
