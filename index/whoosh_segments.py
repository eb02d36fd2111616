"""Whoosh segments written a term at a time instead of a posting at a time.

Whoosh's ``SegmentWriter`` puts every posting of every document into a pool as a
tuple, sorts the pool when the segment is flushed, and feeds it back through
``add_posting`` one posting at a time; each block of postings is then compressed
with a fresh zlib stream (about 80 µs of state set-up alone, for blocks that are
mostly a few dozen bytes).  For 690-word news articles that was about 10 ms of
pure Python an article, more than the whole ingest budget.

:class:`FastSegmentWriter` keeps Whoosh's format, files, per-document writer,
deletions, TOC and merge machinery, and changes only how postings travel:

* each field's postings are gathered per term, already in document order, so a
  flush sorts the terms (not every posting) and writes each term's blocks at once;
* a merge takes each term's posting list from every merged segment with one read,
  decodes it in memory and writes the term at once (Whoosh replays merged postings one
  by one through the pool); only one term's postings are in memory at a time;
* a block is compressed only when that pays (``COMPRESS_MIN`` bytes and more), at
  zlib level 1 with a small window; readers find the compression in each block's
  header, as Whoosh always stored it;
* segments are written as separate files rather than one compound file, which is
  read through a Python-level call per small read.

The postings, term statistics and per-document values read back are exactly what
Whoosh's own writer produces (``tests/test_fast_paths.py``).
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from itertools import accumulate
from operator import sub
from pickle import dumps
from typing import Any, NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3PerDocReader,
    W3TermInfo,
    _lenfield,
)
from whoosh.columns import NumericColumn
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

COMPRESS_MIN = 400  # smaller pickled blocks are stored as they are: zlib saves almost nothing on them
ZLIB_LEVEL = 1  # Whoosh uses 3: level 1 is faster and, on these blocks, about as small
ZLIB_WBITS = 12  # a 4 KB window holds most blocks whole; smaller windows make set-up cheap
ZLIB_MEMLEVEL = 4

TermBuffer = tuple[list[int], list[float], list[bytes]]  # docnums (ascending), weights, encoded values


def encode_positions(positions: list[int]) -> bytes:
    """``formats.Positions.encode``: the count, then the pickled gaps between positions."""
    if len(positions) == 1:
        position = positions[0]
        if position < len(_SINGLE_POSITIONS):  # most terms occur once in an article
            return _SINGLE_POSITIONS[position]
        return pack_uint(1) + dumps(positions, 2)
    gaps = [positions[0], *map(sub, positions[1:], positions)]
    return pack_uint(len(gaps)) + dumps(gaps, 2)


_SINGLE_POSITIONS = [pack_uint(1) + dumps([position], 2) for position in range(8192)]


def _compress(data: bytes) -> bytes:
    stream = zlib.compressobj(ZLIB_LEVEL, zlib.DEFLATED, ZLIB_WBITS, ZLIB_MEMLEVEL)
    return stream.compress(data) + stream.flush()


class FastSegmentWriter(SegmentWriter):
    """A Whoosh ``SegmentWriter`` that buffers postings per field and term (see the module doc)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        # Separate segment files: reading a compound file costs a Python-level call per small read.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        self._postings: dict[str, dict[bytes, TermBuffer]] = {}
        self._merging: list[tuple[Any, int, dict[int, int] | None]] = []
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported")

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``, with each posting appended to its term's buffer."""
        self._check_state()
        if self._merging:  # their documents are numbered after the new ones (as Whoosh's commit does it)
            raise RuntimeError("documents cannot be added after segments to merge")
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms = self._postings.setdefault(fieldname, {})
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if scorable:
                            length += freq
                        buffer = terms.get(tbytes)
                        if buffer is None:
                            terms[tbytes] = ([docnum], [weight * fieldboost], [vbytes])
                        else:
                            buffer[0].append(docnum)
                            buffer[1].append(weight * fieldboost)
                            buffer[2].append(vbytes)
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """Merging: remember the segment; its posting lists are streamed term by term at the flush.

        (Whoosh replays them posting by posting into the pool.)  Its files stay until the new TOC is
        written, after the flush.
        """
        self._merging.append((reader.segment(), startdoc, docmap))

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        sources = [
            MergeSource(SegmentReader(self.storage, self.schema, seg), start, docmap)
            for seg, start, docmap in self._merging
        ]
        try:
            write_postings(self.fieldwriter, self.schema, lengths, self._postings, sources)
        finally:
            lengths.close()
            for source in sources:
                source.reader.close()
        self._postings = {}
        self._merging = []
        self.fieldwriter.close()


