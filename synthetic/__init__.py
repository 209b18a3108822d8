"""The synthetic AGDREF: a population that looks like the real one, and the overlap workload."""
