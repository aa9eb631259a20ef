"""Runs one of the manual's example scripts unchanged (`python script.py args...`), only making it
die with mlcheck's case process first: mlcheck starts it as `python run_example.py script args`."""
import os
import runpy
import signal
import sys


def _die_with_parent():
    if sys.platform.startswith('linux'):
        try:
            import ctypes
            ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:
            pass
    expected = os.environ.get('MLCHECK_PARENT_PID')
    if expected and expected.isdigit() and os.getppid() != int(expected):
        os._exit(72)


if __name__ == '__main__':
    _die_with_parent()
    script = os.path.abspath(sys.argv[1])
    sys.argv = [script] + sys.argv[2:]
    sys.path[0] = os.path.dirname(script)  # as `python script.py` would have it
    runpy.run_path(script, run_name='__main__')
