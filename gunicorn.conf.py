"""gunicorn settings shared by `make run` and `make bench` (override any of them on the command line).

gthread workers keep HTTP connections alive (sync workers close each one: a clinic's or the load
balancer's keep-alive would pay a TCP handshake per request); two threads per worker overlap the
database waits without letting the GIL and Argon2's memory per concurrent login grow.
"""
import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 2))
keepalive = 5
timeout = 60
graceful_timeout = 20
accesslog = "-"
