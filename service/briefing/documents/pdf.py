"""PDF through LibreOffice: ``soffice --headless --convert-to pdf`` on the finished .docx.

Each conversion uses a fresh LibreOffice profile in a temporary folder, so two conversions at once do not
collide and nothing is left in the user's home; it is stopped after a time limit, and the PDF is moved
into place only when complete. Without LibreOffice, asking for pdf is a clear error, not a crash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BriefingError
from ..i18n import _

CANDIDATES = ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice")


def soffice_path() -> str | None:
    """LibreOffice's soffice, on PATH or where Debian and the LibreOffice packages put it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return found or next((c for c in CANDIDATES if os.access(c, os.X_OK)), None)


def convert_to_pdf(docx_path: Path, out_dir: Path, timeout_s: float = 120) -> Path:
    """The PDF of a .docx, written atomically into out_dir under the same stem."""
    soffice = soffice_path()
    if soffice is None:
        raise BriefingError(_("PDF needs LibreOffice: `soffice` was not found on PATH"),
                            _("Install it (Debian: apt-get install libreoffice-writer-nogui) or leave pdf out of "
                              "--format."))
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefing-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", "pdf", "--outdir", tmp, str(docx_path)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                                  env={**os.environ, "HOME": tmp}, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise BriefingError(_("LibreOffice did not finish converting {name} within {seconds} s").format(
                name=docx_path.name, seconds=f"{timeout_s:g}")) from None
        produced = Path(tmp) / f"{docx_path.stem}.pdf"
        if done.returncode != 0 or not produced.is_file():
            tail = (done.stderr or done.stdout).strip()[-500:]
            raise BriefingError(_("LibreOffice failed on {name}: {output}").format(name=docx_path.name,
                                                                                output=tail or _("no output")))
        target = out_dir / produced.name
        staged = out_dir / f".{produced.name}.part"
        shutil.copyfile(produced, staged)
        os.replace(staged, target)
    return target
