"""The partner portal: server-rendered pages at /portal over the slices' services (no rule of its own)."""
