"""index.load: errors for files it cannot read, document ids and the walk over folders.

Encodings are in test_decode.py, HTML in test_load_html.py, Word and PDF in
test_load_office.py; the files they build are in loadfiles.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.errors import LoadError
from index.load import SUPPORTED, doc_id_for, iter_source_files, load_document
from tests.loadfiles import png_bytes, reason_of, write

# ---------------------------------------------------------------- file errors


def test_png_renamed_to_txt_is_binary(tmp_path):
    assert "binary" in reason_of(write(tmp_path, "scan.txt", png_bytes()))


def test_control_characters_mean_binary(tmp_path):
    raw = bytes(range(1, 9)) * 20 + "正文".encode()
    assert "binary" in reason_of(write(tmp_path, "blob.txt", raw))


def test_unsupported_extension_lists_supported_ones(tmp_path):
    reason = reason_of(write(tmp_path, "plan.rtf", "文字"))
    assert ".rtf" in reason and all(ext in reason for ext in SUPPORTED)
    assert "no file extension" in reason_of(write(tmp_path, "README", "文字"))


def test_missing_file_and_directory(tmp_path):
    assert reason_of(tmp_path / "nope.txt") == "file not found"
    (tmp_path / "folder.txt").mkdir()
    assert "directory" in reason_of(tmp_path / "folder.txt")


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", " \r\n\t\u3000\n".encode("gbk"), "whitespace"),
        ("blank.md", b"\xef\xbb\xbf\n\n", "whitespace"),
        ("blank.html", b"<html><head><title>T</title></head><body> </body>", "visible"),
    ],
)
def test_empty_or_blank_files(tmp_path, name, raw, words):
    assert words in reason_of(write(tmp_path, name, raw))


# ---------------------------------------------------------------- ids and walking


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("dezhou-plan-2023.txt", "dezhou-plan-2023"),
        ("/data/in/Dezhou Plan 2023.TXT", "dezhou-plan-2023"),
        ("德州市 实施方案（2023）.docx", "德州市-实施方案(2023)"),
        ("a..b...c.html", "a.b.c"),
        ("..hidden.md", "hidden"),
        ("tab\tand\x07bell?.txt", "tab-and-bell"),
        ("CON.txt", "con-doc"),
    ],
)
def test_doc_id_for(path, expected):
    assert doc_id_for(path) == expected
    assert doc_id_for(Path(path)) == expected


def test_doc_id_for_long_and_empty_names():
    long_a, long_b = "甲" * 100 + "a.txt", "甲" * 100 + "b.txt"
    assert len(doc_id_for(long_a)) <= 80 and doc_id_for(long_a) != doc_id_for(long_b)
    assert doc_id_for("???.txt").startswith("doc-")
    assert doc_id_for("???.txt") != doc_id_for("***.txt")


@given(st.text(min_size=1, max_size=120))
def test_doc_id_is_always_safe(name):
    doc_id = doc_id_for(name + ".txt")
    assert doc_id and doc_id == doc_id_for(name + ".txt")
    assert not any(ch in doc_id for ch in '/\\:*?"<>|') and ".." not in doc_id
    assert doc_id.isprintable() and not doc_id.startswith((".", "-"))
    assert not any(ch.isspace() for ch in doc_id)


def test_iter_source_files(tmp_path):
    for rel in [
        "b.txt",
        "a/z.md",
        "a/y.PDF",
        "a/deep/x.docx",
        "a/.hidden.txt",
        ".git/c.txt",
        "a/skip.rtf",
        "c.htm",
    ]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    explicit = write(tmp_path.parent, f"{tmp_path.name}-notes.rtf", "x")
    found = iter_source_files([tmp_path, tmp_path / "b.txt", explicit])
    assert found == sorted(
        [
            tmp_path / "a" / "deep" / "x.docx",
            tmp_path / "a" / "y.PDF",
            tmp_path / "a" / "z.md",
            tmp_path / "b.txt",
            tmp_path / "c.htm",
            explicit,
        ]
    )
    with pytest.raises(LoadError, match="no such file"):
        iter_source_files([tmp_path / "missing"])


def test_document_path_is_kept_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "plan.txt", "德州")
    assert load_document("plan.txt").path == "plan.txt"
    assert load_document(Path("plan.txt")).path == "plan.txt"
