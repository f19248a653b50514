"""The benchmark's "before" for issue 20: our gevent worker with a batch's work kept on the event loop.

`FairGeventWorker` (boston_app/serving.py) runs a batch's CPU-heavy work on a thread of its own; this subclass skips
that step of its `run`, so `run_heavy` is a plain call in the greenlet, as in every version before issue 20, and
`make bench` measures both in one run.
"""

from gunicorn.workers.ggevent import GeventWorker

from boston_app.serving import FairGeventWorker


class OnLoopWorker(FairGeventWorker):
    def run(self):
        GeventWorker.run(self)  # not FairGeventWorker.run: no thread, Python's 5 ms switch interval
