"""keras.export: models and endpoints as `torch.export` programs (`.pt2`,
run by `torch.export.load` without Lamina) or ONNX files (onnxruntime)."""

from lamina.export.export_archive import ExportArchive as ExportArchive
