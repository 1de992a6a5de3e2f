"""Inter-character justification for Chinese text in WeasyPrint 70.

Why
---
WeasyPrint 70's ``text-align: justify`` only stretches U+0020 and U+00A0:
``layout.inline.justify_line`` divides the line's free space by
``count_expandable_spaces(line)`` and ``add_word_spacing`` gives each space
that much Pango word spacing.  A Chinese line has no spaces, so it stays
ragged.  CLREQ ("Chinese Layout Requirements", §3.8 justification) asks for
the free space to be spread over the gaps *between characters* instead.

How (two small patches, no WeasyPrint function is copied)
---------------------------------------------------------
1. ``weasyprint.layout.inline.count_expandable_spaces`` is replaced by a
   version that counts spaces **plus** "CJK gaps" (see :func:`cjk_gaps`).
   ``justify_line`` and ``add_word_spacing`` look the name up at call time,
   so they now (a) divide the free space by spaces + gaps and (b) widen each
   text box by ``spacing × (its spaces + its gaps)`` and give it a fresh
   ``Layout`` carrying ``justification_spacing``.  Only justified, non-last
   lines reach these functions (``text_align`` handles ``text-align-last``),
   so other text is untouched.
2. ``weasyprint.text.line_break.Layout.reactivate`` (called only by the
   drawing code, right before ``draw_first_line``) is wrapped: when the layout
   has a non-zero ``justification_spacing`` it adds exactly that amount to the
   advance width of the last glyph of every cluster followed by a CJK gap.
   ``draw_first_line`` turns glyph advances into PDF ``TJ`` adjustments, so the
   glyphs move and the text itself is unchanged (no characters injected, text
   extraction unaffected).  Spaces keep getting their share through WeasyPrint's
   own word-spacing code.

Why glyph advances and not Pango letter-spacing attributes: Pango splits
letter spacing half before/half after each grapheme and splits items at
attribute changes, so "extra space after character i only" cannot be
expressed exactly; editing the shaped glyph string is exact (to 1/1024 pt,
with error diffusion so the sum matches the box width WeasyPrint computed).
``draw_first_line`` calls ``pango_layout_set_single_paragraph_mode(True)``,
which would invalidate the edited lines, so the wrapper sets that mode itself
first (same value → Pango keeps its cached lines).

Known limits: gaps between two inline boxes (``a<b>b</b>``) are not
stretched (only gaps inside one text box are), RTL runs are skipped,
``text-overflow: ellipsis`` on a justified line redraws text without the
extra spacing.
"""
import functools
import re
import unicodedata

import cffi

from liandong.fast_libs import fast_find_library, find_library

with fast_find_library():  # WeasyPrint looks up Pango & co. by name: see liandong.fast_libs
    import weasyprint
    from weasyprint.layout import inline as _inline
    from weasyprint.text import line_break as _line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

WRITTEN_FOR = '70'
if weasyprint.__version__.split('.')[0] != WRITTEN_FOR:
    raise ImportError(
        f'cjk_justify patches WeasyPrint {WRITTEN_FOR}.x internals '
        f'(layout.inline.count_expandable_spaces, '
        f'text.line_break.Layout.reactivate); found WeasyPrint '
        f'{weasyprint.__version__}. Re-check those functions and update '
        f'WRITTEN_FOR.')

# Punctuation that stays glued to its neighbour: no gap before closing marks,
# none after opening marks (CLREQ keeps punctuation with the character it
# belongs to), none inside ——/…… pairs.
OPENING = set('“‘（《〈「『【〔〖［｛')
CLOSING = set('”’）》〉」』】〕〗］｝，。、；：？！％')
PAIRED = set('—…')


def is_cjk(char):
    """Whether ``char`` is set on the CJK em grid (ideographs, kana, CJK and
    full-width punctuation, and the curly quotes/dash/ellipsis that Chinese
    fonts draw full width)."""
    o = ord(char)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF
            or 0xFE10 <= o <= 0xFE1F or 0xFE30 <= o <= 0xFE4F
            or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF
            or char in '“”‘’—…·')


def _inert(char):  # noqa: D401
    """Spaces (handled by word spacing), marks, format and control
    characters: a gap touching one of these is never stretched, which also
    guarantees a stretched gap is always a glyph-cluster boundary."""
    return char in ' \u00a0' or unicodedata.category(char)[0] in 'MCZ'


