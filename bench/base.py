"""What every part of the bench shares: paths, options, a result, logging, the machine and wrk."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA_DIR = Path(__file__).resolve().parent / "lua"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
LIGHT_CONNECTIONS, LIGHT_SECONDS = 1, 5  # one connection: two could share one worker and queue


class Skip(Exception):
    """A scenario that cannot run here (endpoint missing, no data): reported, not a failure."""


@dataclass
class Options:
    admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    redis_url: str = "redis://127.0.0.1:6379/13"  # a Redis database the bench owns: emptied at start and end
    small: int = 10_000
    large: int = 1_000_000  # 0: no second pass
    duration: int = 10
    warmup: int = 2
    connections: int = 32
    threads: int = 2
    # gthread keeps connections alive (clinic systems reuse theirs) and overlaps database waits; two
    # threads per worker bound the memory a worker can take at once (Argon2id needs 64 MiB a login).
    workers: int = 0  # 0: 2 x cores
    worker_class: str = "gthread"
    worker_threads: int = 1  # measured: 1 thread per worker beats 2 (GIL) for card checks
    seed: int = 42
    budget: int = 540  # seconds; scenarios that would start later are skipped (make bench < 10 min)
    only: tuple[str, ...] = ()

    @property
    def gunicorn_workers(self) -> int:
        return self.workers or 2 * (os.cpu_count() or 1)


@dataclass
class Result:
    scenario: str
    title: str
    people: int
    status: str  # ok | skipped | failed
    throughput: float | None = None
    unit: str = "req/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    requests: int | None = None
    rss_mb: float | None = None
    note: str = ""
    detail: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# The machine, wrk


def ensure_wrk() -> str:
    """wrk from Debian's packages: installed with apt-get when missing (the bench runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if not apt:
        raise SystemExit("bench: wrk is not installed and apt-get is not available; install wrk first")
    prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else [])
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log("installing wrk with apt-get")
    install = [*prefix, apt, "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, timeout=300).returncode != 0:
        subprocess.run([*prefix, apt, "update", "-q"], env=env, capture_output=True, timeout=300)
        done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise SystemExit(f"bench: apt-get install wrk failed:\n{done.stderr[-2000:]}")
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk still not on PATH after apt-get install")
    return found


def machine_info() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in read_text("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), "unknown")
    mem_kb = next((int(line.split()[1]) for line in read_text("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": os.uname().release,
        "python": sys.version.split()[0],
        "wrk": _first_line([shutil.which("wrk") or "wrk", "-v"]),
        "load_at_start": os.getloadavg()[0],  # > 0.5: something else is using the CPU; figures suffer
    }


def git_commit() -> str:
    rev = _first_line(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"]) or "nogit"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{rev}-dirty" if dirty else rev


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return ((out.stdout or out.stderr).strip().splitlines() or [""])[0]


def read_text(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
