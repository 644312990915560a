"""The Ray Data stages of a model's stream: prompt building (with its cache and counter), the
scoring actors, the one writing actor, and the stream that chains them to an engine's stage."""
