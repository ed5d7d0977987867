from lamina.utils.sequence_utils import pad_sequences  # noqa: F401