@functools.lru_cache(maxsize=65536)
def gap_after(a, b):
    """Whether the gap between adjacent characters ``a`` and ``b`` may take
    justification space: one side must be CJK (so CJK–CJK and CJK–Latin/digit
    gaps stretch, gaps inside a Latin word or a number do not)."""
    if _inert(a) or _inert(b) or not (is_cjk(a) or is_cjk(b)):
        return False
    if b in CLOSING or a in OPENING or (a == b and a in PAIRED):
        return False
    return True


ZWSP = '\u200b'


@functools.lru_cache(maxsize=4096)
def cjk_gaps(text):
    """Indices ``i`` such that the gap between ``text[i]`` and
    ``text[i + 1]`` is stretchable.

    A U+200B (the break opportunity liandong.print_text adds next to “ ”)
    is transparent: the gap around it belongs to the characters on either
    side and is counted once, after the U+200B (its empty glyph then takes
    the extra advance)."""
    gaps = []  # returned as a tuple: cached, asked for each line when counted and again when drawn
    for i in range(len(text) - 1):
        a, b = text[i], text[i + 1]
        if b == ZWSP:
            continue
        if a == ZWSP:
            if i == 0:
                continue
            a = text[i - 1]
        if gap_after(a, b):
            gaps.append(i)
    return tuple(gaps)


_original_set_text = _line_break.Layout.set_text
_original_count = _inline.count_expandable_spaces
_original_reactivate = _line_break.Layout.reactivate
_original_split = _inline.split_first_line
_original_add_word_spacing = _inline.add_word_spacing
_original_split_text_box = _inline.split_text_box

# CLREQ §3.1.6: a line may end in these set half width (their ink sits in
# the left half of the em box in Simplified Chinese fonts), so the line
# ends flush and sometimes one more character fits. ？！ are centred: no.
SQUEEZE_AT_END = set('，、。；：”’）》〉」』】〕〗')


def _least_width_to_mark(text, font_size):
    """A lower bound of the width ``text`` takes up to and including its
    first line-end mark: the second layout of
    :func:`_split_line` is only worth making when the line has that room
    (plus the half em the mark gives back). Most lines do not."""
    width = 0
    for index, char in enumerate(text):
        if char in SQUEEZE_AT_END:
            return width + 0.45 * font_size  # half wide already if a pair follows
        if char in PAIR_FIRST and text[index + 1:index + 2] in PAIR_SECOND:
            width += 0.45 * font_size
        elif is_cjk(char):
            width += 0.9 * font_size  # an em less letter-spacing
        elif not _inert(char):
            width += 0.2 * font_size  # Latin and digits: narrower, never less than this
    return width


def _line_end_mark(text):
    """The last visible character of a line's text, or ''."""
    stripped = text.rstrip(' \u00a0' + ZWSP)
    return stripped[-1:] if stripped else ''


# CLREQ §3.1.6: an opening mark at the start of a line may be set half width
# (its ink sits in the right half of the em box), so the line's text starts
# at the text block's edge. Only continuation lines: the first line of a
# paragraph keeps its indent and the mark's full width.
LINE_START_HALF = set('“‘（《〈「『【〔〖')
_continuation = False  # set by split_text_box: the text box resumes mid-text
_half_start = False    # set while the current line's layouts are made


def split_text_box(context, box, available_width, skip, is_line_start=True):
    """WeasyPrint's ``split_text_box``, noting whether the line resumes a
    text box (``skip``): only then may a line-start opening mark go half width."""
    global _continuation
    _continuation = bool(skip)
    try:
        return _original_split_text_box(context, box, available_width, skip,
                                        is_line_start)
    finally:
        _continuation = False


def _starts_half(text, style, max_width, is_line_start, minimum):
    """Whether this line starts with an opening mark to set half width."""
    if not (_continuation and is_line_start and not minimum and HALF_FAMILIES
            and max_width is not None and max_width != float('inf')):
        return False
    return text.lstrip(ZWSP)[:1] in LINE_START_HALF and _half_family(style) is not None


