"""The machinery of `make bench`: wrk, a scratch database, the seeded data, gunicorn, the SMS sink,
worker memory, the results table and the targets. What is measured lives in bench/scenarios.py.

Everything it starts it also stops (try/finally through an ExitStack): the gunicorn master and its
workers, the SMS sink, the scratch database (dropped) and the temporary folder. Traffic goes to
127.0.0.1 only.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench import scenarios
from bench.base import (  # noqa: F401  (re-exported: python -m bench and the other bench scripts)
    LIGHT_CONNECTIONS,
    LIGHT_SECONDS,
    LUA_DIR,
    RESULTS_DIR,
    ROOT,
    Options,
    Result,
    Skip,
    ensure_wrk,
    git_commit,
    log,
    machine_info,
)
from bench.context import Context, server_env
from bench.report import build_report
from bench.servers import (  # noqa: F401
    CpuMeter,
    Gunicorn,
    RssSampler,
    SmsSink,
    empty_redis,
    scratch_database,
)

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
    from cli.database import upgrade

    started = time.monotonic()
    wall_start = datetime.now(UTC)
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
