"""Units shared across layers."""

GIB = 1 << 30  # bytes in a GiB (KV cache sizes, free RAM and disk)
