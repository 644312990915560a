"""Inference engines behind one row contract (see base.py)."""
