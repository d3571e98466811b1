import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


def _exit_on_signal(signum, frame):
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Serve the site (ASGI) and run a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--workers", type=int, default=1, help="web server processes")
        parser.add_argument(
            "--no-worker", action="store_true", help="don't start a background worker"
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        import uvicorn

        # uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown; make that an exception
        # so the `finally` below still stops the worker instead of leaving it orphaned.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        worker = None
        if not no_worker:
            # A separate process: a slow image job never holds up web requests (the GIL).
            worker = subprocess.Popen([sys.executable, "-m", "vermilion.cli", "worker"])
            self.stdout.write(f"background worker started (pid {worker.pid})")
        # How many web processes share the database (settings.WEB_PROCESSES): with one, the
        # embedded mode keeps some per-person state in the process's memory.
        os.environ["VERMILION_WEB_PROCESSES"] = str(workers)
        self.stdout.write(f"Vermilion is serving on http://{host}:{port}/")
        self.stdout.flush()
        try:
            uvicorn.run(
                "vermilion.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                log_level="info",
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
