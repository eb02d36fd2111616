"""Whoosh segments written a term at a time instead of a posting at a time.

Whoosh's ``SegmentWriter`` puts every posting of every document into a pool as a
tuple, sorts the pool when the segment is flushed, and feeds it back through
``add_posting`` one posting at a time; each block of postings is then compressed
with a fresh zlib stream (about 80 µs of state set-up alone, for blocks that are
mostly a few dozen bytes).  For 690-word news articles that was about 10 ms of
pure Python an article, more than the whole ingest budget.

:class:`FastSegmentWriter` keeps Whoosh's format, files, per-document writer,
deletions, TOC and merge machinery, and changes only how postings travel:

* a text field's documents add only their words, numbered (:class:`WordBuffer`); at
  the flush numpy turns all of a segment's words into postings and
  :mod:`index.whoosh_blocks` lays out their blocks, headers and term infos at once;
* other fields' postings are gathered per term, already in document order, so a
  flush sorts the terms (not every posting) and writes each term's blocks at once;
* a merge takes each term's posting list from every merged segment with one read and
  writes the term at once (Whoosh replays merged postings one by one through the pool);
  only one term's postings are in memory at a time.  A segment without deleted documents
  has its blocks copied: renumbering them changes only each block's first document
  number and last id, so those are patched in the pickled bytes instead of decoding and
  re-encoding every posting (about half of a merge's time);
* a block is pickled with protocol 3 (bytes as bytes: Whoosh's protocol 2 spells each
  value as a call to ``codecs.encode``, 35 % larger) and compressed only when that
  pays (``COMPRESS_MIN`` bytes and more), at zlib level 1 with a small window, by ISA-L;
  readers find the compression in each block's header, as Whoosh always stored it;
* segments are written as separate files rather than one compound file, which is
  read through a Python-level call per small read.

The postings, term statistics and per-document values read back are exactly what
Whoosh's own writer produces (``tests/test_fast_paths.py``).
"""

from __future__ import annotations

import io
import mmap
import pickle
import struct
from array import array
from collections.abc import Iterator
from itertools import accumulate
from operator import sub
from pickle import dumps
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3PerDocReader,
    W3TermInfo,
    _lenfield,
)
from whoosh.columns import NumericColumn, TranslatingColumnReader
from whoosh.formats import Positions
from whoosh.reading import SegmentReader
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from index.whoosh_blocks import COMPRESS_MIN, ZLIB_LEVEL, TermBuffer, WordPostings, compress, inflate

BLOCK_PROTOCOL = 3  # Whoosh pickles with 2, which stores each bytes value as a call to codecs.encode


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


@runtime_checkable
class WordField(Protocol):
    """A field whose terms are its words, one a position (like Whoosh's TEXT with phrases): its
    postings can be built from the words of all of a segment's documents at once."""

    def index_words(self, value: str) -> list[bytes]:
        """The words of ``value`` in order (in any form the field's ``word_term`` takes, say UTF-8):
        the ``n``-th is at position ``n``."""
        ...

    def word_term(self, word: bytes) -> bytes:
        """The term a word is indexed as."""
        ...


class _WordIds(dict[bytes, int]):
    """Word → a number of its own in this segment; ``terms`` holds each number's term (a dict, so
    numbering the words of a text runs in C except for the words new to the segment)."""

    def __init__(self, word_term: Any) -> None:
        super().__init__()
        self.terms: list[bytes] = []
        self._word_term = word_term

    def __missing__(self, word: bytes) -> int:
        number = self[word] = len(self.terms)
        self.terms.append(self._word_term(word))
        return number


PACK_WORDS = 1_000_000  # words kept as a list before they are moved to an int32 array


