"""clue-ray: the CLUE clinical LLM benchmark on Ray."""

__version__ = "0.1.0"
