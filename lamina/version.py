"""Lamina's version: `lamina.__version__` and `lamina.version()`."""

# The one place the version is written; pyproject.toml reads it from here.
__version__ = "0.1.0"


def version():
    """Returns Lamina's version string, as `keras.version()` does Keras's.

    Example:

    ```python
    import lamina as keras
    print(keras.version())  # "0.1.0"
    ```
    """
    return __version__
