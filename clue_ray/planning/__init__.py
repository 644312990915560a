"""`clue-ray plan`: a sweep's prompts, tokens, GPU-hours and cost, projected before it runs."""
