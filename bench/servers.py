"""What the bench starts and stops: the scratch database, Redis, the SMS sink, gunicorn, and the
meters that watch it (worker memory, CPU time)."""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.base import BIN, ROOT, Options, free_port, log, read_text

# ---------------------------------------------------------------------------------------------------
# Scratch database, Redis, SMS sink, gunicorn


@contextmanager
def scratch_database(admin_url: str):
    """CREATE a database of our own, yield its URL, DROP it (also when the run fails)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_{datetime.now():%Y%m%d_%H%M%S}_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created scratch database {name}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped scratch database {name}")


def empty_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=3).flushdb()
    except redis.RedisError as exc:
        log(f"redis at {url} not emptied: {exc}")


class SmsSink:
    """The SMS gateway the server posts to (SMS_BACKEND=http): keeps the texts so the login flow can
    read its codes, answers 200 at once. Real HTTP, like production, without a real carrier."""

    def __init__(self) -> None:
        self.messages: dict[str, list[tuple[float, str]]] = {}
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    msg = json.loads(body)
                    with sink.lock:
                        sink.messages.setdefault(msg["to"], []).append((time.monotonic(), msg["text"]))
                    self._answer(200, b'{"status": "accepted"}')
                except (ValueError, KeyError, TypeError):
                    self._answer(400, b'{"status": "bad request"}')

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def __enter__(self) -> SmsSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_code(self, phone: str, since: float, timeout: float = 5.0) -> str:
        """The 6-digit code of the first text to `phone` received after `since` (monotonic)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for at, text in self.messages.get(phone, []):
                    found = re.search(r"\b(\d{6})\b", text)
                    if at >= since and found:
                        return found.group(1)
            time.sleep(0.005)
        raise TimeoutError(f"no SMS code for {phone[:6]}... within {timeout} s")


class Gunicorn:
    """The API as production runs it: gunicorn, APP_ENV=production, on a free loopback port."""

    def __init__(self, env: dict, opts: Options, logdir: Path, app_spec: str = "app:create_app()",
                 name: str = "api") -> None:
        self.env, self.opts, self.logdir = env, opts, logdir
        self.app_spec, self.name = app_spec, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        cmd = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
               "--workers", str(self.opts.gunicorn_workers),
               "--worker-class", self.opts.worker_class, "--bind", f"127.0.0.1:{self.port}",
               "--access-logfile", str(self.logdir / f"{self.name}-access.log"),
               "--error-logfile", str(self.logdir / f"{self.name}-gunicorn.log"), "--timeout", "60"]
        if self.opts.worker_class == "gthread":
            cmd += ["--threads", str(self.opts.worker_threads)]
        return [*cmd, self.app_spec]

    def __enter__(self) -> Gunicorn:
        out = open(self.logdir / f"{self.name}-server.out", "ab")
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=out, stderr=out,
                                     start_new_session=True)
        out.close()
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200 \
                        and len(self.worker_pids()) == self.opts.gunicorn_workers:
                    log(f"gunicorn up on {self.url}: {self.opts.gunicorn_workers} {self.opts.worker_class} workers")
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s:\n{self.log_tail()}")

    def __exit__(self, *_exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what we started
            self.proc.wait(timeout=10)
        log("gunicorn stopped")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                stat = read_text(f"/proc/{entry.name}/stat")
                # The command may hold spaces and parentheses: fields after the last ')' are fixed.
                fields = stat.rsplit(")", 1)[-1].split()
                if len(fields) > 2 and fields[1] == str(self.proc.pid):
                    pids.append(int(entry.name))
        return sorted(pids)

    def log_tail(self, chars: int = 3000) -> str:
        text = "".join(read_text(str(self.logdir / f"{self.name}-{part}")) for part in ("server.out", "gunicorn.log"))
        return text[-chars:]


class RssSampler:
    """Peak VmRSS of every gunicorn worker while a scenario runs (sampled every 0.2 s)."""

    def __init__(self, server: Gunicorn) -> None:
        self.server = server
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while True:
            for pid in self.server.worker_pids():
                match = re.search(r"^VmRSS:\s+(\d+) kB", read_text(f"/proc/{pid}/status"), re.M)
                if match:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(match.group(1)))
            if self._stop.wait(0.2):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def max_mb(self) -> float | None:
        return round(max(self.peaks.values()) / 1024, 1) if self.peaks else None

    @property
    def per_worker_mb(self) -> dict[str, float]:
        return {str(pid): round(kb / 1024, 1) for pid, kb in sorted(self.peaks.items())}


class CpuMeter:
    """CPU seconds spent while a scenario runs, by who spent them: the gunicorn workers, PostgreSQL
    (every `postgres` process) and the whole machine (/proc/stat, kernel included); wrk's own comes
    from its rusage. Divided by the requests served, it says where a request's cost goes on a
    machine where all of them share the same cores."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server: Gunicorn) -> None:
        self.server = server
        self.start: dict[str, float] = {}
        self.used: dict[str, float] = {}

    def _sample(self) -> dict[str, float]:
        groups = {"app": 0.0, "postgres": 0.0}
        workers = set(self.server.worker_pids())
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            stat = read_text(f"/proc/{entry.name}/stat")
            if ")" not in stat:
                continue
            name = stat[stat.find("(") + 1:stat.rfind(")")]
            fields = stat.rsplit(")", 1)[-1].split()
            group = "app" if int(entry.name) in workers else "postgres" if name == "postgres" else None
            if group:
                groups[group] += (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime
        cpu = [int(v) for v in read_text("/proc/stat").splitlines()[0].split()[1:]]
        groups["machine"] = (sum(cpu) - cpu[3] - cpu[4]) / self.TICK  # all but idle and iowait
        return groups

    def __enter__(self) -> CpuMeter:
        self.start = self._sample()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._sample()
        self.used = {k: round(end[k] - self.start[k], 3) for k in end}

    def per_request_us(self, requests: int) -> dict[str, float]:
        return {k: round(v / requests * 1e6) for k, v in self.used.items()} if requests else {}
