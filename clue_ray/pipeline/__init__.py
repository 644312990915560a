"""The Ray Data sweep: prompts -> engine stage -> scoring stage -> Parquet shards.

`stages/`: the Ray Data stages and the stream that chains them; `control/`: the run (plan,
checks, resume, passes, progress, manifest). Run folders are `clue_ray.storage`'s."""
