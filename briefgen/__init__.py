"""briefgen: turn news reports about a conflict into a cited briefing website."""

__version__ = "0.1.0"
