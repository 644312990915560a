"""Starting or joining Ray for a sweep."""

from __future__ import annotations

import os

from clue_ray.cluster import ClusterSettings


def ensure_ray(cluster: ClusterSettings) -> bool:
    """Join the configured cluster (or the one `ray job submit` runs us in), else start a
    local Ray with the configured CPUs; True when this Ray is local (its resources are all it
    will ever have). Ray's own progress bars are off: the sweep prints its own progress."""
    import ray
    from ray.data import DataContext

    address = cluster.address or os.environ.get("RAY_ADDRESS")
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=True)
        else:
            ray.init(num_cpus=cluster.num_cpus, include_dashboard=False, log_to_driver=True)
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    return not address
