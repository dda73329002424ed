"""Old binary office files (Word .doc, Kingsoft WPS .wps) converted to .docx by LibreOffice.

Both are OLE compound files (they start with ``D0 CF 11 E0``), whatever their name says;
LibreOffice (``soffice --headless --convert-to docx``, Debian package
``libreoffice-writer-nogui``) reads them exactly, tables included, in about a second. The
.docx it writes is then read like any other (``index.load``). Without LibreOffice the file
is refused with what to install; the rest of an ingest goes on.

It does not read the converted text itself, nor keep the .docx.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from index.errors import LoadError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONVERT_TIMEOUT_S = 180  # a plan converts in about a second; a hung conversion is killed
INSTALL_HINT = "install LibreOffice (Debian/Ubuntu: apt install libreoffice-writer-nogui)"


def soffice() -> str | None:
    """The LibreOffice command on this machine, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, path: str, kind: str) -> bytes:
    """The .docx LibreOffice makes of an OLE office file (``kind`` names it in errors)."""
    exe = soffice()
    if exe is None:
        raise LoadError(path, f"reading a {kind} file needs LibreOffice: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="planqa-office-") as tmp:
        work = Path(tmp)
        src = work / "in.doc"  # LibreOffice detects the format from the content
        src.write_bytes(data)
        cmd = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",  # no clash with a running one
            "--headless",
            "--norestore",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(work / "out"),
            str(src),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as err:
            raise LoadError(
                path, f"LibreOffice did not convert the {kind} file in {CONVERT_TIMEOUT_S} s"
            ) from err
        out = work / "out" / "in.docx"
        if done.returncode != 0 or not out.exists():
            why = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            detail = f": {why[-1]}" if why else ""
            raise LoadError(path, f"corrupt {kind} file: LibreOffice could not read it{detail}")
        return out.read_bytes()
