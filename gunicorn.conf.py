"""gunicorn settings shared by `make run` and `make bench` (override any of them on the command line).

gthread workers keep HTTP connections alive (sync workers close each one: a clinic's or the load
balancer's keep-alive would pay a TCP handshake per request). One thread per worker: measured on
this 2-core machine, 2 x cores workers with one thread each check ~40% more cards per second than
with two threads each (the threads fight over the GIL more than they overlap database waits).
"""
import multiprocessing
import os
import sys

# Unsafe production settings stop gunicorn here, while it reads this file: before its first log
# line and before it binds the port (one line on stderr, exit status 1; see config.load_or_exit).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config as _app_config  # noqa: E402  ("config" is a gunicorn setting name)

_app_config.load_or_exit()

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 1))
keepalive = 5
timeout = 60
graceful_timeout = 20
accesslog = "-"

# glibc raises its mmap threshold each time a large mmapped block is freed, so from the second
# login on, Argon2id's 19 MiB working memory (and a 10,000-row batch's buffers) comes from the heap
# and stays resident after it is freed: measured, +19 MiB per thread arena after five logins. A
# fixed threshold sends every block over 128 KiB to mmap and gives it back when freed.
M_MMAP_THRESHOLD = -3


def post_fork(server, worker):
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


# SO_REUSEPORT: every worker gets its own listening socket and the kernel hashes connections over
# them, instead of all workers racing on one accept queue (where, measured, one or two workers take
# most keep-alive connections and their queues set the p99). See docs/notifications.md §gunicorn.
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "1") == "1"

# The task queue's consumer (jobs/worker.py): started with the server so that `make run` needs no
# second command; QUEUE_WORKER=external when the service manager runs consumers of its own.
_consumer: dict = {}


# Launched through a short-lived process so that the consumer is not a child of the master: the
# master's children are exactly its workers (what bench/ counts and measures).
_LAUNCH = ("import subprocess, sys; "
           "print(subprocess.Popen([sys.executable, '-m', 'jobs.worker'], stdout=2).pid)")


def _start_consumer(server) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LAUNCH], cwd=os.path.dirname(os.path.abspath(__file__)),
                         stdout=subprocess.PIPE, text=True, check=True)
    _consumer["pid"] = int(out.stdout.strip())
    server.log.info("queue consumer started (pid %s)", _consumer["pid"])


def _consumer_alive() -> bool:
    try:
        with open(f"/proc/{_consumer['pid']}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        try:
            os.kill(_consumer["pid"], 0)  # no /proc (not Linux)
            return True
        except OSError:
            return False


def when_ready(server):
    if os.environ.get("QUEUE_WORKER", "embedded") != "embedded":
        return
    import threading
    import time

    _start_consumer(server)

    def watch() -> None:  # a consumer that dies is restarted; the outbox sweep covers its lease
        while not _consumer.get("stopping"):
            if not _consumer_alive():
                server.log.warning("queue consumer %s exited; restarting", _consumer["pid"])
                time.sleep(1)
                if not _consumer.get("stopping"):
                    _start_consumer(server)
            time.sleep(1)

    threading.Thread(target=watch, name="queue-consumer-watch", daemon=True).start()


def on_exit(server):
    import signal
    import time

    _consumer["stopping"] = True
    if "pid" not in _consumer:
        return
    try:
        os.kill(_consumer["pid"], signal.SIGTERM)  # Huey finishes the tasks in hand, then exits
    except OSError:
        return
    deadline = time.monotonic() + graceful_timeout
    while time.monotonic() < deadline and _consumer_alive():
        time.sleep(0.1)
    if _consumer_alive():
        os.kill(_consumer["pid"], signal.SIGKILL)
