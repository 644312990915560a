"""Reading Parquet result shards, aggregating and presenting them."""