def split_first_line(text, style, context, max_width, justification_spacing,
                     is_line_start=True, minimum=False):
    """``split_first_line`` with CLREQ punctuation compression at both ends
    of the line (see :func:`_split_line`)."""
    global _half_start
    _half_start = _starts_half(text, style, max_width, is_line_start, minimum)
    try:
        result = _split_line(text, style, context, max_width,
                             justification_spacing, is_line_start, minimum)
    finally:
        starts_half, _half_start = _half_start, False
    if starts_half:
        result[0].half_start = True  # set_text keeps it when the layout is remade
    return result


def _split_line(text, style, context, max_width, justification_spacing,
                is_line_start=True, minimum=False):
    """``split_first_line`` that sets a line-final ，。、；： half width.

    When a line breaks after such a mark, its layout gets ``squeeze_end``
    and its reported width loses half an em: justification then fills the
    line to the edge, and the drawing code narrows the mark's advance. When
    the line would have room for one more character if that character were
    a half-width mark, the line is laid out again half an em wider and kept
    if it then ends in such a mark (so 。fits where the em box would not).
    """
    result = _grid_metrics(style, _original_split(
        text, style, context, max_width, justification_spacing, is_line_start,
        minimum))
    layout, length, resume_index, width, height, baseline = result
    font_size = style['font_size']
    if (resume_index is None or minimum or max_width is None
            or max_width == float('inf') or not font_size
            or max_width < 4 * font_size):
        return result
    half = font_size / 2
    rest = text.encode()[resume_index:].decode(errors='ignore')
    # Only worth a second layout when a squeezable mark is among the next
    # few characters (下” or 。 could then join this line).
    following = rest.replace(ZWSP, '')[:3]
    room = max_width - width
    if (room >= half - 0.01
            and any(char in SQUEEZE_AT_END for char in following)
            and _least_width_to_mark(following, font_size) - half <= room + 0.01):
        wider = _grid_metrics(style, _original_split(
            text, style, context, max_width + half, justification_spacing,
            is_line_start, minimum))
        # wider[2] is None when the rest of the paragraph fits: the line
        # then ends it, which also saves a last line of one or two characters.
        if (wider[1] > length
                and _line_end_mark(wider[0].text) in SQUEEZE_AT_END
                and wider[3] - half <= max_width + 0.01):
            result = wider
    result = _squeezed(text, result, half)
    layout, length, resume_index, width, height, baseline = result
    if resume_index is None:
        return result  # the paragraph's last line: set flush left, never stretched
    room = max_width - width
    # len(text) bounds the gap count: most lines are ruled out without counting
    if room > LOOSE * font_size * len(layout.text) / 2 and room / max(
            1, len(cjk_gaps(layout.text))) > LOOSE * font_size:
        tighter = _shrunk(text, style, context, max_width, justification_spacing,
                          is_line_start, minimum, result)
        if tighter:
            return tighter
    return result


# A justified line looser than this (extra space per gap, in em) first tries
# to take the next word in by narrowing its ，、。；： (CLREQ allows it).
LOOSE = 0.06
# CLREQ §3.8: a line is shortened by taking space out of its punctuation
# first. Closing marks and ，、。；： have their blank on the right (the
# advance narrows), opening marks on the left (the glyph also moves left).
SHRINKABLE = set('，、。；：”’）》〉」』】〕〗') | LINE_START_HALF
SHRINK_LIMIT = 0.25  # em taken off one mark at most


def _squeezed(text, result, half):
    """``result`` with a line-final mark set half width (unless it is the
    first of a pair, which is half width already)."""
    layout, length, resume_index, width, height, baseline = result
    rest = ('' if resume_index is None
            else text.encode()[resume_index:].decode(errors='ignore').lstrip(ZWSP))
    mark = _line_end_mark(layout.text)
    if mark not in SQUEEZE_AT_END or (mark in PAIR_FIRST and rest[:1] in PAIR_SECOND):
        return result
    layout.squeeze_end = half
    return layout, length, resume_index, width - half, height, baseline


def _shrinkable_offsets(line):
    """Byte offsets of the marks inside ``line`` that may be narrowed: not
    the last visible character and not the first of a pair."""
    offsets, position = [], 0
    first = len(line) - len(line.lstrip(' ' + ZWSP))
    last = len(line.rstrip(' ' + ZWSP)) - 1
    for index, char in enumerate(line):
        following = line[index + 1:].lstrip(ZWSP)[:1]
        if (char in SHRINKABLE and first < index < last
                and following not in PAIR_SECOND):
            offsets.append(position)
        position += len(char.encode())
    return offsets


