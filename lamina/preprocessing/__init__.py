"""`keras.preprocessing`: the sequence helpers (image and text utilities
arrive with the preprocessing layers)."""

from lamina.preprocessing import sequence  # noqa: F401
