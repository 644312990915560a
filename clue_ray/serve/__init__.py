"""Ray Serve applications for online use: the scoring service, the live results page, and a
registry model behind an OpenAI-compatible API."""
