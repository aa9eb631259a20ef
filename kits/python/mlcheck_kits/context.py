"""What a kit's run(ctx) is given."""


class OpenedFramework:
    """A framework imported and set up on one device (see pytorch/__init__.py, tensorflow/__init__.py)."""

    def __init__(self, module, device, handle, facts, handles=None):
        self.module = module        # torch, or tensorflow
        self.device = device        # 'cuda' or 'cpu'
        self.handle = handle        # torch.device('cuda', 0) / '/GPU:0', or the CPU's: where the workloads run
        self.facts = facts          # what open_framework found, sent to mlcheck
        # One per GPU the session was opened on, in the order mlcheck named them (hello computes
        # on each); [handle] on the CPU.
        self.handles = list(handles) if handles else [handle]


class KitContext:
    def __init__(self, opened, request, emit):
        self.framework = opened
        self.params = request.get('params') or {}
        self.seed = int(request.get('seed', 1))
        self.data = request.get('data') or {}
        self.inputs = request.get('inputs') or {}
        self.out_dir = request.get('outDir')
        self._emit = emit

    def progress(self, phase, message, **fields):
        event = dict(phase=phase, message=message)
        event.update({k: v for k, v in fields.items() if v is not None})
        self._emit(event)

    def number(self, key):
        value = self.params[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError('parameter %s is not a number: %r' % (key, value))
        return value

    def integer(self, key):
        return int(self.number(key))
