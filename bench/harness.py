"""The machinery of `make bench`: wrk, a scratch database, the seeded data, gunicorn, the SMS sink,
worker memory, the results table and the targets. What is measured lives in bench/scenarios.py.

Everything it starts it also stops (try/finally through an ExitStack): the gunicorn master and its
workers, the SMS sink, the scratch database (dropped) and the temporary folder. Traffic goes to
127.0.0.1 only.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA_DIR = Path(__file__).resolve().parent / "lua"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent


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
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
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


def _read(path: str) -> str:
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

    def __enter__(self) -> "SmsSink":
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

    def __enter__(self) -> "Gunicorn":
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
                stat = _read(f"/proc/{entry.name}/stat")
                # The command may hold spaces and parentheses: fields after the last ')' are fixed.
                fields = stat.rsplit(")", 1)[-1].split()
                if len(fields) > 2 and fields[1] == str(self.proc.pid):
                    pids.append(int(entry.name))
        return sorted(pids)

    def log_tail(self, chars: int = 3000) -> str:
        text = "".join(_read(str(self.logdir / f"{self.name}-{part}")) for part in ("server.out", "gunicorn.log"))
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
                match = re.search(r"^VmRSS:\s+(\d+) kB", _read(f"/proc/{pid}/status"), re.M)
                if match:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(match.group(1)))
            if self._stop.wait(0.2):
                return

    def __enter__(self) -> "RssSampler":
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
            stat = _read(f"/proc/{entry.name}/stat")
            if ")" not in stat:
                continue
            name = stat[stat.find("(") + 1:stat.rfind(")")]
            fields = stat.rsplit(")", 1)[-1].split()
            group = "app" if int(entry.name) in workers else "postgres" if name == "postgres" else None
            if group:
                groups[group] += (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime
        cpu = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:]]
        groups["machine"] = (sum(cpu) - cpu[3] - cpu[4]) / self.TICK  # all but idle and iowait
        return groups

    def __enter__(self) -> "CpuMeter":
        self.start = self._sample()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._sample()
        self.used = {k: round(end[k] - self.start[k], 3) for k in end}

    def per_request_us(self, requests: int) -> dict[str, float]:
        return {k: round(v / requests * 1e6) for k, v in self.used.items()} if requests else {}


# ---------------------------------------------------------------------------------------------------
# Context handed to the scenario hooks


@dataclass
class Context:
    opts: Options
    db_url: str
    env: dict
    tmp: Path
    sms: SmsSink
    people: int = 0
    server: Gunicorn | None = None
    cache: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.server.url

    @property
    def http(self):
        if "http" not in self.cache:
            import requests

            self.cache["http"] = requests.Session()
        return self.cache["http"]

    def flask(self, *args: str, timeout: int = 180) -> str:
        """Run an operator command (CONTRACT §7) against the scratch database; its stdout."""
        done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args[:3])} failed ({done.returncode}): "
                               f"{(done.stderr or done.stdout).strip()[-800:]}")
        return done.stdout

    def sql(self, query: str, params: dict | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            return conn.execute(query, params or {}).fetchall()

    def app(self):
        """The Flask app in this process, configured like the server (same key, same database)."""
        if "app" not in self.cache:
            from app import create_app

            keys = ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMS_BACKEND", "SMS_HTTP_URL",
                    "INSTANCE_DIR", "CARD_KEYS_DIR", "REGISTRY_BACKEND")
            self.cache["app"] = create_app({k: self.env[k] for k in keys if k in self.env})
        return self.cache["app"]


def server_env(db_url: str, opts: Options, sms: SmsSink, tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "SMS_", "DATABASE_"))}
    env.update({
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": db_url,
        "REDIS_URL": opts.redis_url,
        "SMS_BACKEND": "http",
        "SMS_HTTP_URL": sms.url,
        "INSTANCE_DIR": str(tmp / "instance"),
        "CARD_KEYS_DIR": str(tmp / "card-keys"),
        "REGISTRY_BACKEND": "local",
        "PYTHONUNBUFFERED": "1",
    })
    return env


# ---------------------------------------------------------------------------------------------------
# Running scenarios


def _lua_literal(value: str) -> str:
    level = "=" * 3
    while f"]{level}]" in value:
        level += "="
    return f"[{level}[{value}]{level}]"


def write_lua_data(path: Path, entries: list[dict]) -> None:
    lines = ["return {"]
    for e in entries:
        parts = [f"{k} = {_lua_literal(str(e[k]))}" for k in ("path", "body", "auth") if e.get(k) is not None]
        lines.append("  {" + ", ".join(parts) + "},")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


LIGHT_CONNECTIONS, LIGHT_SECONDS = 1, 5  # one connection: two could share one worker and queue


def run_wrk(ctx: Context, name: str, method: str, entries: list[dict], seconds: int,
            connections: int | None = None, threads: int | None = None) -> dict:
    data = ctx.tmp / f"{name}.data.lua"
    script = ctx.tmp / f"{name}.lua"
    write_lua_data(data, entries)
    script.write_text((LUA_DIR / "rotate.lua").read_text() + "\n" + (LUA_DIR / "report.lua").read_text())
    opts = ctx.opts
    cmd = ["wrk", f"-t{threads or opts.threads}", f"-c{connections or opts.connections}", f"-d{seconds}s", "--timeout", "5s",
           "-s", str(script), ctx.base_url, "--", str(data), method]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)  # wrk's own CPU time, all its threads
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    line = next((ln for ln in stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {(stderr or stdout)[-800:]}")
    return {**json.loads(line.removeprefix("BENCH_JSON ")), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}


def measure_wrk(ctx: Context, scenario, entries: list[dict]) -> Result:
    if not entries:
        raise Skip("no requests prepared")
    run_wrk(ctx, scenario.name, scenario.method, entries, ctx.opts.warmup)  # warm pools and caches
    with RssSampler(ctx.server) as rss, CpuMeter(ctx.server) as cpu:
        fig = run_wrk(ctx, scenario.name, scenario.method, entries, ctx.opts.duration)
    errors = fig["connect"] + fig["read"] + fig["write"] + fig["status"] + fig["timeout"]
    seconds = fig["duration_us"] / 1e6
    cpu.used["wrk"] = fig["cpu_s"]
    light = None
    if scenario.light:  # the latency of a check itself, not of a queue: the data-size comparison
        lf = run_wrk(ctx, scenario.name, scenario.method, entries, LIGHT_SECONDS, LIGHT_CONNECTIONS, 1)
        light = {"connections": LIGHT_CONNECTIONS, "req_s": round(lf["requests"] / (lf["duration_us"] / 1e6)),
                 "p50_ms": lf["p50_us"] / 1000, "p99_ms": lf["p99_us"] / 1000,
                 "errors": lf["connect"] + lf["read"] + lf["write"] + lf["status"] + lf["timeout"]}
    return Result(scenario.name, scenario.title, ctx.people, "ok", throughput=fig["requests"] / seconds,
                  p50_ms=fig["p50_us"] / 1000, p99_ms=fig["p99_us"] / 1000, errors=errors,
                  requests=fig["requests"], rss_mb=rss.max_mb,
                  detail={"wrk": fig, "rss_mb_per_worker": rss.per_worker_mb, "distinct_entries": len(entries),
                          "cpu_us_per_request": cpu.per_request_us(fig["requests"]), "light": light})


def probe(ctx: Context, scenario) -> str | None:
    """One anonymous request: a 404 means the endpoint is not built yet."""
    kwargs = {"json": {}} if scenario.method == "POST" else {}
    resp = ctx.http.request(scenario.method, ctx.base_url + scenario.path, timeout=10, **kwargs)
    if resp.status_code == 404:
        return f"endpoint missing ({scenario.method} {scenario.path} answers 404)"
    return None


def run_scenario(ctx: Context, scenario, started: float) -> Result:
    blank = Result(scenario.name, scenario.title, ctx.people, "skipped", unit=scenario.unit)
    if time.monotonic() - started > ctx.opts.budget:
        blank.note = "time budget spent"
        return blank
    log(f"{scenario.name} ({ctx.people:,} people)")
    try:
        if scenario.path and (reason := probe(ctx, scenario)):
            blank.note = reason
            return blank
        if scenario.kind == "wrk":
            result = measure_wrk(ctx, scenario, scenario.entries(ctx))
        else:
            with RssSampler(ctx.server) as rss:
                figures = scenario.run(ctx)
            result = Result(scenario.name, scenario.title, ctx.people, "ok", unit=scenario.unit,
                            rss_mb=rss.max_mb if scenario.kind == "http" else None, **figures)
            if scenario.kind == "http":
                result.detail["rss_mb_per_worker"] = rss.per_worker_mb
        result.unit = scenario.unit
        return result
    except Skip as exc:
        blank.note = str(exc)
        return blank
    except Exception as exc:  # a broken hook must not stop the other measurements
        traceback.print_exc(file=sys.stderr)
        blank.status, blank.note = "failed", f"{type(exc).__name__}: {str(exc)[:300]}"
        return blank


def seed(ctx: Context, persons: int) -> str:
    log(f"seeding {persons:,} synthetic persons")
    out = ctx.flask("seed", "synthetic", "--persons", str(persons), "--seed", str(ctx.opts.seed), timeout=900)
    log(out.strip().splitlines()[-1] if out.strip() else "seeded")
    ctx.people += persons
    for key in [k for k in ctx.cache if k.startswith("people:")]:
        del ctx.cache[key]  # samples are redrawn over the grown population
    return out.strip()


# ---------------------------------------------------------------------------------------------------
# The whole run


def run(opts: Options) -> int:
    from bench import scenarios
    from cli.database import upgrade

    started = time.monotonic()
    wall_start = datetime.now(timezone.utc)
    ensure_wrk()
    machine = machine_info()
    commit = git_commit()
    results: list[Result] = []
    seeds: list[str] = []
    plans: list[dict] = []
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            db_url = stack.enter_context(scratch_database(opts.admin_url))
            log("migrating")
            upgrade(db_url)
            sms = stack.enter_context(SmsSink())
            empty_redis(opts.redis_url)
            stack.callback(empty_redis, opts.redis_url)
            ctx = Context(opts, db_url, server_env(db_url, opts, sms, tmp), tmp, sms)
            seeds.append(seed(ctx, opts.small))
            scenarios.before_server(ctx)
            ctx.server = stack.enter_context(Gunicorn(ctx.env, opts, tmp))
            machine["postgresql"] = ctx.sql("SHOW server_version")[0][0]
            for label, people in (("small", opts.small), ("large", opts.large)):
                if label == "large":
                    if opts.large <= opts.small:
                        break
                    seeds.append(seed(ctx, opts.large - opts.small))
                for sc in scenarios.SCENARIOS:
                    if label in sc.passes and (not opts.only or sc.name in opts.only):
                        results.append(run_scenario(ctx, sc, started))
                if label == "small" and (not opts.only or "breakdown" in opts.only):
                    results += breakdown(ctx, scenarios.BREAKDOWN, started)
            if not opts.only or "plans" in opts.only:
                plans = explain(ctx, scenarios)
            if any(r.status == "failed" for r in results):
                log("server log tail:\n" + ctx.server.log_tail())
    finally:
        signal.signal(signal.SIGTERM, previous)
    wall = time.monotonic() - started
    report = build_report(results, opts, machine, commit, wall_start, wall, seeds, plans)
    print(report["markdown"])
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = RESULTS_DIR / f"{wall_start:%Y-%m-%d}-{commit}"
    stem.with_suffix(".md").write_text(report["markdown"], encoding="utf-8")
    stem.with_suffix(".json").write_text(json.dumps(report["json"], indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    log(f"written {stem.relative_to(ROOT)}.md and .json ({wall:.0f} s)")
    return 1 if any(r.status == "failed" for r in results) else 0


def breakdown(ctx: Context, probes, started: float) -> list[Result]:
    """The cost breakdown on a second server (bench/probes.py: the real app plus probe routes); the
    main server idles meanwhile."""
    main = ctx.server
    try:
        with Gunicorn(ctx.env, ctx.opts, ctx.tmp, "bench.probes:create_app()", "probes") as ctx.server:
            return [run_scenario(ctx, sc, started) for sc in probes]
    except Exception as exc:  # the main figures stand without the breakdown
        traceback.print_exc(file=sys.stderr)
        return [Result("breakdown", "cost breakdown", ctx.people, "failed", note=f"{type(exc).__name__}: {exc}"[:300])]
    finally:
        ctx.server = main


def explain(ctx: Context, scenarios) -> list[dict]:
    log(f"query plans of the card checks ({ctx.people:,} people)")
    try:
        return scenarios.query_plans(ctx)
    except Exception as exc:  # the endpoint may not exist yet; plans are a bonus, not a measurement
        log(f"no query plans: {type(exc).__name__}: {str(exc)[:300]}")
        return []


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds the ExitStack: servers stopped, database dropped


# ---------------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def evaluate(results: list[Result], opts: Options) -> list[dict]:
    def get(name: str, people: int) -> Result | None:
        return next((r for r in results if r.scenario == name and r.people == people and r.status == "ok"), None)

    targets = []

    def add(target: str, measured: str | None, met: bool | None) -> None:
        verdict = "NOT MEASURED" if met is None else ("MET" if met else "NOT MET")
        targets.append({"target": target, "measured": measured or "—", "verdict": verdict})

    health = get("healthz", opts.small)
    for name, how in (("check_card_number", "card number"), ("check_cccd", "CCCD"), ("check_qr", "QR")):
        r = get(name, opts.small)
        label = (f"card check by {how}: >= 50% of /healthz req/s, p99 < 50 ms at "
                 f"{opts.connections} connections, 0 errors")
        if r and health:
            ratio = r.throughput / health.throughput
            add(label, f"{r.throughput:,.0f} req/s = {ratio:.0%} of {health.throughput:,.0f}; "
                       f"p99 {r.p99_ms:.1f} ms; {r.errors} errors",
                ratio >= 0.5 and r.p99_ms < 50 and r.errors == 0 and opts.connections == 32)
        else:
            add(label, None, None)
    for name, how in (("check_card_number", "card number"), ("check_cccd", "CCCD"), ("check_qr", "QR")):
        small, large = get(name, opts.small), get(name, opts.large)
        label = f"card check by {how}: p50 with {opts.large:,} people <= 1.25 x p50 with {opts.small:,}"
        if opts.large <= opts.small:
            add(label + " (no second pass: --large 0)", None, None)
        elif small and large and small.detail.get("light") and large.detail.get("light"):
            a, b = large.detail["light"]["p50_ms"], small.detail["light"]["p50_ms"]
            ratio = a / b
            add(label, f"at {LIGHT_CONNECTIONS} connection{'s' if LIGHT_CONNECTIONS != 1 else ''} {a:.2f} ms vs {b:.2f} ms = {ratio:.2f} x "
                       f"(at {opts.connections}, queueing included: {large.p50_ms:.1f} vs {small.p50_ms:.1f} ms)",
                ratio <= 1.25)
        else:
            add(label, None, None)
    qr = next((r for r in results if r.scenario == "qr_offline" and r.status == "ok"), None)
    add("offline QR verification >= 5,000/s on one core",
        f"{qr.throughput:,.0f}/s" if qr else None, qr.throughput >= 5000 if qr else None)
    enr = next((r for r in results if r.scenario == "enrollment_10k" and r.status == "ok"), None)
    add("enrollment >= 2,000 rows/s for a 10,000-row batch",
        f"{enr.throughput:,.0f} rows/s ({enr.errors} rows rejected)" if enr else None,
        enr.throughput >= 2000 if enr else None)
    measured = [r for r in results if r.rss_mb is not None]
    worst = max(measured, key=lambda r: r.rss_mb, default=None)
    add("each gunicorn worker < 150 MB resident (peak over every scenario)",
        f"{worst.rss_mb:.1f} MB (during {worst.scenario}, {worst.people:,} people)" if worst else None,
        worst.rss_mb < 150 if worst else None)
    return targets


def build_report(results, opts, machine, commit, when, wall, seeds, plans=()) -> dict:
    targets = evaluate(results, opts)
    config = {
        "gunicorn": f"{opts.gunicorn_workers} x {opts.worker_class}"
                    + (f" ({opts.worker_threads} threads)" if opts.worker_class == "gthread" else ""),
        "wrk": f"-t{opts.threads} -c{opts.connections} -d{opts.duration}s (after a {opts.warmup} s warm-up)",
        "people": [opts.small, opts.large],
    }
    lines = [
        f"# Benchmark {when:%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gb']} GB RAM, "
        f"kernel {machine['kernel']}, Python {machine['python']}, PostgreSQL {machine.get('postgresql', '?')}, "
        f"{machine['wrk'].split(' Copyright')[0]}. Load average at start: {machine['load_at_start']:.2f}"
        + (" (BUSY MACHINE: other processes competed for the CPU, figures are low)"
           if machine["load_at_start"] > 0.5 else "") + ".",
        f"Server: gunicorn {config['gunicorn']} workers, APP_ENV=production, Redis limits, SMS over HTTP "
        f"to a local sink. Load: wrk {config['wrk']}, loopback, on the same machine.",
        "",
        "| scenario | people | throughput | p50 ms | p99 ms | errors | requests | worker RSS max MB | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        through = f"{r.throughput:,.0f} {r.unit}" if r.throughput is not None else r.status
        lines.append(f"| {r.title} | {r.people:,} | {through} | {_fmt(r.p50_ms, 2)} | {_fmt(r.p99_ms, 2)} | "
                     f"{'—' if r.errors is None else r.errors} | {'—' if r.requests is None else f'{r.requests:,}'} | "
                     f"{_fmt(r.rss_mb)} | {r.note} |")
    cpu_rows = [r for r in results if r.detail.get("cpu_us_per_request")]
    if cpu_rows:
        lines += ["", "CPU time per request, µs (who spent it; `machine` counts every process and the kernel):", "",
                  "| scenario | people | app workers | PostgreSQL | wrk | machine |", "|---|---:|---:|---:|---:|---:|"]
        for r in cpu_rows:
            c = r.detail["cpu_us_per_request"]
            lines.append(f"| {r.title} | {r.people:,} | {c.get('app', '—')} | {c.get('postgres', '—')} | "
                         f"{c.get('wrk', '—')} | {c.get('machine', '—')} |")
    light_rows = [r for r in results if r.detail.get("light")]
    if light_rows:
        plural = "s" if LIGHT_CONNECTIONS != 1 else ""
        lines += ["", f"Card checks at {LIGHT_CONNECTIONS} connection{plural} ({LIGHT_SECONDS} s, no queueing: the time of a "
                  "check itself, for the data-size target):", "",
                  "| scenario | people | req/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
        for r in light_rows:
            lt = r.detail["light"]
            lines.append(f"| {r.title} | {r.people:,} | {lt['req_s']:,} | {lt['p50_ms']:.2f} | {lt['p99_ms']:.2f} | "
                         f"{lt['errors']} |")
    steps = {r.scenario: r for r in results if r.scenario.startswith("probe_") and r.status == "ok"}
    if "probe_healthz" in steps:
        base = steps["probe_healthz"]
        lines += ["", "Where a card check's cost goes (bench/probes.py on a second server, same requests): CPU time of the "
                  "whole machine per request, and what each step adds to the previous one:", "",
                  "| step | req/s | % of /healthz | machine µs/request | added µs |", "|---|---:|---:|---:|---:|"]
        against = {"probe_healthz": None, "probe_echo": "probe_healthz", "probe_select": "probe_echo",
                   "probe_insert": "probe_echo", "probe_select_insert": "probe_echo", "probe_check": "probe_select_insert"}
        machine_us = {k: r.detail.get("cpu_us_per_request", {}).get("machine") for k, r in steps.items()}
        for name, ref in against.items():
            if name not in steps:
                continue
            r, us, ref_us = steps[name], machine_us[name], machine_us.get(ref)
            added = f"{us - ref_us:+,} (vs {steps[ref].title.removeprefix('breakdown: ')})" \
                if us is not None and ref_us is not None else ""
            lines.append(f"| {r.title} | {r.throughput:,.0f} | {r.throughput / base.throughput:.0%} | "
                         f"{'—' if us is None else f'{us:,}'} | {added} |")
    lines += ["", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | **{t['verdict']}** |" for t in targets]
    lines += ["", "Seeding:", "", *[f"    {line}" for s in seeds for line in s.splitlines()], "",
              f"Wall time of the whole run: {wall:.0f} s.", ""]
    if plans:
        scans = sum(p["seq_scan_on_big_table"] for p in plans)
        lines += [f"## Query plans of one card check each ({max(opts.small, opts.large):,} people)", "",
                  f"{len(plans)} distinct SELECTs; " + (f"**{scans} with a sequential scan of a big table**"
                                                        if scans else "no sequential scan of a big table") + ".", ""]
        for p in plans:
            lines += [f"By {p['check']}: `{p['sql'][:300]}`", "", "```", p["plan"], "```", ""]
    return {
        "markdown": "\n".join(lines),
        "json": {"date": when.isoformat(), "commit": commit, "machine": machine, "config": config,
                 "results": [asdict(r) for r in results], "targets": targets, "seeding": seeds,
                 "query_plans": list(plans),
                 "wall_seconds": round(wall, 1)},
    }
