"""File formats: the `.keras` zip, Keras 3 weights files, legacy HDF5."""