class WordBuffer:
    """A word field's postings for a segment's new documents, kept as one array of word numbers.

    Whoosh builds each document's posting list per term as it goes (a tuple, a weight and a pickled
    position list per term and document, in Python).  Here a document adds only its words' numbers;
    at the flush, numpy sorts all the segment's words by term (stably, so documents and positions
    stay in order), cuts them into postings and encodes every posting's position list at once, byte
    for byte as ``formats.Positions.encode`` does.
    """

    def __init__(self, word_term: Any, field_boost: float) -> None:
        self.word_term = word_term
        self.field_boost = field_boost
        self.words = _WordIds(word_term)
        # The latest words' numbers: list.extend(map(...)) takes half the time of array.extend.  Every
        # PACK_WORDS words they are moved to an int32 array (a list costs 8 bytes a word).
        self.numbers: list[int] = []
        self.packed: list[np.ndarray] = []  # (emptied by ``postings``)
        self.packed_words = 0
        self.docnums: list[int] = []
        self.counts: list[int] = []
        self.boosts: list[float] = []

    def emptied(self) -> WordBuffer:
        return WordBuffer(self.word_term, self.field_boost)

    def add(self, docnum: int, words: list[bytes], boost: float) -> int:
        """Add a document's words; returns their count (the document's length in the field)."""
        if len(self.numbers) >= PACK_WORDS:  # before the document: its own words stay in the list
            self.packed.append(np.array(self.numbers, dtype=np.int32))
            self.packed_words += len(self.numbers)
            self.numbers = []
        self.numbers.extend(map(self.words.__getitem__, words))
        self.docnums.append(docnum)
        self.counts.append(len(words))
        self.boosts.append(boost)
        return len(words)

    def mark(self) -> tuple[int, int]:
        return self.packed_words + len(self.numbers), len(self.docnums)

    def truncate(self, mark: tuple[int, int]) -> None:
        """Forget the words of the document added since ``mark`` (it failed half-way)."""
        words, docs = mark
        del self.numbers[words - self.packed_words :]
        del self.docnums[docs:], self.counts[docs:], self.boosts[docs:]

    def postings(self) -> WordPostings:
        """The buffered words as postings, term by term (terms in byte order).

        Arrays are int32 and dropped as soon as used: a 20k-article segment holds about 14M words.
        """
        counts = np.array(self.counts, dtype=np.int32)
        terms = sorted(set(self.words.terms))
        rank_of = {term: rank for rank, term in enumerate(terms)}
        ranks = np.array([rank_of[term] for term in self.words.terms], dtype=np.int32)
        word_ranks = ranks[np.concatenate([*self.packed, np.array(self.numbers, dtype=np.int32)])]
        self.packed, self.numbers = [], []
        order = np.argsort(word_ranks, kind="stable").astype(np.int32)  # by term, then document and position
        word_ranks = word_ranks[order]
        docs = np.repeat(np.arange(len(counts), dtype=np.int32), counts)[order]
        positions = order
        positions -= (np.cumsum(counts, dtype=np.int32) - counts)[docs]  # a word's number → its position
        new_posting = np.ones(len(positions), dtype=bool)
        new_posting[1:] = (word_ranks[1:] != word_ranks[:-1]) | (docs[1:] != docs[:-1])
        starts = np.flatnonzero(new_posting).astype(np.int32)
        del new_posting
        gaps = np.empty_like(positions)
        gaps[0] = positions[0]
        np.subtract(positions[1:], positions[:-1], out=gaps[1:])
        gaps[starts] = positions[starts]
        del positions
        posting_docs = docs[starts]
        posting_ranks = word_ranks[starts]
        del docs, word_ranks
        term_starts = np.flatnonzero(np.append(True, posting_ranks[1:] != posting_ranks[:-1]))
        freqs = np.diff(np.append(starts, len(gaps))).astype(np.int32)
        return WordPostings(
            terms=[terms[rank] for rank in posting_ranks[term_starts].tolist()],
            term_starts=np.append(term_starts, len(starts)),
            docnums=np.array(self.docnums, dtype=np.int32)[posting_docs],
            freqs=freqs,
            weights=freqs * self.field_boost * np.array(self.boosts, dtype=np.float64)[posting_docs],
            token_starts=starts,
            gaps=gaps,
        )


