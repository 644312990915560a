"""The Ray Data sweep: prompts -> engine stage -> scoring stage -> Parquet shards."""
