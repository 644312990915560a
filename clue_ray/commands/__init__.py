"""The `clue-ray` subcommands, one module each."""
