"""`keras.utils.Config`: a dict whose entries are also attributes, which can
be frozen against changes."""

import json

_FROZEN_MESSAGE = "Cannot mutate attribute(s) because the config is frozen."


class Config:
    """Settings held as attributes and items at once.

    Example:

    >>> config = keras.utils.Config(learning_rate=1e-3, epochs=5)
    >>> config.batch_size = 32
    >>> config["epochs"]
    5
    >>> config.freeze()  # from now on, any change raises ValueError
    """

    __slots__ = ("_entries", "_frozen")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_entries", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        return self._frozen

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self):
        if self._frozen:
            raise ValueError(_FROZEN_MESSAGE)

    def __getattr__(self, name):
        entries = object.__getattribute__(self, "_entries")
        if name in entries:
            return entries[name]
        raise AttributeError(f"Unknown attribute: '{name}'.")

    def __setattr__(self, name, value):
        self._check_mutable()
        self._entries[name] = value

    def __delattr__(self, name):
        self._check_mutable()
        if name not in self._entries:
            raise AttributeError(f"Unknown attribute: '{name}'.")
        del self._entries[name]

    def __getitem__(self, key):
        return self._entries[key]

    def __setitem__(self, key, value):
        self._check_mutable()
        self._entries[key] = value

    def __delitem__(self, key):
        self._check_mutable()
        del self._entries[key]

    def __contains__(self, key):
        return key in self._entries

    def __iter__(self):
        return iter(self._entries)

    def __len__(self):
        return len(self._entries)

    def __eq__(self, other):
        if isinstance(other, Config):
            return self._entries == other._entries
        return self._entries == other

    def __repr__(self):
        return f"<Config {self._entries}>"

    def get(self, key, default=None):
        return self._entries.get(key, default)

    def keys(self):
        return self._entries.keys()

    def values(self):
        return self._entries.values()

    def items(self):
        return self._entries.items()

    def pop(self, *args):
        self._check_mutable()
        return self._entries.pop(*args)

    def update(self, *args, **kwargs):
        self._check_mutable()
        self._entries.update(*args, **kwargs)

    def as_dict(self):
        return dict(self._entries)

    def to_json(self):
        return json.dumps(self._entries)
