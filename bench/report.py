"""The report of a bench run: the results table, the CPU and latency tables, the targets."""
from __future__ import annotations

from dataclasses import asdict

from bench.base import LIGHT_CONNECTIONS, LIGHT_SECONDS, Options, Result

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
            conns = f"{LIGHT_CONNECTIONS} connection{'s' if LIGHT_CONNECTIONS != 1 else ''}"
            add(label, f"at {conns} {a:.2f} ms vs {b:.2f} ms = {ratio:.2f} x "
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
    lines += _results_table(results) + _cpu_table(results) + _light_table(results) + _breakdown_table(results)
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


def _results_table(results) -> list[str]:
    lines: list[str] = []
    for r in results:
        through = f"{r.throughput:,.0f} {r.unit}" if r.throughput is not None else r.status
        lines.append(f"| {r.title} | {r.people:,} | {through} | {_fmt(r.p50_ms, 2)} | {_fmt(r.p99_ms, 2)} | "
                     f"{'—' if r.errors is None else r.errors} | {'—' if r.requests is None else f'{r.requests:,}'} | "
                     f"{_fmt(r.rss_mb)} | {r.note} |")
    return lines


def _cpu_table(results) -> list[str]:
    lines: list[str] = []
    cpu_rows = [r for r in results if r.detail.get("cpu_us_per_request")]
    if cpu_rows:
        lines += ["", "CPU time per request, µs (who spent it; `machine` counts every process and the kernel):", "",
                  "| scenario | people | app workers | PostgreSQL | wrk | machine |", "|---|---:|---:|---:|---:|---:|"]
        for r in cpu_rows:
            c = r.detail["cpu_us_per_request"]
            lines.append(f"| {r.title} | {r.people:,} | {c.get('app', '—')} | {c.get('postgres', '—')} | "
                         f"{c.get('wrk', '—')} | {c.get('machine', '—')} |")
    return lines


def _light_table(results) -> list[str]:
    lines: list[str] = []
    light_rows = [r for r in results if r.detail.get("light")]
    if light_rows:
        plural = "s" if LIGHT_CONNECTIONS != 1 else ""
        lines += ["", f"Card checks at {LIGHT_CONNECTIONS} connection{plural} ({LIGHT_SECONDS} s, no queueing: "
                  "the time of a "
                  "check itself, for the data-size target):", "",
                  "| scenario | people | req/s | p50 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
        for r in light_rows:
            lt = r.detail["light"]
            lines.append(f"| {r.title} | {r.people:,} | {lt['req_s']:,} | {lt['p50_ms']:.2f} | {lt['p99_ms']:.2f} | "
                         f"{lt['errors']} |")
    return lines


def _breakdown_table(results) -> list[str]:
    lines: list[str] = []
    steps = {r.scenario: r for r in results if r.scenario.startswith("probe_") and r.status == "ok"}
    if "probe_healthz" in steps:
        base = steps["probe_healthz"]
        lines += ["", "Where a card check's cost goes (bench/probes.py on a second server, same requests): "
                  "CPU time of the "
                  "whole machine per request, and what each step adds to the previous one:", "",
                  "| step | req/s | % of /healthz | machine µs/request | added µs |", "|---|---:|---:|---:|---:|"]
        against = {"probe_healthz": None, "probe_echo": "probe_healthz", "probe_select": "probe_echo",
                   "probe_insert": "probe_echo", "probe_select_insert": "probe_echo",
                   "probe_check": "probe_select_insert"}
        machine_us = {k: r.detail.get("cpu_us_per_request", {}).get("machine") for k, r in steps.items()}
        for name, ref in against.items():
            if name not in steps:
                continue
            r, us, ref_us = steps[name], machine_us[name], machine_us.get(ref)
            added = f"{us - ref_us:+,} (vs {steps[ref].title.removeprefix('breakdown: ')})" \
                if us is not None and ref_us is not None else ""
            lines.append(f"| {r.title} | {r.throughput:,.0f} | {r.throughput / base.throughput:.0%} | "
                         f"{'—' if us is None else f'{us:,}'} | {added} |")
    return lines
