"""Drawing a `pydot` graph to PNG, JPEG, SVG or PDF bytes without a system
Graphviz.

A `dot` program on PATH is used when there is one. Otherwise the
`graphviz-pure` program draws: a self-contained port of Graphviz shipped as
a wheel (`pip install lamina[plot]`), which writes PNG, JPEG and SVG but
not PDF; a PDF is then its PNG put on a page by Pillow (a raster page at
the graph's dpi).
"""

import importlib.metadata
import io
import os
import shutil
import sysconfig

INSTALL_HINT = "pip install lamina[plot]"


def render(dot, extension, dpi=200):
    """The bytes of `dot` drawn in `extension`'s format."""
    if extension in ("dot", "gv"):
        return dot.to_string().encode("utf-8")
    program = shutil.which("dot")
    if program is not None:
        return dot.create(prog=program, format=extension)
    program = graphviz_pure_program()
    if extension != "pdf":
        return dot.create(prog=program, format=extension)
    png = dot.create(prog=program, format="png")
    return _png_to_pdf(png, dpi)


def graphviz_pure_program():
    """The `graphviz-pure` program installed by the wheel of that name."""
    found = shutil.which("graphviz-pure")
    if found is None:
        try:
            distribution = importlib.metadata.distribution("graphviz-pure")
        except importlib.metadata.PackageNotFoundError:
            distribution = None
        for entry in (distribution.files or []) if distribution else []:
            if os.path.basename(str(entry)) in ("graphviz-pure",
                                                "graphviz-pure.exe"):
                found = str(distribution.locate_file(entry).resolve())
                break
    if found is None:
        candidate = os.path.join(sysconfig.get_path("scripts"),
                                 "graphviz-pure")
        found = candidate if os.path.exists(candidate) else None
    if found is None:
        raise ImportError(
            "plot_model needs a Graphviz renderer: neither a `dot` program "
            "on PATH nor the `graphviz-pure` package was found. Install it "
            f"with `{INSTALL_HINT}`."
        )
    return found


def _png_to_pdf(png, dpi):
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "plot_model writes a PDF without a system Graphviz through "
            f"Pillow. Install it with `{INSTALL_HINT}`. ({error})"
        ) from error
    with Image.open(io.BytesIO(png)) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PDF", resolution=float(dpi))
    return buffer.getvalue()
