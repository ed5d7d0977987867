"""Rendering of `model.summary()`: text wrapping, the table, the console.

The entry point is `lamina.utils.summary_utils.print_summary`.
"""
