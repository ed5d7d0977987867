"""Plain-text wrapping that lays words out the way Keras's summary does.

Keras 3 renders `model.summary()` with the `rich` library. Lamina does not
depend on rich, so this module reproduces the plain (uncoloured) layout it
produces: words break at whitespace, a word too long for its cell is cut
with an ellipsis ("ellipsis" overflow) or folded onto the next line ("fold"
overflow), and lines are justified left, right or centre.
"""

import re
import unicodedata

ELLIPSIS = "…"

# A word is its leading whitespace, the word and its trailing whitespace, so
# breaking before a word keeps the spaces at the end of the previous line.
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_WHITESPACE = re.compile(r"\s+$")
# Markup tags as rich parses them: `[` then a letter, `#`, `/` or `@`.
_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")


def _char_width(char):
    if unicodedata.combining(char) or char in "\u200b\u200c\u200d":
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def cell_len(text):
    """Number of terminal cells `text` takes (wide CJK characters take 2)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _single_cells(text):
    return text.isascii() or all(_char_width(c) == 1 for c in text)


def set_cell_size(text, total):
    """Crops or pads `text` with spaces to exactly `total` cells.

    A negative `total` on one-cell text drops that many characters from the
    end, as Python slicing does; the ellipsis logic depends on it.
    """
    if _single_cells(text):
        if len(text) < total:
            return text + " " * (total - len(text))
        return text[:total]
    if total <= 0:
        return ""
    size = cell_len(text)
    if size <= total:
        return text + " " * (total - size)
    cropped, used = [], 0
    for char in text:
        width = _char_width(char)
        if used + width > total:
            break
        cropped.append(char)
        used += width
    return "".join(cropped) + " " * (total - used)


def crop(text, width):
    """Cuts `text` to at most `width` cells (never pads)."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width, 0))


def _chop(word, width):
    if _single_cells(word):
        return [word[i:i + width] for i in range(0, len(word), width)]
    pieces, current, used = [], "", 0
    for char in word:
        size = _char_width(char)
        if used + size > width and current:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += size
    if current:
        pieces.append(current)
    return pieces


def break_offsets(line, width, fold):
    """Character offsets at which `line` breaks to fit `width` cells."""
    offsets = []
    used = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group(0)
        word_width = cell_len(word.rstrip())
        if width - used >= word_width:
            used += cell_len(word)
        elif word_width > width:
            # The word fits on no line: fold it across lines, or give it a
            # line of its own and let truncation cut it.
            if fold:
                pieces = _chop(word, width)
                for index, piece in enumerate(pieces):
                    if start:
                        offsets.append(start)
                    if index == len(pieces) - 1:
                        used = cell_len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    offsets.append(start)
                used = cell_len(word)
        elif used and start:
            offsets.append(start)
            used = cell_len(word)
    return offsets


def _truncate(text, width, overflow, pad=False):
    length = cell_len(text)
    if length > width:
        if overflow == "ellipsis":
            text = set_cell_size(text, width - 1) + ELLIPSIS
        else:
            text = set_cell_size(text, width)
    if pad and length < width:
        text = text + " " * (width - length)
    return text


def _rstrip_beyond(text, width):
    # Only whitespace that overflows the line is dropped.
    excess = len(text) - width
    if excess > 0:
        match = _TRAILING_WHITESPACE.search(text)
        if match is not None:
            text = text[:-min(len(match.group(0)), excess)]
    return text


def _justify(line, width, justify, overflow):
    if justify == "left":
        return _truncate(line, width, overflow, pad=True)
    if justify in ("center", "right"):
        line = _truncate(line.rstrip(), width, overflow)
        space = width - cell_len(line)
        if justify == "center":
            left = space // 2
            line = " " * max(left, 0) + line
            return line + " " * max(width - cell_len(line), 0)
        return " " * max(space, 0) + line
    return line


def wrap(text, width, justify="default", overflow="fold"):
    """Word-wraps `text` into lines of at most `width` cells.

    Args:
        text: the string; newlines start new lines.
        width: cells per line.
        justify: "left" and "center" pad lines to `width`; "right" pads on
            the left; "default" leaves lines as they are.
        overflow: "ellipsis" cuts words longer than a line with "…";
            "fold" continues them on the next line.

    Returns:
        A list of strings.
    """
    lines = []
    for line in text.split("\n"):
        if "\t" in line:
            line = line.expandtabs(8)
        offsets = break_offsets(line, width, fold=overflow == "fold")
        bounds = [0, *offsets, len(line)]
        pieces = [_rstrip_beyond(line[a:b], width)
                  for a, b in zip(bounds, bounds[1:])]
        for piece in pieces:
            piece = _justify(piece, width, justify, overflow)
            lines.append(_truncate(piece, width, overflow))
    return lines


def fit_cell(text, width, justify):
    """Lines of a table cell holding `text`, each exactly `width` cells.

    The cell has one space of padding on each side; words longer than the
    cell end in an ellipsis.
    """
    inner = width - 2
    if inner < 1:
        # No room for text: the cell renders no lines at all.
        return []
    lines = wrap(text, inner, justify=justify, overflow="ellipsis")
    return [" " + set_cell_size(line, inner) + " " for line in lines]


def strip_markup(text):
    """The text that rich shows for a markup string (tags removed).

    Keras escapes layer and model names, but not the inbound layer names in
    "Connected to" nor dict keys in output shapes, so a name such as
    `x[bold]` loses its tag there, and Lamina reproduces that.
    """
    if "[" not in text:
        return text
    out, position = [], 0

    def plain(piece):
        out.append(piece.replace("\\[", "["))

    for match in _TAG.finditer(text):
        full, escapes = match.group(0), match.group(2)
        plain(text[position:match.start()])
        position = match.end()
        if escapes:
            backslashes, escaped = divmod(len(escapes), 2)
            plain("\\" * backslashes)
            if escaped:
                plain(full[len(escapes):])
    plain(text[position:])
    return "".join(out)
