"""`keras.preprocessing`: sequence and image helpers, dataset builders."""

from lamina.preprocessing import image  # noqa: F401
from lamina.preprocessing import sequence  # noqa: F401
from lamina.utils.image_dataset import image_dataset_from_directory  # noqa: F401
from lamina.utils.text_dataset import text_dataset_from_directory  # noqa: F401
from lamina.utils.timeseries_dataset import (  # noqa: F401
    timeseries_dataset_from_array,
)
