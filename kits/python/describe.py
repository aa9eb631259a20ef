"""Which frameworks this Python can import, with versions and the devices each sees, as one JSON
line on stdout (`mlcheck frameworks`). Arguments: the frameworks to try (pytorch, tensorflow).
Importing is the test: a framework that is installed but fails to import is reported as broken."""
import json
import os
import sys
import traceback


def main(names):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    out = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)  # what the frameworks print goes to stderr
    from mlcheck_kits.errors import KitRequirement
    result = dict(python=sys.version.split()[0], executable=sys.executable, frameworks={})
    for name in names:
        try:
            module = __import__('mlcheck_kits.%s' % name, fromlist=['describe'])
            framework = module.import_torch() if name == 'pytorch' else module.import_tensorflow()
            result['frameworks'][name] = dict(status='importable', facts=module.describe(framework))
        except KitRequirement as e:
            result['frameworks'][name] = dict(status='missing', message=str(e))
        except Exception as e:
            result['frameworks'][name] = dict(status='broken', message='%s: %s' % (type(e).__name__, e), traceback=traceback.format_exc(limit=8))
    out.write(json.dumps(result) + '\n')
    out.flush()


if __name__ == '__main__':
    main([name for name in sys.argv[1:] if name in ('pytorch', 'tensorflow')])
