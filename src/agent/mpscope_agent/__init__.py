"""mpscope's in-process agent (standard library only, Python 3.8 to 3.14).

Importing this package does nothing by itself: bootstrap/sitecustomize.py calls
mpscope_agent.boot.start() in every Python process of a run, and mpscope_supervisor.py uses
mpscope_agent.channel. See ../README.md for the design and the extension points.
"""

AGENT_VERSION = 1
