"""A segment's new postings for a word field, written as Whoosh W3 posting blocks by numpy.

Whoosh pickles each block of postings with a Python call per block and per posting
(the block's gaps, weights and values, its header, the term's statistics).  In a
news segment most terms occur in one to three documents, so a flush spent most of
its time on that bookkeeping.  Here the bytes of all blocks of many terms are laid
out at once: the pickles are written opcode by opcode into one array, and only the
blocks large enough to compress are deflated one at a time.

The bytes are what ``pickle.loads`` reads back as Whoosh's own writer's values:

* a position list (a posting's value) is ``formats.Positions.encode``'s encoding, byte
  for byte: the count (4 bytes, big endian), then the gap list pickled with protocol
  2 (``]q\\x00``, then ``K`` and one byte, ``M`` and two or ``J`` and four for each gap,
  a single item appended with ``a``, more between ``(`` and ``e``);
* a block's data is the tuple (gaps, weights, values) that Whoosh pickles, written
  with protocol 3 opcodes and no memo: bytes as ``C`` (short) or ``B``, floats as ``G``
  (8 bytes, big endian), a tuple of one to three items closed by ``\\x85``-``\\x87``
  and a longer one between ``(`` and ``t``;
* a block's header is Whoosh's tuple (count, last id, max weight, compression,
  shortest and longest length as bytes), pickled the same way under protocol 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.formats import Positions

try:  # ISA-L writes the same zlib format as zlib does, 2.5 times as fast on these blocks and no larger
    from isal.isal_zlib import compress as _deflate
    from isal.isal_zlib import decompress as _inflate
except ImportError:  # a platform without its wheels
    from zlib import compress as _deflate
    from zlib import decompress as _inflate

TermBuffer = tuple[list[int], list[float], list[bytes]]  # docnums (ascending), weights, encoded values

COMPRESS_MIN = 400  # smaller pickled blocks are stored as they are: zlib saves almost nothing on them
ZLIB_LEVEL = 1  # Whoosh uses 3 (any level reads back the same): level 1 is faster and about as small
ZLIB_WBITS = 12  # a 4 KB window holds most blocks whole
CHUNK_POSTINGS = 200_000  # postings laid out per pass (bounds the temporary arrays)

_K, _M, _J = ord("K"), ord("M"), ord("J")
_LIST_HEAD = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)  # protocol 2, an empty list, memoised
_BATCH = 1000  # pickle appends a longer list's items in batches: left to pickle itself
_SMALL_TUPLES = np.array([0, 0x85, 0x86, 0x87], dtype=np.uint8)  # TUPLE1 .. TUPLE3
_TERM_INFO = np.dtype(
    [
        ("inlined", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("min_length", "u1"),
        ("max_length", "u1"),
        ("max_weight", ">f4"),
        ("min_id", ">u4"),
        ("max_id", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)  # W3TermInfo's struct ("!BfIBBfII") followed by the extent ("!q", "!i")


def compress(data: bytes) -> bytes:
    # One call: 5-30 % faster than a compressor object with a small memLevel, and smaller.
    return _deflate(data, ZLIB_LEVEL, ZLIB_WBITS)


inflate = _inflate  # what a merge reads blocks back with


# -- opcodes ----------------------------------------------------------------------------------
def _int_sizes(values: np.ndarray) -> np.ndarray:
    """Bytes that pickle takes for each non-negative int below 2**31: ``K``, ``M`` or ``J`` and its bytes."""
    return 2 + (values >= 256) + 2 * (values >= 65536)


def _put_ints(out: np.ndarray, at: np.ndarray, values: np.ndarray, sizes: np.ndarray) -> None:
    out[at] = np.where(sizes == 2, _K, np.where(sizes == 3, _M, _J))
    for byte in range(4):
        wide = sizes > byte + 1
        out[at[wide] + 1 + byte] = (values[wide] >> (8 * byte)) & 0xFF


def _put_floats(out: np.ndarray, at: np.ndarray, values: np.ndarray) -> None:
    out[at] = ord("G")
    out[at[:, None] + np.arange(1, 9)] = values.astype(">f8").view(np.uint8).reshape(-1, 8)


def _put_tuple_frame(out: np.ndarray, start: np.ndarray, items_size: np.ndarray, counts: np.ndarray) -> None:
    """Open (``(``, for more than three items) and close a tuple of ``counts`` items taking ``items_size`` bytes."""
    many = counts > 3
    out[start[many]] = ord("(")
    out[start + many + items_size] = np.where(many, ord("t"), _SMALL_TUPLES[np.minimum(counts, 3)])


def _within(sizes: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each item's offset inside its group (groups of ``counts`` items from ``starts``), from item sizes."""
    ends = np.cumsum(sizes)
    before = ends - sizes
    return before - np.repeat(before[starts], counts)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[i]``, ``starts[i] + 1`` … (``counts[i]`` numbers) for each ``i``, one after the other."""
    starts, counts = np.asarray(starts, dtype=np.int64), np.asarray(counts, dtype=np.int64)
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))


def _group_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, starts) if len(values) else np.zeros(0, dtype=values.dtype)


# -- position lists ---------------------------------------------------------------------------
def position_list_sizes(gaps: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The size of each posting's encoded positions (before the correction of :func:`put_position_lists`)."""
    return 4 + len(_LIST_HEAD) + (counts > 1) + _group_sums(_int_sizes(gaps), starts) + 2


def put_position_lists(
    out: np.ndarray, offsets: np.ndarray, gaps: np.ndarray, starts: np.ndarray, counts: np.ndarray
) -> None:
    """Write each posting's encoded positions at ``offsets``; posting ``i``'s positions are
    ``gaps[starts[i]: starts[i] + counts[i]]`` as gaps (the first one as it is).  Lists of more
    than pickle's append batch come out wrong: see :func:`long_position_lists`.
    """
    many = counts > 1
    for shift, byte in zip((24, 16, 8, 0), range(4), strict=True):
        out[offsets + byte] = (counts >> shift) & 0xFF
    out[offsets[:, None] + np.arange(4, 4 + len(_LIST_HEAD))] = _LIST_HEAD
    head = 4 + len(_LIST_HEAD)
    out[offsets[many] + head] = ord("(")
    item_sizes = _int_sizes(gaps)
    items = np.repeat(offsets + head + many, counts) + _within(item_sizes, starts, counts)
    _put_ints(out, items, gaps, item_sizes)
    ends = offsets + position_list_sizes(gaps, starts, counts)
    out[ends - 2] = np.where(many, ord("e"), ord("a"))
    out[ends - 1] = ord(".")


def long_position_lists(gaps: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> dict[int, bytes]:
    """The postings whose lists pickle appends in batches (posting index → Whoosh's own encoding):
    :func:`put_position_lists` writes them wrong and their size differs, so callers place these."""
    return {
        i: Positions().encode(list(accumulate(gaps[starts[i] : starts[i] + counts[i]].tolist())))
        for i in np.flatnonzero(counts > _BATCH).tolist()
    }


def encode_position_lists(gaps: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> list[bytes]:
    """``formats.Positions.encode`` of many postings at once (see :func:`put_position_lists`)."""
    _check_gaps(gaps)
    sizes = position_list_sizes(gaps, starts, counts)
    ends = np.cumsum(sizes)
    offsets = ends - sizes
    out = np.zeros(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    put_position_lists(out, offsets, gaps, starts, counts)
    data = out.tobytes()
    values = [data[a:b] for a, b in zip(offsets.tolist(), ends.tolist(), strict=True)]
    for i, value in long_position_lists(gaps, starts, counts).items():
        values[i] = value
    return values


def _check_gaps(gaps: np.ndarray) -> None:
    if gaps.size and (gaps.min() < 0 or gaps.max() >= 2**31):
        raise ValueError("positions must be below 2**31")


# -- a field's postings -----------------------------------------------------------------------
class WordPostings(NamedTuple):
    """A word field's postings in a new segment, term by term (terms in byte order).

    Term ``t``'s postings are ``term_starts[t]: term_starts[t + 1]``; posting ``p``'s positions
    are ``gaps[token_starts[p]: token_starts[p] + freqs[p]]``, as gaps.
    """

    terms: list[bytes]
    term_starts: np.ndarray
    docnums: np.ndarray
    freqs: np.ndarray
    weights: np.ndarray
    token_starts: np.ndarray
    gaps: np.ndarray

    def term_buffers(self, wanted: list[int]) -> dict[bytes, TermBuffer]:
        """The postings of terms ``wanted`` (indices) as lists, for terms that merged segments also hold."""
        if not wanted:
            return {}
        firsts, lasts = self.term_starts[wanted], self.term_starts[np.asarray(wanted) + 1]
        postings = _ranges(firsts, lasts - firsts)
        counts = self.freqs[postings].astype(np.int64)
        gaps = self.gaps[_ranges(self.token_starts[postings], counts)].astype(np.int64)
        values = encode_position_lists(gaps, np.cumsum(counts) - counts, counts)
        docnums, weights = self.docnums[postings].tolist(), self.weights[postings].tolist()
        found, at = {}, 0
        for term, size in zip((self.terms[t] for t in wanted), (lasts - firsts).tolist(), strict=True):
            found[term] = (docnums[at : at + size], weights[at : at + size], values[at : at + size])
            at += size
        return found

    def write(self, postfile: Any, lengths: np.ndarray, skip: set[int], blocklimit: int) -> list[bytes]:
        """Write every term's posting list except those in ``skip`` to ``postfile`` and return each
        written term's stored term info, in term order.

        ``lengths`` holds each document's length byte in the field (a word field is scored).
        """
        wanted = np.setdiff1d(np.arange(len(self.terms)), np.fromiter(skip, dtype=np.int64, count=len(skip)))
        infos: list[bytes] = []
        for terms in _chunks(wanted, self.term_starts, CHUNK_POSTINGS):
            blocks = _Blocks.cut(self, terms, blocklimit)
            data, term_infos = _posting_lists(self, blocks, lengths, postfile.tell())
            postfile.write(data)
            infos.extend(term_infos)
        return infos


def _chunks(terms: np.ndarray, term_starts: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Consecutive runs of ``terms`` holding about ``size`` postings each (a term is never cut)."""
    sizes = term_starts[terms + 1] - term_starts[terms]
    ends = np.cumsum(sizes)
    first = 0
    while first < len(terms):
        last = int(np.searchsorted(ends, ends[first] - sizes[first] + size, side="right"))
        last = max(last, first + 1)
        yield terms[first:last]
        first = last


class _Blocks(NamedTuple):
    """Some terms' postings (in term order) cut into blocks of at most ``blocklimit``."""

    df: np.ndarray  # per term: its postings
    term_first_posting: np.ndarray
    blocks_per_term: np.ndarray
    term_first_block: np.ndarray
    starts: np.ndarray  # per block: its first posting
    counts: np.ndarray
    last: np.ndarray  # whether it is its term's last block
    block_of: np.ndarray  # per posting: its block
    docnums: np.ndarray  # per posting
    weights: np.ndarray
    freqs: np.ndarray
    token_starts: np.ndarray

    @classmethod
    def cut(cls, postings: WordPostings, terms: np.ndarray, blocklimit: int) -> _Blocks:
        firsts = postings.term_starts[terms]
        df = postings.term_starts[terms + 1] - firsts
        posting_index = _ranges(firsts, df)
        blocks_per_term = -(-df // blocklimit)
        block_term = np.repeat(np.arange(len(terms)), blocks_per_term)
        block_in_term = _ranges(np.zeros(len(terms)), blocks_per_term)
        term_first_posting = np.cumsum(df) - df
        counts = np.minimum(blocklimit, df[block_term] - block_in_term * blocklimit)
        return cls(
            df=df,
            term_first_posting=term_first_posting,
            blocks_per_term=blocks_per_term,
            term_first_block=np.cumsum(blocks_per_term) - blocks_per_term,
            starts=term_first_posting[block_term] + block_in_term * blocklimit,
            counts=counts,
            last=block_in_term == blocks_per_term[block_term] - 1,
            block_of=np.repeat(np.arange(len(counts)), counts),
            docnums=postings.docnums[posting_index].astype(np.int64),
            weights=postings.weights[posting_index],
            freqs=postings.freqs[posting_index].astype(np.int64),
            token_starts=postings.token_starts[posting_index].astype(np.int64),
        )

    def items(self, sizes: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Where each posting's item goes, given item sizes and where each block's first item goes."""
        return np.repeat(first, self.counts) + _within(sizes, self.starts, self.counts)


def _put_int_columns(
    out: np.ndarray, at: np.ndarray, columns: tuple[np.ndarray, ...], sizes: list[np.ndarray]
) -> np.ndarray:
    """Write one int of each column per row, one after the other from ``at``; returns where they end."""
    for values, size in zip(columns, sizes, strict=True):
        _put_ints(out, at, values, size)
        at = at + size
    return at


def _min_present(codes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per group, the smallest non-zero length byte (0 if none)."""
    smallest = np.minimum.reduceat(np.where(codes > 0, codes, 256), starts)
    return np.where(smallest == 256, 0, smallest)


def _posting_lists(
    postings: WordPostings, blocks: _Blocks, lengths: np.ndarray, base: int
) -> tuple[bytes, list[bytes]]:
    """The bytes of the blocks' terms' posting lists, one after the other, and the terms' infos
    (their posting lists found from ``base``, where the bytes will be written)."""
    # Block statistics, as Whoosh's writer computes them (weights are stored as float32).
    stored = blocks.weights.astype(np.float32)
    max_weights = np.maximum(np.maximum.reduceat(blocks.weights, blocks.starts), 0.0)
    codes = lengths[blocks.docnums].astype(np.int64)
    min_codes, max_codes = _min_present(codes, blocks.starts), np.maximum.reduceat(codes, blocks.starts)

    data = _block_data(postings, blocks, stored)
    compressed = np.array([len(piece) >= COMPRESS_MIN for piece in data])
    for i in np.flatnonzero(compressed).tolist():
        data[i] = compress(data[i])
    header_ints = (
        (blocks.counts, blocks.docnums[blocks.starts + blocks.counts - 1]),  # before the max weight
        (compressed.astype(np.int64) * ZLIB_LEVEL, min_codes, max_codes),  # after it
    )
    int_sizes = [[_int_sizes(values) for values in group] for group in header_ints]
    header_sizes = 3 + sum(map(sum, int_sizes)) + 9 + 2  # protocol, MARK ... max weight ... TUPLE, STOP
    block_sizes = 4 + header_sizes + np.array([len(piece) for piece in data], dtype=np.int64)
    term_sizes = 4 + _group_sums(block_sizes, blocks.term_first_block)
    term_ends = np.cumsum(term_sizes)
    term_at = term_ends - term_sizes

    out = np.zeros(int(term_ends[-1]), dtype=np.uint8)
    out[term_at[:, None] + np.arange(4)] = np.frombuffer(WHOOSH3_HEADER_MAGIC, dtype=np.uint8)
    block_at = np.repeat(term_at + 4, blocks.blocks_per_term) + _within(
        block_sizes, blocks.term_first_block, blocks.blocks_per_term
    )
    signed_sizes = np.where(blocks.last, -(block_sizes - 4), block_sizes - 4).astype(">i4")
    out[block_at[:, None] + np.arange(4)] = signed_sizes.view(np.uint8).reshape(-1, 4)
    at = block_at + 4
    out[at[:, None] + np.arange(3)] = np.frombuffer(b"\x80\x02(", dtype=np.uint8)
    at = _put_int_columns(out, at + 3, header_ints[0], int_sizes[0])
    _put_floats(out, at, max_weights)
    at = _put_int_columns(out, at + 9, header_ints[1], int_sizes[1])
    out[at] = ord("t")
    out[at + 1] = ord(".")
    for start, piece in zip((at + 2).tolist(), data, strict=True):
        out[start : start + len(piece)] = np.frombuffer(piece, dtype=np.uint8)

    infos = np.zeros(len(blocks.df), dtype=_TERM_INFO)
    infos["weight"] = _group_sums(stored.astype(np.float64), blocks.term_first_posting)
    infos["df"] = blocks.df
    infos["min_length"] = _min_present(min_codes, blocks.term_first_block)
    infos["max_length"] = np.maximum.reduceat(max_codes, blocks.term_first_block)
    infos["max_weight"] = np.maximum.reduceat(max_weights, blocks.term_first_block)
    infos["min_id"] = blocks.docnums[blocks.term_first_posting]
    infos["max_id"] = blocks.docnums[blocks.term_first_posting + blocks.df - 1]
    infos["offset"] = base + term_at
    infos["length"] = term_sizes
    packed = infos.tobytes()
    size = _TERM_INFO.itemsize
    return out.tobytes(), [packed[i : i + size] for i in range(0, len(packed), size)]


def _block_data(postings: WordPostings, blocks: _Blocks, stored_weights: np.ndarray) -> list[bytes]:
    """Each block's (gaps, weights, values) pickled: see the module doc."""
    counts, starts = blocks.counts, blocks.starts
    gaps = blocks.docnums.copy()
    gaps[1:] -= blocks.docnums[:-1]
    gaps[starts] = blocks.docnums[starts]
    gap_sizes = _int_sizes(gaps)
    positions = postings.gaps[_ranges(blocks.token_starts, blocks.freqs)].astype(np.int64)
    _check_gaps(positions)
    position_starts = np.cumsum(blocks.freqs) - blocks.freqs
    value_sizes = position_list_sizes(positions, position_starts, blocks.freqs)
    long_lists = long_position_lists(positions, position_starts, blocks.freqs)
    for i, value in long_lists.items():
        value_sizes[i] = len(value)
    short = value_sizes < 256
    value_item_sizes = value_sizes + np.where(short, 2, 5)  # C and a byte, or B and four
    all_ones = np.logical_and.reduceat(stored_weights == 1.0, starts)
    all_same = np.logical_and.reduceat(stored_weights == stored_weights[starts][blocks.block_of], starts)
    kind = np.where(all_ones, 0, np.where(all_same, 1, 2))  # None, one float, a tuple of floats

    frame = (counts > 3) + 1  # a tuple's MARK and closing opcode
    gaps_size = frame + _group_sums(gap_sizes, starts)
    weights_size = np.where(kind == 0, 1, np.where(kind == 1, 9, frame + 9 * counts))
    values_size = frame + _group_sums(value_item_sizes, starts)
    sizes = 2 + gaps_size + weights_size + values_size + 2
    ends = np.cumsum(sizes)
    block_at = ends - sizes
    out = np.zeros(int(ends[-1]), dtype=np.uint8)
    out[block_at] = 0x80
    out[block_at + 1] = 3
    section = block_at + 2
    _put_tuple_frame(out, section, gaps_size - frame, counts)
    _put_ints(out, blocks.items(gap_sizes, section + (counts > 3)), gaps, gap_sizes)

    section = section + gaps_size
    out[section[kind == 0]] = ord("N")
    single = kind == 1
    _put_floats(out, section[single], stored_weights[starts[single]].astype(np.float64))
    tupled = kind == 2
    _put_tuple_frame(out, section[tupled], 9 * counts[tupled], counts[tupled])
    in_tuples = tupled[blocks.block_of]
    weight_items = blocks.items(np.full(len(gaps), 9), section + (counts > 3))
    _put_floats(out, weight_items[in_tuples], stored_weights[in_tuples].astype(np.float64))

    section = section + weights_size
    _put_tuple_frame(out, section, values_size - frame, counts)
    value_items = blocks.items(value_item_sizes, section + (counts > 3))
    out[value_items[short]] = ord("C")
    out[value_items[short] + 1] = value_sizes[short]
    out[value_items[~short]] = ord("B")
    for byte in range(4):
        out[value_items[~short] + 1 + byte] = (value_sizes[~short] >> (8 * byte)) & 0xFF
    value_at = value_items + np.where(short, 2, 5)
    put_position_lists(out, value_at, positions, position_starts, blocks.freqs)
    for i, value in long_lists.items():
        out[value_at[i] : value_at[i] + len(value)] = np.frombuffer(value, dtype=np.uint8)
    out[ends - 2] = 0x87  # TUPLE3
    out[ends - 1] = ord(".")
    raw = out.tobytes()
    return [raw[a:b] for a, b in zip(block_at.tolist(), ends.tolist(), strict=True)]
