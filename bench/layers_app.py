"""Part 1's app with the first N layers of `boston_app.app.LAYERS`, N from BENCH_LAYERS, for `make bench`'s layer table.

bench/run.py serves it N = 0, 1, ... len(LAYERS), as it serves the real app, to measure what each layer costs.
"""

import os

from boston_app.app import LAYERS, create_app

app = create_app(layers=LAYERS[: int(os.environ["BENCH_LAYERS"])])
