"""Kata 19: pause and resume. The task is in README.md, next to this file."""

import asyncio  # noqa: F401  (you will need it)


class Valve:
    """A gate that workers pass before each job; it can be paused and resumed."""

    def __init__(self):
        pass

    def pause(self):
        """Close the valve: workers arriving at checkpoint() wait."""
        raise NotImplementedError("Valve.pause: see katas/19_pause_resume/README.md")

    def resume(self):
        """Open the valve: every waiting worker goes on."""
        raise NotImplementedError("Valve.resume: see katas/19_pause_resume/README.md")

    async def checkpoint(self):
        """Return at once while the valve is open; while it is paused, wait until resumed."""
        raise NotImplementedError("Valve.checkpoint: see katas/19_pause_resume/README.md")
