# gunicorn reads this file from the working directory: `gunicorn boston_app.app:app` needs no flags.
import os
import sys


def _env_int(name, default, low, high):
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        sys.exit(f"gunicorn.conf.py: {name} must be a whole number from {low} to {high}, got {raw!r}")
    return int(raw)


# Heroku gives the port in PORT and needs every interface; locally we listen on loopback unless HOST says otherwise.
bind = f"{os.environ.get('HOST') or ('0.0.0.0' if 'DYNO' in os.environ else '127.0.0.1')}:{_env_int('PORT', 5000, 1, 65535)}"
workers = _env_int("WEB_CONCURRENCY", 2, 1, 64)
preload_app = True  # load and verify the model once, in the master; workers share its memory
timeout = 30  # Heroku's router gives a request 30 s
graceful_timeout = 25  # Heroku sends SIGKILL 30 s after SIGTERM
accesslog = "-"
errorlog = "-"
loglevel = "info"
# gunicorn 25+ opens a management socket in $HOME by default; a dyno needs none, and several local servers would share it.
control_socket_disable = True


def worker_exit(server, worker):
    """End a finished worker at once, keeping its exit status.

    onnxruntime's C++ exit handlers deadlock in a process forked after its import (preload_app imports it in the
    master), so a worker would hang on exit until graceful_timeout and be killed: every SIGTERM (each deploy, restart
    or scale-down on Heroku) would take 25 s. The worker has finished its requests and gunicorn its cleanup here.
    """
    exc = sys.exc_info()[1]  # the SystemExit on its way out of the worker
    code = exc.code if isinstance(exc, SystemExit) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
