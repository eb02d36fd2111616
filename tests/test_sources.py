"""Reading inputs: every kind of file, and every kind of broken file reported, not fatal."""

import gzip
import json

import pytest

from newsdex.sources import InputError, RawDocument, iter_documents, resolve_columns


def _split(items):
    docs = [i for i in items if isinstance(i, RawDocument)]
    errors = [i for i in items if isinstance(i, InputError)]
    return docs, errors


def test_folder_walk_finds_known_kinds_in_order_and_ignores_others(tmp_path):
    (tmp_path / "b.txt").write_text("Second article body.", encoding="utf-8")
    (tmp_path / "a.html").write_text("<html><body><p>Hello</p></body></html>", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html.gz").write_bytes(gzip.compress(b"<p>zipped</p>"))
    (tmp_path / "README.md").write_text("not an article", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    docs, errors = _split(list(iter_documents([tmp_path])))
    assert not errors
    assert [(d.kind, d.origin.rsplit("/", 1)[-1]) for d in docs] == [
        ("html", "a.html"),
        ("text", "b.txt"),
        ("html", "c.html.gz"),
    ]
    assert docs[2].content == b"<p>zipped</p>"


def test_sidecar_metadata_travels_with_a_text_file(tmp_path):
    (tmp_path / "story.txt").write_text("Body.", encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(json.dumps({"outlet": "RT", "date": "2017-09-26"}), encoding="utf-8")
    docs, errors = _split(list(iter_documents([tmp_path])))
    assert not errors and len(docs) == 1
    assert docs[0].fields == {"outlet": "RT", "date": "2017-09-26"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
        ("broken.html.gz", b"\x1f\x8b\x08\x00garbage", "broken gzip"),
        ("image.png", b"\x89PNG", "unsupported file type"),
    ],
)
def test_bad_files_become_errors_naming_file_and_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    docs, errors = _split(list(iter_documents([path])))
    assert docs == []
    assert len(errors) == 1 and reason in errors[0].reason and name in errors[0].origin


def test_undecodable_bytes_fall_back_to_windows_1252(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9 \u2013 \u201cquoted\u201d".encode("cp1252"))
    docs, _ = _split(list(iter_documents([path])))
    assert docs[0].content == "Caf\u00e9 \u2013 \u201cquoted\u201d"


def test_missing_path_is_an_error(tmp_path):
    _, errors = _split(list(iter_documents([tmp_path / "nope"])))
    assert "no such file" in errors[0].reason


def test_huge_single_article_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("newsdex.sources.MAX_ARTICLE_BYTES", 100)
    path = tmp_path / "huge.txt"
    path.write_text("word " * 100, encoding="utf-8")
    _, errors = _split(list(iter_documents([path])))
    assert "too large" in errors[0].reason


def test_csv_rows_with_mapped_columns_and_bad_rows(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "headline,article_content,source,when\n"
        '"T1","Body one.","RT","2017-09-26"\n'
        '"T2","Body two.","BBC","2017-09-27",EXTRA\n',
        encoding="utf-8",
    )
    docs, errors = _split(list(iter_documents([path], {"date": "when"})))
    assert [d.fields["title"] for d in docs] == ["T1"]
    assert docs[0].fields | {"extra": None} == {
        "title": "T1",
        "text": "Body one.",
        "outlet": "RT",
        "date": "2017-09-26",
        "extra": None,
    }
    assert len(errors) == 1 and "row 3" in errors[0].origin


def test_csv_without_a_text_column_is_one_clear_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    _, errors = _split(list(iter_documents([path])))
    assert len(errors) == 1 and "no text column" in errors[0].reason and "--map" in errors[0].reason


def test_jsonl_bad_lines_are_skipped_not_fatal(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text(
        json.dumps({"title": "A", "text": "Alpha."})
        + "\n{not json\n[1, 2]\n\n"
        + json.dumps({"title": "B", "text": "Beta."})
        + "\n",
        encoding="utf-8",
    )
    docs, errors = _split(list(iter_documents([path])))
    assert [d.fields["title"] for d in docs] == ["A", "B"]
    assert [e.origin.rsplit(":", 1)[-1] for e in errors] == ["row 2", "row 3"]


def test_map_to_a_missing_column_is_reported():
    with pytest.raises(InputError, match="no column 'nope'"):
        resolve_columns(["title", "text"], {"text": "nope"}, "x.csv")


def test_input_errors_survive_pickling_from_worker_processes():
    import pickle

    error = pickle.loads(pickle.dumps(InputError("a.txt", "empty file")))
    assert (error.origin, error.reason, str(error)) == ("a.txt", "empty file", "a.txt: empty file")
