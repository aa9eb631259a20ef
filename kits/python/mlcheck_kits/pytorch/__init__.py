"""PyTorch: import it, say what it is and what it sees, and set it up on the requested device.

mlcheck decides what the facts mean: on a node with a GPU, a CPU-only build or
torch.cuda.is_available() False fails the case (src/engines/python/device-truth.ts).
"""
import os
import re
import sys
import warnings

from ..context import OpenedFramework
from ..errors import KitRequirement


def import_torch():
    try:
        import torch
    except ModuleNotFoundError as e:
        if e.name not in ('torch', None):
            raise  # torch is there but something it needs is not: a broken install, not a missing one
        raise KitRequirement('PyTorch is not installed for this Python (%s %s): %s' % (sys.executable, sys.version.split()[0], e), missingImport='torch')
    return torch


def describe(torch):
    """What PyTorch says about its build and the GPUs it sees, as plain data."""
    build_cuda = getattr(torch.version, 'cuda', None)
    cudnn_version = None
    cudnn_available = None
    try:
        cudnn_available = bool(torch.backends.cudnn.is_available())
        version = torch.backends.cudnn.version() if cudnn_available else None
        cudnn_version = None if version is None else str(version)
    except Exception:
        pass
    init_error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            available = bool(torch.cuda.is_available())
        except Exception as e:
            available, init_error = False, '%s: %s' % (type(e).__name__, e)
    if build_cuda and not available and init_error is None:
        messages = [str(w.message) for w in caught if 'CUDA' in str(w.message) or 'cuda' in str(w.message)]
        if messages:
            init_error = messages[0]
        else:
            try:
                torch.cuda.init()
            except Exception as e:
                init_error = '%s: %s' % (type(e).__name__, e)
    devices = []
    count = 0
    if available:
        count = torch.cuda.device_count()
        for index in range(count):
            props = torch.cuda.get_device_properties(index)
            devices.append(dict(index=index, name=props.name, capability=[props.major, props.minor], memoryBytes=int(props.total_memory), **_identity(props)))
    return dict(
        framework='pytorch',
        version=torch.__version__,
        python=sys.version.split()[0],
        executable=sys.executable,
        location=os.path.dirname(torch.__file__),
        build=dict(cuda=build_cuda, cudnn=cudnn_version),
        cuda=dict(available=available, deviceCount=count, initError=init_error, devices=devices),
        cudnnAvailable=cudnn_available if build_cuda else None,
        threads=torch.get_num_threads(),
        blas=_blas(torch),
    )


def _identity(props):
    """The GPU's PCI address and UUID where this PyTorch tells them (pci_bus_id and uuid are newer fields)."""
    found = {}
    try:
        if getattr(props, 'pci_bus_id', None) is not None:
            found['pciBusId'] = '%04x:%02x:%02x.0' % (int(getattr(props, 'pci_domain_id', 0)), int(props.pci_bus_id), int(getattr(props, 'pci_device_id', 0)))
    except (TypeError, ValueError):
        pass
    uuid = getattr(props, 'uuid', None)
    if uuid is not None:
        text = str(uuid)
        found['uuid'] = text if text.startswith('GPU-') else 'GPU-' + text
    return found


def _blas(torch):
    from ..common import loaded_blas  # numpy only once the framework is there
    found = loaded_blas()
    if found:
        return found
    try:
        match = re.search(r'BLAS_INFO=([^,\s]+)', torch.__config__.show())
        return 'BLAS %s' % match.group(1) if match else None
    except Exception:
        return None


def open_framework(device, threads, training, gpus=()):
    """gpus: the CUDA ordinals to open on (mlcheck's GPUs in scope; none: cuda:0). PyTorch creates a
    context on a GPU only when it is used and allocates only what the tensors need, so the GPUs
    not named are not touched."""
    torch = import_torch()
    if threads:
        torch.set_num_threads(int(threads))
    facts = describe(torch)
    handle = torch.device('cpu')
    handles = [handle]
    if device == 'cuda' and facts['cuda']['available']:
        handles = [torch.device('cuda', int(ordinal)) for ordinal in (gpus or [0])]
        handle = handles[0]
        failure = first_cuda_op(torch, handles)
        if failure is not None:
            facts['cuda']['available'] = False
            facts['cuda']['initError'] = failure
    if not training:
        torch.set_grad_enabled(False)
    return OpenedFramework(torch, device, handle, facts, handles)


def first_cuda_op(torch, handles):
    """20 + 20 on each device (it also creates the context now, not in the first step); None when
    every device answers 40, else what went wrong on which."""
    failures = []
    for handle in handles:
        try:
            value = torch.full((1,), 20.0, device=handle).add_(20.0).item()
            if value != 40.0:
                failures.append('%s: 20 + 20 gave %r' % (handle, value))
        except Exception as e:
            failures.append('%s: %s: %s' % (handle, type(e).__name__, (str(e).strip().splitlines() or [''])[0]))
    return '; '.join(failures) if failures else None


def synchronize(torch, handle):
    """Waits for the device, so a step's wall time covers its GPU work."""
    if handle.type == 'cuda':
        torch.cuda.synchronize(handle)