class FastSegmentWriter(SegmentWriter):
    """A Whoosh ``SegmentWriter`` that buffers postings per field and term (see the module doc)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        # Separate segment files: reading a compound file costs a Python-level call per small read.
        kwargs.setdefault("compound", False)
        super().__init__(ix, **kwargs)
        self._postings: dict[str, dict[bytes, TermBuffer]] = {}
        self._words: dict[str, WordBuffer] = {}
        self._merging: list[tuple[Any, int, dict[int, int] | None]] = []
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported")
            if isinstance(field, WordField) and type(field.format) is Positions and field.scorable:
                self._words[name] = WordBuffer(field.word_term, field.format.field_boost)

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``: a word field's words go to its :class:`WordBuffer`, other fields'
        postings to their terms' buffers once the whole document is read (a failing field adds nothing)."""
        self._check_state()
        if self._merging:  # their documents are numbered after the new ones (as Whoosh's commit does it)
            raise RuntimeError("documents cannot be added after segments to merge")
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

        pending: list[tuple[dict[bytes, TermBuffer], bytes, float, bytes]] = []
        marks = {name: buffer.mark() for name, buffer in self._words.items()}
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
                    words = self._words.get(fieldname)
                    if words is not None:
                        length = words.add(docnum, field.index_words(value), fieldboost)
                    else:
                        terms = self._postings.setdefault(fieldname, {})
                        scorable = field.scorable
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if scorable:
                                length += freq
                            pending.append((terms, tbytes, weight * fieldboost, vbytes))
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        except Exception:
            for name, mark in marks.items():
                self._words[name].truncate(mark)
            perdocwriter.cancel_doc()
            raise
        for terms, tbytes, weight, vbytes in pending:
            buffer = terms.get(tbytes)
            if buffer is None:
                terms[tbytes] = ([docnum], [weight], [vbytes])
            else:
                buffer[0].append(docnum)
                buffer[1].append(weight)
                buffer[2].append(vbytes)
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def write_per_doc(self, fieldnames: set[str], reader: Any) -> dict[int, int] | None:
        """Merging: Whoosh's copy of each document's stored fields, lengths and column values, with each
        field's lengths read in one go (Whoosh asks the length column once per document and field)."""
        perdoc = getattr(reader, "_perdoc", None)
        if not isinstance(perdoc, W3PerDocReader):
            return super().write_per_doc(fieldnames, reader)
        schema = self.schema
        docmap: dict[int, int] | None = {} if reader.has_deletions() else None
        pdw = self.perdocwriter
        columns = {}
        for fieldname in fieldnames:
            column_type = schema[fieldname].column_type
            if column_type and reader.has_column(fieldname):
                column = reader.column_reader(fieldname, column_type)
                columns[fieldname] = column.raw_column() if isinstance(column, TranslatingColumnReader) else column
        lengths: dict[str, list[int] | None] = {}
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            for fieldname in fieldnames | {name for name in stored if name in schema}:
                field = schema[fieldname]
                if fieldname not in lengths:
                    lengths[fieldname] = _field_lengths(perdoc, fieldname)
                field_lengths = lengths[fieldname]
                pdw.add_field(fieldname, field, stored.get(fieldname), field_lengths[docnum] if field_lengths else 0)
                if fieldname in columns:
                    pdw.add_column_value(fieldname, field.column_type, columns[fieldname][docnum])
            pdw.finish_doc()
            self.docnum += 1
        return docmap

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
            MergeSource.open(self.storage, self.schema, seg, start, docmap) for seg, start, docmap in self._merging
        ]
        new_postings: dict[str, dict[bytes, TermBuffer] | WordPostings] = dict(self._postings)
        for name, words in self._words.items():
            if words.docnums:
                new_postings[name] = words.postings()
        try:
            write_postings(self.fieldwriter, self.schema, lengths, new_postings, sources)
        finally:
            lengths.close()
            for source in sources:
                source.close()
        self._postings = {}
        self._words = {name: words.emptied() for name, words in self._words.items()}
        self._merging = []
        self.fieldwriter.close()