def _shrunk(text, style, context, max_width, justification_spacing,
            is_line_start, minimum, result):
    """The line with the next unbreakable unit taken in, its marks narrowed
    to fit, or None when that needs more than SHRINK_LIMIT per mark."""
    font_size = style['font_size']
    half = font_size / 2
    layout, length, resume_index = result[0], result[1], result[2]
    encoded = text.encode()
    line = encoded[:resume_index].decode(errors='ignore')
    rest = encoded[resume_index:].decode(errors='ignore')
    unit = _line_break.get_next_break_point_from_text(rest, style['lang'])
    if not unit:
        return None
    candidate = line + rest[:unit + 1]
    natural = _original_split(candidate, style, context, None,
                              justification_spacing, is_line_start, minimum)[3]
    offsets = _shrinkable_offsets(candidate)
    squeeze = half if _line_end_mark(candidate) in SQUEEZE_AT_END else 0
    excess = natural - squeeze - max_width
    if excess > len(offsets) * SHRINK_LIMIT * font_size:
        return None
    wider = _grid_metrics(style, _original_split(
        text, style, context, natural + 0.01, justification_spacing,
        is_line_start, minimum))
    if wider[2] is None or wider[1] != len(candidate.encode()):
        return None  # Pango breaks elsewhere: keep the loose line
    wider = _squeezed(text, wider, half)
    excess = wider[3] - max_width
    if excess <= 0:
        return wider
    offsets = _shrinkable_offsets(wider[0].text)
    if not offsets or excess > len(offsets) * SHRINK_LIMIT * font_size:
        return None
    wider[0].shrink_marks = (excess / len(offsets), frozenset(offsets))
    return (wider[0], wider[1], wider[2], max_width, wider[4], wider[5])


_em_metrics_cache = {}


def _grid_metrics(style, result):
    """Give a line of text the height and baseline of its style's strut.

    Pango reports the union of the fonts a line uses: a line holding
    Liberation Serif digits (taller ascent and descent than the CJK face)
    comes out ~0.7 pt taller than a line without, and the 22-line grid
    drifts down the page. With a fixed ``line-height`` the line box only
    has to hold the line height, so every text box of a style gets the same
    metrics as the strut (the CJK face's), and every line is exactly one
    line pitch. ``line-height: normal`` keeps Pango's values."""
    if style['line_height'] == 'normal' or not style['font_size']:
        return result
    key = _line_break._font_style_cache_key(style, include_size=True)
    metrics = _em_metrics_cache.get(key)
    if metrics is None:
        layout = _line_break.Layout(style)
        layout.set_text(' ')
        line, _ = layout.get_first_line()
        metrics = _line_break.first_line_metrics(
            line, '', layout, resume_at=None, space_collapse=False,
            style=style)[4:]
        _em_metrics_cache[key] = metrics
    return (*result[:4], *metrics)



def add_word_spacing(context, box, justification_spacing, x_advance):
    """WeasyPrint's ``add_word_spacing``, keeping a squeezed line end on the
    fresh layout it makes for a justified text box."""
    old = getattr(box, 'pango_layout', None)
    squeeze = getattr(old, 'squeeze_end', 0)
    shrink = getattr(old, 'shrink_marks', None)
    half_start = getattr(old, 'half_start', False)
    x_advance = _original_add_word_spacing(
        context, box, justification_spacing, x_advance)
    new = getattr(box, "pango_layout", None)
    if new is not None and new is not old:
        if squeeze:
            box.pango_layout.squeeze_end = squeeze
        if shrink:
            box.pango_layout.shrink_marks = shrink
        if half_start:  # applied when reactivate() sets the text again
            box.pango_layout.half_start = True
    return x_advance


def count_expandable_spaces(box):
    """Spaces and nbsp (as WeasyPrint 70 counts them) plus CJK gaps."""
    if isinstance(box, _inline.boxes.TextBox):
        return _original_count(box) + len(cjk_gaps(box.text))
    if isinstance(box, (_inline.boxes.LineBox, _inline.boxes.InlineBox)):
        return sum(count_expandable_spaces(child) for child in box.children)
    return 0


