"""Child process of the saving fuzz test: loads one file per request.

Reads JSON requests `{"kind", "path", "model"}` from stdin, one a line, and
answers each with one JSON line: `{"outcome": "loaded"}`, or
`{"outcome": "raised", "type": ..., "message": ..., "clean": bool}`. A load
that never answers (HDF5 can spin on some damaged files) is the parent's
to time out. Models that weights are loaded into are built once, from the
intact fixtures.
"""

import faulthandler
import json
import os
import signal
import sys
import traceback
import warnings

FIXTURES = os.environ.get("LAMINA_FIXTURES", "/work/shared/fixtures")


def _custom_objects():
    # This script's folder is sys.path[0]; lamina is imported on first use.
    from fixture_helpers import CUSTOM

    return CUSTOM


class Loader:
    def __init__(self):
        import lamina
        from lamina.saving import saving_api

        self.lamina = lamina
        self.errors = saving_api.LOAD_ERRORS
        self.custom = _custom_objects()
        self._models = {}

    def _model(self, folder, name):
        """An intact model to load weights into."""
        key = (folder, name)
        if key not in self._models:
            base = os.path.join(FIXTURES, folder, name)
            if folder == "keras3":
                model = self.lamina.saving.load_model(
                    base + ".keras", custom_objects=self.custom)
            else:
                with open(base + ".json") as f:
                    model = self.lamina.models.model_from_json(
                        f.read(), custom_objects=self.custom)
            self._models[key] = model
        return self._models[key]

    def load(self, kind, path, folder, name):
        saving = self.lamina.saving
        if kind == "model":
            saving.load_model(path, custom_objects=self.custom)
        elif kind == "weights":
            self._model(folder, name).load_weights(path)
        elif kind == "json":
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
            self.lamina.models.model_from_json(text,
                                               custom_objects=self.custom)
        else:
            raise SystemExit(f"unknown kind {kind}")

    def answer(self, request):
        path = request["path"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.load(request["kind"], path, request["folder"],
                          request["name"])
        except self.errors as error:
            message = str(error)
            named = request["kind"] == "json" or \
                os.path.basename(path) in message
            return {"outcome": "raised", "type": type(error).__name__,
                    "message": message[:300], "clean": named,
                    "where": _where(error)}
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            return {"outcome": "raised", "type": type(error).__name__,
                    "message": str(error)[:300], "clean": False,
                    "where": _where(error)}
        return {"outcome": "loaded"}


def _where(error):
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if "lamina" in f.filename]
    frame = (inside or frames or [None])[-1]
    if frame is None:
        return ""
    return f"{os.path.relpath(frame.filename)}:{frame.lineno}"


def main():
    # The parent asks for the stack (SIGUSR1) of a load that hangs.
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=False)
    faulthandler.enable(file=sys.stderr, all_threads=False)  # and a crash's
    loader = Loader()
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        reply = loader.answer(json.loads(line))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
