"""Parts the queue fault tests start and kill: a throwaway redis-server (never the machine's own),
an SMS gateway that honours Idempotency-Key (and can be made slow), and queue consumers or a whole
gunicorn server as separate processes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


class ThrowawayRedis:
    """redis-server on its own port with no persistence: a restart loses everything it held."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="redisfault-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


class IdempotentGateway:
    """An SMS gateway: answers after `delay` seconds; a message is delivered once per Idempotency-Key
    (a repeat is acknowledged, not sent again), as the production gateway is required to do."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.requests: list[str] = []
        self.delivered: dict[str, dict] = {}
        self.lock = threading.Lock()
        gw = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key") or body.get("id")
                with gw.lock:
                    gw.requests.append(key)
                time.sleep(gw.delay)
                with gw.lock:  # delivered even if the client is gone by now (it was handed over)
                    gw.delivered.setdefault(key, body)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def env_for(config: dict, **extra: str) -> dict:
    """The environment a child process needs to be the same service as the test's app."""
    keys = ("DATABASE_URL", "SECRET_KEY", "INSTANCE_DIR", "SMS_OUTBOX_FILE", "CARD_KEYS_DIR", "PUSH_OUTBOX_FILE")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "QUEUE_URL", "APP_ENV")}
    env.update({k: str(config[k]) for k in keys if config.get(k)})
    env.update({k: str(v) for k, v in extra.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


def start_consumer(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jobs.worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--access-logfile",
                             "/dev/null", "app:create_app()"], cwd=ROOT, env={**env, "PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_port(port, timeout=60)
    return proc


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def wait_for(predicate, timeout: float = 30.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
