"""The agent's start in a process, called by bootstrap/sitecustomize.py with the agent root on
sys.path and bytecode writing on (so this module's bytecode is cached: see that file)."""

import os


def run():
    from . import boot

    if os.environ.pop("MPSCOPE_SUPERVISE", None) == "1":
        # The process the runner started: it forks, and this parent becomes the run's
        # supervisor (it never comes back here); the child goes on as the script itself.
        from . import subreaper

        subreaper.fork_supervisor()
        os.environ["MPSCOPE_MAIN"] = "1"
    boot.start()
