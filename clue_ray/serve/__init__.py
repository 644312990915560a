"""Serving with Ray Serve: a registry model behind an OpenAI-compatible API."""
