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
