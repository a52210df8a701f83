"""The staff console at /console and the public application at /apply: HTML over the slices' services."""
