"""Latency statistics shared by the benchmark runner and its load generator."""


def percentile(values, q):
    """Return the q-th percentile (nearest rank) of values, or None when there are none."""
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]
