"""`flask worker`: an RQ worker with its scheduler, plus a ticker that enqueues the periodic job."""
import logging
import threading
import time

from rq import SimpleWorker

from app.jobs import get_queue

log = logging.getLogger(__name__)


class Ticker(threading.Thread):
    """Every SWEEP_INTERVAL_SECONDS, enqueue `periodic` once for all workers sharing this Redis."""

    def __init__(self, app):
        super().__init__(name="madang-ticker", daemon=True)
        self.app = app
        self.interval = app.config["SWEEP_INTERVAL_SECONDS"]
        self.stopping = threading.Event()

    def tick(self):
        with self.app.app_context():
            queue = get_queue()
            slot = int(time.time() // self.interval)
            # One enqueue per slot, whichever worker gets there first.
            if queue.connection.set(f"madang:tick:{slot}", 1, nx=True, ex=self.interval * 2):
                queue.enqueue("app.notifications.jobs.periodic", job_timeout=300, result_ttl=600)

    def run(self):
        while not self.stopping.wait(self.interval - time.time() % self.interval):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 -- Redis down: try again next minute
                log.exception("ticker could not enqueue the periodic job")

    def stop(self):
        self.stopping.set()


def run_worker(app, *, burst=False):
    from app.notifications.jobs import sweep

    try:
        sweep()  # once at start: anything left over from a crash or an outage goes out now
    except Exception:  # noqa: BLE001 -- the worker still starts; the ticker sweeps again
        log.exception("start-up sweep failed")
    ticker = None if burst else Ticker(app)
    if ticker:
        ticker.start()
    queue = get_queue()
    # SimpleWorker runs jobs in this process, inside the app context pushed by the CLI.
    worker = SimpleWorker([queue], connection=queue.connection)
    try:
        worker.work(burst=burst, with_scheduler=not burst, logging_level="INFO")
    finally:
        if ticker:
            ticker.stop()
