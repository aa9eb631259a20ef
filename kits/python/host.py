"""mlcheck's kit host: runs the workload kits inside the node's own Python.

mlcheck (src/engines/python) starts this script with the interpreter and environment the
operator chose (--python, --modules) and talks to it in JSON lines:

  stdin  {"type": "open", "framework": "pytorch", "device": "cuda", "threads": 2, "training": true, "gpus": [0, 1]}
         {"type": "run", "kit": "lenet", "file": null, "request": {...}}
         {"type": "close"}
  stdout {"type": "hello", ...}, {"type": "opened", "facts": {...}}, {"type": "progress", "event": {...}},
         {"type": "result", "output": {...}}, {"type": "error", "kind": "...", "message": "..."}

Only protocol lines reach stdout: anything else printed (by a kit, a framework or a C library)
is sent to stderr, which mlcheck keeps for failure reasons. The kit only computes; mlcheck
plans, judges, isolates and reports.
"""
import importlib
import importlib.util
import json
import math
import os
import signal
import sys
import traceback

PROTOCOL_VERSION = 1
# What the kits import besides a framework; a Python without them cannot run a kit (skip, not fail).
KIT_DEPENDENCIES = ('numpy',)


def _die_with_parent():
    """The case process may be killed outright: take this interpreter down with it."""
    if sys.platform.startswith('linux'):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except Exception:  # no libc symbol: the process group kill still covers us
            pass
    expected = os.environ.get('MLCHECK_PARENT_PID')
    if expected and expected.isdigit() and os.getppid() != int(expected):
        os._exit(72)


def _protocol_stream():
    """A private copy of stdout for protocol lines; fd 1 itself becomes stderr."""
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, 'w', buffering=1, encoding='utf-8', errors='replace')


def _finite(value):
    """JSON has no NaN or Infinity: send them as strings mlcheck reads back as numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return 'NaN' if math.isnan(value) else ('Infinity' if value > 0 else '-Infinity')
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class Host:
    def __init__(self, out):
        self.out = out
        self.framework = None
        self.opened = None

    def send(self, message):
        self.out.write(json.dumps(_finite(message), allow_nan=False, default=_jsonable) + '\n')
        self.out.flush()

    def error(self, kind, message, **extra):
        self.send(dict(type='error', kind=kind, message=message, **extra))

    def open(self, message):
        from mlcheck_kits import errors
        name = message.get('framework')
        if name not in ('pytorch', 'tensorflow'):
            return self.error('usage', 'unknown framework %r' % (name,))
        try:
            module = importlib.import_module('mlcheck_kits.%s' % name)
            self.opened = module.open_framework(device=message.get('device', 'cpu'), threads=message.get('threads'), training=message.get('training', True), gpus=message.get('gpus') or [])
        except errors.KitRequirement as e:
            return self.error('requirement', str(e), **e.extra)
        except ModuleNotFoundError as e:
            if e.name in KIT_DEPENDENCIES:
                return self.error('requirement', 'the kits need %s, which this Python (%s) does not have: %s' % (e.name, sys.executable, e), missingImport=e.name)
            return self.error('failure', '%s: %s' % (type(e).__name__, e), traceback=traceback.format_exc(limit=20))
        except Exception as e:  # an installed framework that fails to import or start is broken
            return self.error('failure', '%s: %s' % (type(e).__name__, e), traceback=traceback.format_exc(limit=20))
        self.framework = name
        self.send(dict(type='opened', facts=self.opened.facts))

    def run(self, message):
        from mlcheck_kits import errors
        from mlcheck_kits.context import KitContext
        if self.opened is None:
            return self.error('usage', 'run before open')
        try:
            kit = self._kit_module(message.get('kit'), message.get('file'))
            context = KitContext(self.opened, message.get('request') or {}, lambda event: self.send(dict(type='progress', event=event)))
            output = kit.run(context)
        except errors.KitRequirement as e:
            return self.error('requirement', str(e), **e.extra)
        except errors.KitDataError as e:
            return self.error('data', str(e), **e.extra)
        except errors.KitUsageError as e:
            return self.error('usage', str(e))
        except ModuleNotFoundError as e:
            if e.name in KIT_DEPENDENCIES:
                return self.error('requirement', 'the kits need %s, which this Python (%s) does not have: %s' % (e.name, sys.executable, e), missingImport=e.name)
            return self.error('failure', '%s: %s' % (type(e).__name__, e), traceback=traceback.format_exc(limit=20))
        except Exception as e:
            return self.error('failure', '%s: %s' % (type(e).__name__, e), traceback=traceback.format_exc(limit=20))
        self.send(dict(type='result', output=output))

    def handle(self, message):
        """One request (open or run); its answers go out through send."""
        kind = message.get('type')
        if kind == 'open':
            self.open(message)
        elif kind == 'run':
            self.run(message)
        else:
            self.error('usage', 'unknown message type %r' % (kind,))

    def _kit_module(self, kit, file):
        if file:
            spec = importlib.util.spec_from_file_location('mlcheck_kit_file', file)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
        if not isinstance(kit, str) or not kit.isidentifier():
            raise ValueError('bad kit name %r' % (kit,))
        return importlib.import_module('mlcheck_kits.%s.%s' % (self.framework, kit))


def _jsonable(value):
    """numpy and framework scalars and arrays, as plain numbers and lists."""
    if hasattr(value, 'tolist'):
        return value.tolist()
    if hasattr(value, 'item'):
        return value.item()
    return str(value)


def main():
    _die_with_parent()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    host = Host(_protocol_stream())
    host.send(dict(type='hello', protocol=PROTOCOL_VERSION, python=sys.version.split()[0], executable=sys.executable, pid=os.getpid()))
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
        except ValueError:
            host.error('usage', 'not a JSON line: %r' % line[:200])
            continue
        if message.get('type') == 'close':
            break
        host.handle(message)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