class MergeSource(NamedTuple):
    """A segment being merged: its reader, the new number of its first document, the renumbering
    around its deleted documents (None when it has none), and its postings file mapped in memory
    (a merge reads every posting list: one slice each instead of a seek and a read)."""

    reader: Any
    startdoc: int
    docmap: dict[int, int] | None
    postings_map: mmap.mmap | None

    @classmethod
    def open(cls, storage: Any, schema: Any, segment: Any, startdoc: int, docmap: dict[int, int] | None) -> MergeSource:
        reader = SegmentReader(storage, schema, segment)
        postfile = reader._terms._postfile
        fileno = getattr(getattr(postfile, "file", None), "fileno", None)
        try:
            mapped = mmap.mmap(fileno(), 0, access=mmap.ACCESS_READ) if fileno else None
        except (OSError, ValueError, io.UnsupportedOperation):  # an empty or in-memory file
            mapped = None
        return cls(reader, startdoc, docmap, mapped)

    def close(self) -> None:
        if self.postings_map is not None:
            self.postings_map.close()
        self.reader.close()

    def terms(self, fieldname: str) -> dict[bytes, bytes]:
        """The field's terms and their stored term infos: the field's records (contiguous, in key
        order) read from the term file at once and split here, not one record at a time."""
        terms_reader = self.reader._terms
        if fieldname not in terms_reader._fieldmap:
            return {}
        tindex = terms_reader._tindex
        prefix = pack_ushort(terms_reader._fieldmap[fieldname])
        start = tindex.closest_key_pos(prefix)
        if start is None:
            return {}
        following = tindex.closest_key_pos(pack_ushort(terms_reader._fieldmap[fieldname] + 1))
        end = tindex.endofdata if following is None else following
        data = tindex.dbfile.get(start, end - start)
        found: dict[bytes, bytes] = {}  # keys are in order, so every record read holds the prefix
        position, unpack, skip = 0, _RECORD_LENGTHS.unpack_from, _RECORD_LENGTHS.size + len(prefix)
        while position < len(data):
            key_length, value_length = unpack(data, position)
            value_at = position + _RECORD_LENGTHS.size + key_length
            found[data[position + skip : value_at]] = data[value_at : value_at + value_length]
            position = value_at + value_length
        return found

    def copies_blocks(self, info: bytes) -> bool:
        """Whether the term's blocks can be copied as they are, renumbered (see :func:`copy_blocks`)."""
        return self.docmap is None and not info[0]  # no deleted documents, postings not inlined

    def posting_bytes(self, info: bytes) -> bytes:
        offset, length = _EXTENT.unpack_from(info, _TERM_INFO.size)
        if self.postings_map is not None:
            return self.postings_map[offset : offset + length]
        return self.reader._terms._postfile.get(offset, length)

    def postings(self, info: bytes, fixed_size: int | None) -> TermBuffer:
        """The postings of the term with stored term info ``info``, renumbered for the new segment."""
        flags, *_ = _TERM_INFO.unpack_from(info)
        if flags:  # postings inlined in the term info
            ids, weights, values = (list(part) for part in W3TermInfo.from_bytes(info).inlined_postings())
        else:
            ids, weights, values = parse_postings(self.posting_bytes(info), fixed_size)
        if self.docmap is None:
            return [self.startdoc + docnum for docnum in ids], weights, values
        docmap = self.docmap
        kept = [i for i, docnum in enumerate(ids) if docnum in docmap]
        return [docmap[ids[i]] for i in kept], [weights[i] for i in kept], [values[i] for i in kept]


_RECORD_LENGTHS = struct.Struct("!ii")  # a term file record: key length, value length (then key and value)
_TERM_INFO = W3TermInfo._struct  # flags, weight, doc frequency, lengths, max weight, first and last id
_EXTENT = struct.Struct("!qi")  # where the posting list starts in the postings file, and its length


def parse_postings(data: bytes, fixed_size: int | None) -> TermBuffer:
    """A term's whole posting list from its bytes in the postings file (all blocks, in memory).

    Whoosh's matcher reads a block's header, info and data with separate small file reads; a merge
    reads each term's extent once and decodes it here.
    """
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for (count, *_), pickled, _ in _blocks(data):
        gaps, block_weights, block_values = pickle.loads(pickled)
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
    return ids, weights, values


def _blocks(data: bytes) -> Iterator[tuple[tuple[Any, ...], bytes, bool]]:
    """Each block of a posting list's bytes: its header (count, last id, max weight, compression,
    length bytes), its pickled (gaps, weights, values) decompressed, and whether it is the last."""
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    position = 4
    while True:
        (size,) = _BLOCK_SIZE.unpack_from(data, position)
        position += _BLOCK_SIZE.size
        block = io.BytesIO(data[position : position + abs(size)])
        header = pickle.load(block)
        payload = block.read()
        yield header, inflate(payload) if header[3] else payload, size < 0
        if size < 0:
            return
        position += size