def _widen_gaps(layout):
    """Add ``layout.justification_spacing`` to the advance of the glyph
    cluster before each CJK gap of ``layout``'s (single) line."""
    text = layout.text
    gaps = cjk_gaps(text)
    if not gaps:
        return
    # Byte offsets (UTF-8, as Pango uses) of the character *after* each gap.
    starts, pos = [], 0
    for char in text:
        starts.append(pos)
        pos += len(char.encode())
    gap_bytes = {starts[i + 1] for i in gaps}

    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    step = layout.justification_spacing * TO_UNITS
    done = 0
    run = line.runs
    while run != ffi.NULL:
        glyph_item, run = run.data, run.next
        item, glyphs = glyph_item.item, glyph_item.glyphs
        if item.analysis.level % 2:  # RTL: not handled
            continue
        clusters, n = glyphs.log_clusters, glyphs.num_glyphs
        for i in range(n):
            next_cluster = clusters[i + 1] if i + 1 < n else item.length
            if next_cluster == clusters[i]:
                continue  # not the last glyph of its cluster
            if item.offset + next_cluster in gap_bytes:
                # Error diffusion: the sum of integer Pango units stays equal
                # to round(gaps × spacing), the width added at layout time.
                glyphs.glyphs[i].geometry.width += (
                    round((done + 1) * step) - round(done * step))
                done += 1


# --- Compressed pairs ---------------------------------------------------

# CLREQ §3.1.6: of two adjacent full-width marks (”， 》《 ）。) the first, a
# closing mark, is set half width. It is drawn from a face whose glyphs
# really are half wide (liandong.fonts.half_width_font), selected with a
# Pango family attribute inside the text box: no extra inline box (which
# would cut the line's break opportunities and its justification in two),
# and the PDF records the glyph as half wide, so copied text stays whole.
PAIR_FIRST = set('，、。；：”’）》〉」』】〕〗')
PAIR_SECOND = set('，、。；：？！”’）》〉」』】〕〗“‘（《〈「『【〔〖')
HALF_FAMILIES = {}  # source family → family of its half-width face, per process


def register_half_faces(html):
    """Learn the half-width faces a document's print CSS declares."""
    for source in re.findall(r'font-family: "liandong-half-([^"]+)"', html):
        HALF_FAMILIES[source] = f'liandong-half-{source}'


PAIR = None  # compiled on first use from PAIR_FIRST / PAIR_SECOND


@functools.lru_cache(maxsize=4096)
def pair_offsets(text):
    """(start, end) UTF-8 byte offsets of each first mark of a pair (a tuple:
    cached, every line's text is set several times)."""
    global PAIR
    if PAIR is None:
        PAIR = re.compile('[' + re.escape(''.join(sorted(PAIR_FIRST))) + ']'
                          + f'(?={ZWSP}*[' + re.escape(''.join(sorted(PAIR_SECOND))) + '])')
    offsets = []
    for match in PAIR.finditer(text):
        start = len(text[:match.start()].encode())
        offsets.append((start, start + len(match.group().encode())))
    return tuple(offsets)


def _line_start_offsets(text):
    """(start, end) UTF-8 byte offsets of the opening mark starting ``text``
    (after any U+200B)."""
    start = len(text) - len(text.lstrip(ZWSP))
    start_byte = len(text[:start].encode())
    return start_byte, start_byte + len(text[start].encode())


def _half_family(style):
    for family in style['font_family']:
        if family in HALF_FAMILIES:
            return HALF_FAMILIES[family]
    return None


def set_text(self, text, justify=False):
    """``Layout.set_text``, then the half-width face for compressed pairs."""
    _original_set_text(self, text, justify)
    family = HALF_FAMILIES and _half_family(self.style)
    if not family:
        return
    offsets = pair_offsets(self.text)
    if _half_start or getattr(self, 'half_start', False):
        offsets += (_line_start_offsets(self.text),)
    if not offsets:
        return
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    for start, end in offsets:
        attr = _family_attribute(family)
        attr.start_index, attr.end_index = start, end
        pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(self.layout, attr_list)


