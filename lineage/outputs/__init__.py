"""Report formats of `lineage check`: each module renders findings to a string."""
