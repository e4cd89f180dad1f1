# mpscope's supervisor: the root process of a run, started by the runner with -S -E -s (so it
# never loads the agent itself). See mpscope_agent/supervisor.py. This file stays parseable by
# any Python, so that an unsupported interpreter gets a clean exit status, not a SyntaxError.
import sys

if __name__ == "__main__":
    if sys.version_info < (3, 8):
        sys.exit(3)  # the runner reports "Python 3.8 or newer is required"
    from mpscope_agent.supervisor import main

    code = main(sys.argv[1:])
    sys.stderr.flush()
    import os

    os._exit(code)  # nothing to finalize: do not make the run wait for it