_own_ffi = cffi.FFI()
_own_ffi.cdef('typedef struct _PangoAttribute PangoAttribute;'
              'PangoAttribute * pango_attr_family_new (const char *family);')
_own_pango = _own_ffi.dlopen(find_library('pango-1.0') or 'libpango-1.0.so.0')


def _family_attribute(family):
    """A Pango family attribute (WeasyPrint's cffi declarations lack the constructor)."""
    pointer = _own_pango.pango_attr_family_new(family.encode())
    return ffi.cast('PangoAttribute *', int(_own_ffi.cast('uintptr_t', pointer)))


def reactivate(self, style):
    """``Layout.reactivate`` (only used before drawing), then widen CJK gaps
    of justified layouts and narrow a squeezed line-final mark."""
    _original_reactivate(self, style)
    if self.justification_spacing:
        _widen_gaps(self)
    if getattr(self, 'squeeze_end', 0):
        _narrow_last_glyph(self, self.squeeze_end)
    if getattr(self, 'shrink_marks', None):
        _narrow_marks(self, *self.shrink_marks)


def _narrow_marks(layout, amount, offsets):
    """Take ``amount`` off the advance of the glyphs of the marks at the
    given byte ``offsets`` (mid-line ，、。；： narrowed to fit a word in)."""
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    step = amount * TO_UNITS
    text = layout.text.encode()
    done = 0
    run = line.runs
    while run != ffi.NULL:
        glyph_item, run = run.data, run.next
        item, glyphs = glyph_item.item, glyph_item.glyphs
        for i in range(glyphs.num_glyphs):
            offset = item.offset + glyphs.log_clusters[i]
            if offset in offsets:
                cut = round((done + 1) * step) - round(done * step)
                geometry = glyphs.glyphs[i].geometry
                geometry.width -= cut
                if text[offset:offset + 3].decode(errors='ignore')[:1] in LINE_START_HALF:
                    geometry.x_offset -= cut  # blank on the left: the ink moves left
                done += 1


def _narrow_last_glyph(layout, amount):
    """Take ``amount`` off the advance of the line's last visible glyph."""
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    last = None
    run = line.runs
    while run != ffi.NULL:
        glyphs, run = run.data.glyphs, run.next
        for i in range(glyphs.num_glyphs):
            if glyphs.glyphs[i].glyph != pango.PANGO_GLYPH_EMPTY:
                last = glyphs.glyphs[i]
    if last is not None:
        last.geometry.width -= round(amount * TO_UNITS)


reactivate.__wrapped__ = _original_reactivate


def install():
    """Patch WeasyPrint (idempotent). Returns True if it patched now."""
    if getattr(_line_break.Layout.reactivate, '__wrapped__', None) is not None:
        return False
    _inline.count_expandable_spaces = count_expandable_spaces
    _line_break.Layout.set_text = set_text
    _inline.split_first_line = split_first_line
    _inline.split_text_box = split_text_box
    _inline.add_word_spacing = add_word_spacing
    _line_break.Layout.reactivate = reactivate
    return True


def uninstall():
    """Undo :func:`install` (for before/after comparisons)."""
    _inline.count_expandable_spaces = _original_count
    _line_break.Layout.set_text = _original_set_text
    _inline.split_first_line = _original_split
    _inline.split_text_box = _original_split_text_box
    _inline.add_word_spacing = _original_add_word_spacing
    _line_break.Layout.reactivate = _original_reactivate


# --- Optional: punctuation compression --------------------------------------

FULLWIDTH_PUNCT = set('，。、；：？！”’）》〉」』】〕〗“‘（《〈「『【〔〖')


def compress_punctuation_html(text, css_class='halt'):
    """HTML-escape ``text`` and wrap the first of two adjacent full-width
    punctuation marks (”， 》《 ）。) in ``<span class="halt">`` so that
    ``.halt { font-feature-settings: "halt" }`` sets it half width.

    Only closing marks are compressed (their blank half is on the right,
    which is where the two marks meet); an opening mark followed by another
    opening mark (“《) is left alone."""
    from html import escape
    out = []
    for i, char in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ''
        if char in CLOSING and char != '％' and nxt in FULLWIDTH_PUNCT:
            out.append(f'<span class="{css_class}">{escape(char)}</span>')
        else:
            out.append(escape(char))
    return ''.join(out)