_BLOCK_SIZE = struct.Struct("!i")


def write_postings(
    fieldwriter: W3FieldWriter,
    schema: Any,
    lengths: W3PerDocReader,
    postings: dict[str, dict[bytes, TermBuffer] | WordPostings],
    sources: list[MergeSource],
) -> None:
    """Write the buffered postings, then each merged segment's, in Whoosh's order and W3 block format.

    Fields go by name and terms by bytes; within a term, the new documents come first and each
    merged segment's after them (the document numbers the segment writer gave them).  Only one
    term's postings are in memory at a time, however large the merge.  A word field's terms that
    no merged segment holds are written all at once (:meth:`WordPostings.write`) before the others.
    """
    blocklimit = fieldwriter._codec._blocklimit
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    fieldnames = set(postings)
    for source in sources:
        fieldnames.update(name for name in source.reader.indexed_field_names() if name in schema)
    for fieldname in sorted(fieldnames):
        new = postings.get(fieldname, {})
        merged_terms = [source.terms(fieldname) for source in sources]
        written_alone: dict[bytes, bytes] = {}
        if isinstance(new, WordPostings):
            shared = {i for i, term in enumerate(new.terms) if any(term in held for held in merged_terms)}
            codes = _field_length_codes(lengths, fieldname)
            assert codes is not None, "word fields are scored"
            infos = new.write(postfile, codes, shared, blocklimit)
            written_alone = dict(zip((t for i, t in enumerate(new.terms) if i not in shared), infos, strict=True))
            buffered = new.term_buffers(sorted(shared))
        else:
            buffered = new
        terms = sorted(set(buffered).union(written_alone, *merged_terms))
        if not terms:
            continue
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        prefix = pack_ushort(fieldwriter._fieldid)
        fixed_size = fieldobj.format.fixed_value_size()
        field_lengths = _field_lengths(lengths, fieldname)
        for tbytes in terms:
            info = written_alone.get(tbytes)
            if info is not None:
                tindex.add(prefix + tbytes, info)
                continue
            runs = _term_runs(buffered.pop(tbytes, None), sources, merged_terms, tbytes, fixed_size)
            if not runs:  # every document with the term was deleted
                continue
            terminfo = W3TermInfo()
            start = postfile.tell()
            postfile.write(WHOOSH3_HEADER_MAGIC)
            for number, run in enumerate(runs, 1):
                final = number == len(runs)
                if isinstance(run, BlocksToCopy):
                    copy_blocks(postfile, terminfo, run, final)
                else:
                    ids, weights, values = run
                    for first in range(0, len(ids), blocklimit):
                        block = slice(first, first + blocklimit)
                        block_ids = ids[block]
                        doc_lengths = [] if field_lengths is None else [field_lengths[d] for d in block_ids]
                        last = final and first + blocklimit >= len(ids)
                        _write_block(
                            postfile, terminfo, block_ids, weights[block], values[block], doc_lengths, fixed_size, last
                        )
            terminfo.set_extent(start, postfile.tell() - start)
            tindex.add(prefix + tbytes, terminfo.to_bytes())
        fieldwriter.finish_field()


class BlocksToCopy(NamedTuple):
    """A merged segment's posting list of a term, to copy block by block."""

    source: MergeSource
    info: bytes  # its stored term info


Run = TermBuffer | BlocksToCopy


def _term_runs(
    buffered: TermBuffer | None,
    sources: list[MergeSource],
    merged_terms: list[dict[bytes, bytes]],
    tbytes: bytes,
    fixed_size: int | None,
) -> list[Run]:
    """A term's postings in document order: the new documents', then each merged segment's.

    Postings that must be decoded (new ones, those of segments with deletions) are gathered into
    runs written in full blocks; segments that allow it contribute their blocks to copy.
    """
    runs: list[Run] = []
    ids, weights, values = buffered or ([], [], [])
    for source, source_terms in zip(sources, merged_terms, strict=True):
        info = source_terms.get(tbytes)
        if info is None:
            continue
        if source.copies_blocks(info):
            if ids:
                runs.append((ids, weights, values))
                ids, weights, values = [], [], []
            runs.append(BlocksToCopy(source, info))
        else:
            more_ids, more_weights, more_values = source.postings(info, fixed_size)
            ids += more_ids
            weights += more_weights
            values += more_values
    if ids:
        runs.append((ids, weights, values))
    return runs


