"""The text of the PDFs fpdf2 writes, for tests: each page's text, decoded through the embedded
fonts' ``ToUnicode`` maps (an embedded TrueType font writes glyph ids, not letters).

Small on purpose: it reads what fpdf2 writes (objects, Flate streams, ``Tf``/``Tj``/``TJ``), not
any PDF. No PDF library is needed by the project, so none is added for the tests.
"""

from __future__ import annotations

import re
import zlib

_OBJECT_START = re.compile(rb"(?m)^(\d+) 0 obj")
_FONT_RESOURCE = re.compile(rb"/(F\d+) (\d+) 0 R")
_TO_UNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_STRING = rb"\((?:\\.|[^\\()])*\)"
_OPERATION = re.compile(
    rb"/(?P<font>F\d+)\s+[\d.]+\s+Tf"
    rb"|(?P<string>" + _STRING + rb")\s*Tj"
    rb"|\[(?P<array>(?:" + _STRING + rb"|[\s\d.+-])*)\]\s*TJ",
    re.DOTALL,
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    """The bytes of a PDF literal string (without its parentheses)."""
    out = bytearray()
    index = 0
    while index < len(literal):
        char = literal[index : index + 1]
        if char != b"\\":
            out += char
            index += 1
            continue
        following = literal[index + 1 : index + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[index + 1 : index + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            index += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(following, following)
            index += 2
    return bytes(out)


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each object's dictionary and its stream (inflated), read by the stream's ``/Length``."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    position = 0
    while match := _OBJECT_START.search(pdf, position):
        end = pdf.index(b"endobj", match.end())
        stream_at = pdf.find(b"stream", match.end(), end)
        if stream_at < 0:
            objects[int(match.group(1))] = (pdf[match.end() : end], None)
            position = end
            continue
        body = pdf[match.end() : stream_at]
        length = re.search(rb"/Length (\d+)", body)
        assert length is not None
        start = stream_at + len(b"stream")
        start += 2 if pdf[start : start + 2] == b"\r\n" else 1
        data = pdf[start : start + int(length.group(1))]
        if b"/FlateDecode" in body:
            data = zlib.decompress(data)
        objects[int(match.group(1))] = (body, data)
        position = pdf.index(b"endobj", start + int(length.group(1)))
    return objects


def _cmap(stream: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
        for glyph, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.DOTALL):
        for first, last, text in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = ord(bytes.fromhex(text.decode()).decode("utf-16-be"))
            for offset, glyph in enumerate(range(int(first, 16), int(last, 16) + 1)):
                mapping[glyph] = chr(start + offset)
    return mapping


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text in order, one line per text operation."""
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body, _ in objects.values():
        for name, number in _FONT_RESOURCE.findall(body):
            to_unicode = _TO_UNICODE.search(objects[int(number)][0])
            stream = objects[int(to_unicode.group(1))][1] if to_unicode else None
            fonts[name] = _cmap(stream) if stream else None  # None: a core font, Latin-1
    pages = []
    for _, data in sorted(objects.items()):
        if data[1] is None or not re.search(rb"\sT[jJ]\s", data[1]):
            continue
        lines: list[str] = []
        cmap: dict[int, str] | None = None
        for operation in _OPERATION.finditer(data[1]):
            if operation.group("font"):
                cmap = fonts.get(operation.group("font"))
                continue
            if operation.group("string"):
                literals = [operation.group("string")]
            else:
                literals = re.findall(_STRING, operation.group("array"))
            raw = b"".join(_unescape(literal[1:-1]) for literal in literals)
            if cmap is None:
                lines.append(raw.decode("latin-1"))
            else:
                glyphs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
                lines.append("".join(cmap.get(g, "\ufffd") for g in glyphs))
        pages.append("\n".join(lines))
    return pages


def pdf_text(pdf: bytes) -> str:
    """The whole document's text."""
    return "\n".join(pdf_pages(pdf))