class MergeSource(NamedTuple):
    """A segment being merged: its reader, the new number of its first document, and the renumbering
    around its deleted documents (None when it has none)."""

    reader: Any
    startdoc: int
    docmap: dict[int, int] | None

    def terms(self, fieldname: str) -> dict[bytes, bytes]:
        """The field's terms and their stored term infos, read in key order (no hash lookup per term)."""
        terms_reader = self.reader._terms
        if fieldname not in terms_reader._fieldmap:
            return {}
        prefix = pack_ushort(terms_reader._fieldmap[fieldname])
        found: dict[bytes, bytes] = {}
        for key, info in terms_reader._tindex.items_from(prefix):
            if not key.startswith(prefix):
                break
            found[key[len(prefix) :]] = info
        return found

    def postings(self, info: bytes, fixed_size: int | None) -> TermBuffer:
        """The postings of the term with stored term info ``info``, renumbered for the new segment."""
        flags, *_ = _TERM_INFO.unpack_from(info)
        if flags:  # postings inlined in the term info
            ids, weights, values = (list(part) for part in W3TermInfo.from_bytes(info).inlined_postings())
        else:
            offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
            ids, weights, values = parse_postings(self.reader._terms._postfile.get(offset, length), fixed_size)
        if self.docmap is None:
            return [self.startdoc + docnum for docnum in ids], weights, values
        docmap = self.docmap
        kept = [i for i, docnum in enumerate(ids) if docnum in docmap]
        return [docmap[ids[i]] for i in kept], [weights[i] for i in kept], [values[i] for i in kept]


_TERM_INFO = W3TermInfo._struct  # flags, weight, doc frequency, lengths, max weight, first and last id
_EXTENT = struct.Struct("!qi")  # where the posting list starts in the postings file, and its length


def parse_postings(data: bytes, fixed_size: int | None) -> TermBuffer:
    """A term's whole posting list from its bytes in the postings file (all blocks, in memory).

    Whoosh's matcher reads a block's header, info and data with separate small file reads; a merge
    reads each term's extent once and decodes it here.
    """
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    position = 4
    while True:
        (size,) = _BLOCK_SIZE.unpack_from(data, position)
        position += _BLOCK_SIZE.size
        block = io.BytesIO(data[position : position + abs(size)])
        count, _, _, compression, _, _ = pickle.load(block)
        payload = block.read()
        gaps, block_weights, block_values = pickle.loads(zlib.decompress(payload) if compression else payload)
        ids.extend(accumulate(gaps))
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * count)
        else:
            weights.extend(block_weights)
        if fixed_size is None or fixed_size < 0:
            values.extend(block_values)
        elif fixed_size == 0:
            values.extend([b""] * count)
        else:
            values.extend(block_values[i : i + fixed_size] for i in range(0, len(block_values), fixed_size))
        if size < 0:  # the last block
            return ids, weights, values
        position += size


_BLOCK_SIZE = struct.Struct("!i")


def write_postings(
    fieldwriter: W3FieldWriter,
    schema: Any,
    lengths: W3PerDocReader,
    postings: dict[str, dict[bytes, TermBuffer]],
    sources: list[MergeSource],
) -> None:
    """Write the buffered postings, then each merged segment's, in Whoosh's order and W3 block format.

    Fields go by name and terms by bytes; within a term, the new documents come first and each
    merged segment's after them (the document numbers the segment writer gave them).  Only one
    term's postings are in memory at a time, however large the merge.
    """
    blocklimit = fieldwriter._codec._blocklimit
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    fieldnames = set(postings)
    for source in sources:
        fieldnames.update(name for name in source.reader.indexed_field_names() if name in schema)
    for fieldname in sorted(fieldnames):
        buffered = postings.get(fieldname, {})
        merged_terms = [source.terms(fieldname) for source in sources]
        terms = sorted(set(buffered).union(*merged_terms))
        if not terms:
            continue
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        prefix = pack_ushort(fieldwriter._fieldid)
        fixed_size = fieldobj.format.fixed_value_size()
        field_lengths = _field_lengths(lengths, fieldname)
        for tbytes in terms:
            ids, weights, values = buffered.pop(tbytes, None) or ([], [], [])  # released once written
            for source, source_terms in zip(sources, merged_terms, strict=True):
                info = source_terms.get(tbytes)
                if info is not None:
                    more_ids, more_weights, more_values = source.postings(info, fixed_size)
                    ids += more_ids
                    weights += more_weights
                    values += more_values
            if not ids:  # every document with the term was deleted
                continue
            terminfo = W3TermInfo()
            start = postfile.tell()
            postfile.write(WHOOSH3_HEADER_MAGIC)
            for first in range(0, len(ids), blocklimit):
                last = first + blocklimit >= len(ids)
                block = slice(first, first + blocklimit)
                block_ids = ids[block]
                doc_lengths = [] if field_lengths is None else [field_lengths[d] for d in block_ids]
                _write_block(
                    postfile, terminfo, block_ids, weights[block], values[block], doc_lengths, fixed_size, last
                )
            terminfo.set_extent(start, postfile.tell() - start)
            tindex.add(prefix + tbytes, terminfo.to_bytes())
        fieldwriter.finish_field()


