"""PDF files written byte by byte, so a test can make a well-formed file or a hostile one
(page trees that repeat or loop, objects nested thousands deep) in milliseconds."""

from __future__ import annotations

import zlib

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf(objects: list[bytes]) -> bytes:
    """A PDF whose object n (1-based) is objects[n - 1]; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(data: bytes, compress: bool = False) -> bytes:
    extra = b""
    if compress:
        data, extra = zlib.compress(data, 9), b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_content(lines: list[str]) -> bytes:
    shown = b" ".join(b"(%s) Tj T*" % line.encode("latin-1") for line in lines)
    return b"BT /F1 12 Tf 14 TL 72 720 Td " + shown + b" ET"


def text_pdf(pages: list[list[str]]) -> bytes:
    """An ordinary PDF: one page per list of lines."""
    first_page = 4
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
        FONT,
    ]
    for i, lines in enumerate(pages):
        content = first_page + 2 * i + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        objects.append(stream(text_content(lines)))
    return pdf(objects)


def repeated_page_pdf(references: int, lines: list[str]) -> bytes:
    """One page listed `references` times in the page tree: a small file, a huge document."""
    kids = b" ".join([b"4 0 R"] * references)
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, references),
            FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
            stream(text_content(lines)),
        ]
    )


def doubling_tree_pdf(levels: int, lines: list[str]) -> bytes:
    """A page tree where each /Pages node lists its child twice: 2**levels pages from
    `levels` small objects."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(levels):
        number = 2 + level
        child = number + 1
        objects.append(
            b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>"
            % (child, child, 2 ** (levels - level))
        )
    page = 2 + levels
    objects.append(
        b"<< /Type /Page /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (page + 1, page + 2)
    )
    objects.append(FONT)
    objects.append(stream(text_content(lines)))
    return pdf(objects)


def looping_tree_pdf() -> bytes:
    """A /Pages node that lists itself among its kids."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        ]
    )


def deeply_nested_content_pdf(depth: int) -> bytes:
    """A page whose content stream shows text from an array nested `depth` levels deep."""
    nested = b"[" * depth + b"(x)" + b"]" * depth
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            FONT,
            stream(b"BT /F1 12 Tf 72 720 Td " + nested + b" TJ ET"),
        ]
    )


def deep_pages_tree_pdf(depth: int) -> bytes:
    """A chain of /Pages nodes `depth` deep above one page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (3 + level))
    page = 2 + depth
    objects.append(
        b"<< /Type /Page /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (page + 1, page + 2)
    )
    objects.append(FONT)
    objects.append(stream(text_content(["The deepest page."])))
    return pdf(objects)


def busy_pdf(references: int, operators: int) -> bytes:
    """A few kilobytes whose one page, listed `references` times, draws nothing `operators`
    times: seconds of parsing per page, within every count limit."""
    content = b"BT /F1 12 Tf 72 720 Td (Busy page.) Tj ET " + b"q Q " * operators
    kids = b" ".join([b"3 0 R"] * references)
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, references),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            FONT,
            stream(content, compress=True),
        ]
    )
