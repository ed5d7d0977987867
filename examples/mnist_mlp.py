"""Trains a simple deep MLP on MNIST: the README demo.

784-512-512-10 with Dropout(0.2) and RMSprop, batch 128, 20 epochs;
reaches about 98% test accuracy. Written exactly as for Keras: only the
import differs, and a missing dataset is reported in a few lines rather
than a traceback.
"""

import sys

import lamina as keras
from lamina import layers

batch_size = 128
num_classes = 10
epochs = 20

try:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
except OSError as error:
    # No cached copy and no network: say what is missing and how to get it.
    sys.exit(
        f"This demo needs the MNIST file mnist.npz.\n{error}\n"
        "To copy it into the cache ($KERAS_HOME/datasets) from a folder DIR "
        "holding mnist.npz: scripts/seed_datasets.sh DIR"
    )
x_train = x_train.reshape(60000, 784).astype("float32") / 255
x_test = x_test.reshape(10000, 784).astype("float32") / 255
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(512, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(512, activation="relu"),
    layers.Dropout(0.2),
    layers.Dense(num_classes, activation="softmax"),
])
model.summary()

model.compile(loss="categorical_crossentropy",
              optimizer=keras.optimizers.RMSprop(),
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    verbose=1, validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