def copy_blocks(postfile: Any, terminfo: W3TermInfo, blocks: BlocksToCopy, final: bool) -> None:
    """Write a merged segment's posting list of a term block by block, its document numbers raised by
    the segment's first new number, and add its statistics to ``terminfo``.

    A block stores its documents as gaps after the first one, so only the first gap and the
    block's last id change; each block comes out byte for byte as :func:`_write_block` would
    write it from the decoded postings.
    """
    info, shift = blocks.info, blocks.source.startdoc
    data = blocks.source.posting_bytes(info)
    for (count, last_id, maxweight, _, minlength, maxlength), pickled, last in _blocks(data):
        counts = (count, last_id + shift, maxweight)
        _put_block(postfile, counts, _shift_first_gap(pickled, shift), (minlength, maxlength), final and last)
    _, weight, df, minlength, maxlength, maxweight, minid, maxid = _TERM_INFO.unpack_from(info)
    terminfo._weight += weight
    terminfo._df += df
    if minlength:  # 0: no document with a length
        length = byte_to_length(minlength)
        terminfo._minlength = length if terminfo._minlength is None else min(terminfo._minlength, length)
    terminfo._maxlength = max(terminfo._maxlength, byte_to_length(maxlength))
    terminfo._maxweight = max(terminfo._maxweight, maxweight)
    if terminfo._minid is None:
        terminfo._minid = minid + shift
    terminfo._maxid = maxid + shift


_PICKLE_HEADERS = (b"\x80\x02", b"\x80\x03")  # blocks written by Whoosh, and by this module
_INT_OPCODES = {ord("K"): (1, False), ord("M"): (2, False), ord("J"): (4, True)}  # pickle's BININT1, BININT2, BININT


def _shift_first_gap(pickled: bytes, shift: int) -> bytes:
    """A block's pickled (gaps, weights, values) with its first gap (its first document number) raised by ``shift``.

    Protocol 2 writes a tuple of one to three items without a MARK and a longer one after one, so
    the first gap starts at byte 2 or 3; it is re-encoded as pickle would encode the new number.
    """
    if pickled[:2] not in _PICKLE_HEADERS:
        raise ValueError("not a protocol-2 or -3 pickle")
    start = 3 if pickled[2] == ord("(") else 2
    size, signed = _INT_OPCODES[pickled[start]]
    end = start + 1 + size
    first = int.from_bytes(pickled[start + 1 : end], "little", signed=signed)
    return pickled[:start] + dumps(first + shift, 2)[2:-1] + pickled[end:]


def _field_lengths(perdoc: W3PerDocReader, fieldname: str) -> list[int] | None:
    """Each document's length in ``fieldname`` as Whoosh reads it back (0 for none); None without lengths.

    One read of the length column: Whoosh's flush asked the column once per posting.
    """
    codes = _field_length_codes(perdoc, fieldname)
    return None if codes is None else [_LENGTH_OF_BYTE[code] for code in codes.tolist()]


def _field_length_codes(perdoc: W3PerDocReader, fieldname: str) -> np.ndarray | None:
    """Each document's length byte in ``fieldname`` (0 for none); None without lengths."""
    if not perdoc.has_column(_lenfield(fieldname)):
        return None
    return numeric_column(perdoc.column_reader(_lenfield(fieldname), LENGTHS_COLUMN), perdoc.doc_count_all())


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
    pickled = dumps((gaps, mini_weights, mini_values), BLOCK_PROTOCOL)
    lengths = (length_to_byte(minlength), length_to_byte(maxlength))
    _put_block(postfile, (len(ids), ids[-1], maxweight), pickled, lengths, last)


def _put_block(
    postfile: Any, counts: tuple[int, int, float], pickled: bytes, lengths: tuple[int, int], last: bool
) -> None:
    """A block's header (count, last id, max weight, compression, length bytes) and its data."""
    compression = ZLIB_LEVEL if len(pickled) >= COMPRESS_MIN else 0
    data = compress(pickled) if compression else pickled
    info = dumps((*counts, compression, *lengths), 2)
    size = len(info) + len(data)
    postfile.write(pack_int(-size if last else size) + info + data)