def _field_lengths(perdoc: W3PerDocReader, fieldname: str) -> list[int] | None:
    """Each document's length in ``fieldname`` as Whoosh reads it back (0 for none); None without lengths.

    One read of the length column: Whoosh's flush asked the column once per posting.
    """
    if not perdoc.has_column(_lenfield(fieldname)):
        return None
    codes = numeric_column(perdoc.column_reader(_lenfield(fieldname), LENGTHS_COLUMN), perdoc.doc_count_all())
    return [_LENGTH_OF_BYTE[code] for code in codes.tolist()]


_LENGTH_OF_BYTE = [0] + [byte_to_length(code) for code in range(1, 256)]
_NUMPY_TYPES = {"B": "u1", "H": ">u2", "I": ">u4", "Q": ">u8", "b": "i1", "h": ">i2", "i": ">i4", "q": ">i8"}


def numeric_column(column: Any, n: int) -> np.ndarray:
    """All ``n`` values of a Whoosh numeric column: one read of its big-endian array, not one call per document."""
    stored_type = _NUMPY_TYPES.get(getattr(column, "_typecode", ""))
    if type(column) is not NumericColumn.Reader or stored_type is None:  # e.g. a segment without the column
        return np.array([value for _, value in zip(range(n), column, strict=False)])
    stored = min(column._count, n)
    values = np.full(n, column._default, dtype=np.dtype(stored_type).newbyteorder("="))
    values[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored * column._fixedlen), dtype=stored_type)
    return values


def _write_block(
    postfile: Any,
    terminfo: W3TermInfo,
    ids: list[int],
    weights: list[float],
    values: list[bytes],
    doc_lengths: list[int],
    fixed_size: int | None,
    last: bool,
) -> None:
    """One W3 block: header (count, last id, max weight, compression, length bytes), then its data."""
    stored_weights = array("f", weights)
    maxweight = max(0, max(weights))
    present = [n for n in doc_lengths if n]
    minlength = min(present) if present else None
    maxlength = max(present) if present else 0

    terminfo._weight += sum(stored_weights)
    terminfo._df += len(ids)
    if terminfo._minlength is None:
        terminfo._minlength = minlength
    elif minlength is not None:
        terminfo._minlength = min(terminfo._minlength, minlength)
    terminfo._maxlength = max(terminfo._maxlength, maxlength)
    terminfo._maxweight = max(terminfo._maxweight, maxweight)
    if terminfo._minid is None:
        terminfo._minid = ids[0]
    terminfo._maxid = ids[-1]

    if stored_weights.count(1.0) == len(ids):
        mini_weights: Any = None
    elif stored_weights.count(stored_weights[0]) == len(ids):
        mini_weights = stored_weights[0]
    else:
        mini_weights = tuple(stored_weights)
    if fixed_size is None or fixed_size < 0:
        mini_values: Any = tuple(v for v in values if v)
    elif fixed_size == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    gaps = (ids[0], *map(sub, ids[1:], ids))
    data = dumps((gaps, mini_weights, mini_values), 2)
    compression = ZLIB_LEVEL if len(data) >= COMPRESS_MIN else 0
    if compression:
        data = _compress(data)
    info = dumps((len(ids), ids[-1], maxweight, compression, length_to_byte(minlength), length_to_byte(maxlength)), 2)
    size = len(info) + len(data)
    postfile.write_int(-size if last else size)
    postfile.write(info)
    postfile.write(data)
