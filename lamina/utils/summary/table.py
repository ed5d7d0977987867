"""The box-drawn table of `model.summary()`, as plain text lines.

The layout follows the rich table Keras 3 prints: a heavy-headed box, one
space of padding in each cell, a rule between body rows, header cells
aligned to the bottom of the header row and body cells to the top. Column
widths are the requested widths shrunk evenly until the table fits.
"""

import math

from lamina.utils.summary.text import fit_cell

# Box characters: (left, horizontal, divider, right) for each rule, and
# (left, divider, right) for the walls of header and body rows.
_HEAVY_HEAD = {
    "top": ("┏", "━", "┳", "┓"),
    "head_rule": ("┡", "━", "╇", "┩"),
    "row_rule": ("├", "─", "┼", "┤"),
    "bottom": ("└", "─", "┴", "┘"),
    "head_walls": ("┃", "┃", "┃"),
    "body_walls": ("│", "│", "│"),
}
# What rich falls back to when the output encoding is not UTF.
_ASCII = {
    "top": ("+", "-", "-", "+"),
    "head_rule": ("|", "-", "+", "|"),
    "row_rule": ("|", "-", "+", "|"),
    "bottom": ("+", "-", "-", "+"),
    "head_walls": ("|", "|", "|"),
    "body_walls": ("|", "|", "|"),
}
_CELL_PADDING = 2


def _reduce_evenly(excess, widths):
    """Takes `excess` cells off `widths`, spread as evenly as possible
    (the earliest columns give first when it does not divide exactly)."""
    remaining_excess = excess
    remaining_columns = sum(1 for width in widths if width)
    reduced = []
    for width in widths:
        if width:
            # Python's round (half to even) decides the odd cells.
            taken = min(width, round(remaining_excess / remaining_columns))
            reduced.append(width - taken)
            remaining_excess -= taken
            remaining_columns -= 1
        else:
            reduced.append(width)
    return reduced


def column_widths(requested, line_length):
    """Widths of the columns, padding included, borders excluded.

    Args:
        requested: the text width asked for each column.
        line_length: the total width of the table, borders included.
    """
    available = line_length - (len(requested) + 1)

    def measure(width, limit):
        return 0 if limit < 1 else min(width + _CELL_PADDING, limit)

    widths = [measure(width, available) or 1 for width in requested]
    total = sum(widths)
    if total > available:
        widths = _reduce_evenly(total - available, widths)
        total = sum(widths)
        widths = [measure(width, limit)
                  for width, limit in zip(requested, widths)]
    if total < available:
        # A table of fixed width fills it: the spare cells go to the
        # columns in proportion to their widths.
        widths = _grow_proportionally(available - total, widths)
    return widths


def _grow_proportionally(extra, widths):
    remaining_extra, remaining_weight = extra, sum(widths)
    grown = []
    for width in widths:
        added = math.ceil(width * remaining_extra / remaining_weight) \
            if remaining_weight > 0 else remaining_extra
        grown.append(width + added)
        remaining_weight -= width
        remaining_extra -= added
    return grown


def _rule(box, widths):
    left, horizontal, divider, right = box
    return left + divider.join(horizontal * width for width in widths) + right


def _row_lines(cells, widths, justify, walls, bottom_align):
    rendered = [fit_cell(text, width, how)
                for text, width, how in zip(cells, widths, justify)]
    height = max(1, max(len(lines) for lines in rendered))
    for index, (lines, width) in enumerate(zip(rendered, widths)):
        blank = [" " * width] * (height - len(lines))
        rendered[index] = blank + lines if bottom_align else lines + blank
    left, divider, right = walls
    return [
        left + divider.join(lines[i] for lines in rendered) + right
        for i in range(height)
    ]


def render_table(header, rows, requested_widths, justify, line_length,
                 ascii_only=False):
    """Draws the table.

    Args:
        header: the column titles.
        rows: lists of cell strings, one per column.
        requested_widths: the text width asked for each column.
        justify: "left", "right" or "center" for each column.
        line_length: the total width of the table.
        ascii_only: draw with `+`, `-` and `|` instead of box characters.

    Returns:
        The list of lines of the table.
    """
    box = _ASCII if ascii_only else _HEAVY_HEAD
    widths = column_widths(requested_widths, line_length)
    lines = [_rule(box["top"], widths)]
    lines += _row_lines(header, widths, justify, box["head_walls"],
                        bottom_align=True)
    lines.append(_rule(box["head_rule"], widths))
    for index, row in enumerate(rows):
        if index:
            lines.append(_rule(box["row_rule"], widths))
        lines += _row_lines(row, widths, justify, box["body_walls"],
                            bottom_align=False)
    lines.append(_rule(box["bottom"], widths))
    return lines
