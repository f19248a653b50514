"""The benchmark's "before" for issue 20: our gevent worker with a batch's work kept on the event loop.

`FairGeventWorker` (boston_app/serving.py) runs a batch's CPU-heavy work on a thread of its own; this subclass runs it
where the request's greenlet runs, as every version before issue 20 did, so that `make bench` measures both in one run.
"""

from boston_app.serving import FairGeventWorker


class OnLoopWorker(FairGeventWorker):
    heavy_threads = 0  # no thread for heavy work: a batch runs on the event loop
