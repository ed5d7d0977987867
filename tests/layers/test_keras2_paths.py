"""Keras 2 import paths and spellings that users' scripts still contain."""

import warnings

import numpy as np


def test_keras2_module_paths():
    from lamina.layers.advanced_activations import LeakyReLU
    from lamina.layers.convolutional import Convolution2D
    from lamina.layers.core import Activation, Dense, Dropout, Flatten
    from lamina.layers.embeddings import Embedding
    from lamina.layers.merge import Add, concatenate
    from lamina.layers.pooling import MaxPooling2D
    from lamina.preprocessing.sequence import pad_sequences
    from lamina.utils.np_utils import to_categorical

    assert Dense(2).units == 2 and Embedding(3, 2).output_dim == 2
    assert callable(concatenate) and Add and LeakyReLU and Activation
    assert Dropout and Flatten and MaxPooling2D
    assert Convolution2D.__name__ == "Conv2D"
    assert to_categorical([1], 3).tolist() == [[0.0, 1.0, 0.0]]
    assert pad_sequences([[1]], maxlen=2).tolist() == [[0, 1]]


def test_keras2_convolution2d_seed_model_counts():
    import lamina as keras
    from lamina.layers import Convolution2D, Dense, Dropout, Flatten
    from lamina.layers import MaxPooling2D

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential()
        model.add(Convolution2D(512, kernel_size=(3, 3), activation="relu",
                                padding="same", input_shape=(28, 28, 1)))
    model.add(MaxPooling2D((2, 2), strides=(2, 2)))
    model.add(Flatten())
    model.add(Dense(10))
    model.add(Dropout(0.5))
    assert model.count_params() == 1_008_650
    assert model.output_shape == (None, 10)
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    model.fit(x, np.zeros((4, 10), "float32"), epochs=1, verbose=0)
