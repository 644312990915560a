"""`clue-ray view`: a local web app to browse the samples of a results folder (filters, one
sample with its rebuilt prompt, a model against its base on the same samples), DuckDB over
the Parquet shards, FastAPI served by uvicorn in this process (no Ray)."""
