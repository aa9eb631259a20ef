"""mlcheck's kit host inside a Jupyter kernel (mlcheck run --jupyter URL --kernel NAME).

mlcheck (src/engines/python/jupyter/kernel-host.ts) starts a kernel through the server's REST API and
sends execute requests over its WebSocket. The first puts this folder on sys.path and calls
start('<nonce>'); each later one calls handle('<one JSON request, as host.py reads them>',
'<nonce>'). host.py's Host answers as it does over stdin/stdout, but every protocol message
leaves as a display_data message of MIME type application/vnd.mlcheck.host+json, wrapped as
{"nonce": <the request's nonce>, "message": <the message>}: nothing a kit, a framework or the
kernel prints can be taken for an answer, and mlcheck takes an answer only for the request
whose fresh random nonce it echoes (a stale or replayed answer is refused).
"""
import importlib.util
import json
import os
import socket
import sys

MIME = 'application/vnd.mlcheck.host+json'
_host_module = None
_host = None


class _DisplayOut:
    """host.py writes one JSON line per message; each becomes one display_data message, tagged
    with the nonce of the request being answered (None between requests: mlcheck refuses it)."""

    def __init__(self):
        self.nonce = None

    def write(self, text):
        from IPython.display import display
        for line in text.splitlines():
            if line.strip():
                display({MIME: dict(nonce=self.nonce, message=json.loads(line))}, raw=True)

    def flush(self):
        pass


_out = _DisplayOut()


def _load_host():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location('mlcheck_kit_host', os.path.join(here, 'host.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return None


def _answering(nonce, act):
    """Runs act with every message it sends tagged with nonce."""
    _out.nonce = nonce
    try:
        act()
    finally:
        _out.nonce = None


def start(nonce):
    """Says hello with where the kernel runs: its host, CPU and, inside a Slurm job, the job and node."""
    global _host_module, _host
    _host_module = _host_module or _load_host()
    _host = _host_module.Host(_out)
    slurm = None
    if os.environ.get('SLURM_JOB_ID'):
        slurm = dict(jobId=os.environ.get('SLURM_JOB_ID'), node=os.environ.get('SLURMD_NODENAME'))
    _answering(nonce, lambda: _host.send(dict(type='hello', protocol=_host_module.PROTOCOL_VERSION, python=sys.version.split()[0], executable=sys.executable,
                                              pid=os.getpid(), host=socket.gethostname(), cpu=_cpu_model(), slurm=slurm)))


def handle(line, nonce):
    message = json.loads(line)
    _answering(nonce, lambda: _host.handle(message))
