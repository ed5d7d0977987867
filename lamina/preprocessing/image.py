"""`keras.preprocessing.image`: image file helpers."""

from lamina.utils.image_utils import array_to_img  # noqa: F401
from lamina.utils.image_utils import img_to_array  # noqa: F401
from lamina.utils.image_utils import load_img  # noqa: F401
from lamina.utils.image_utils import save_img  # noqa: F401
from lamina.utils.image_utils import smart_resize  # noqa: F401
