"""A run folder on disk: its layout (`RunFolder`), atomic Parquet shards, and its lock."""
