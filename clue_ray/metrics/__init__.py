"""CLUE metrics: pure functions and batched scorers (model-backed ones load once)."""
