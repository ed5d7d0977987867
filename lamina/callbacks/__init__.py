"""`lamina.callbacks`: hooks into fit/evaluate/predict."""

from lamina.callbacks.callback import Callback
from lamina.callbacks.callback_list import CallbackList
from lamina.callbacks.history import History
