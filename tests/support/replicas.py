"""Stand-in replica processes for the platform's tests: real processes, told how to behave."""

import os
import time
from multiprocessing.synchronize import Event


def serve(behaviour: str, ready: Event) -> None:
    """`serve`: ready at once, then run until stopped; `crash`: exit 3 at once;
    `never-ready`: run without ever saying so."""
    if behaviour == "crash":
        os._exit(3)
    if behaviour == "serve":
        ready.set()
    while True:
        time.sleep(0.05)
