"""Files the page hands out for download (a unit's 登记卡): written where Gradio serves files from,
each in a folder with a random name, and removed a few minutes later.

Gradio copies a returned file into its upload folder unless it is there already, so writing it
there directly leaves one copy, which this module removes: by a timer, and on the next export for
any folder a restart left behind. The folder's random name (128 bits) is what keeps one trainer's
file from another signed-in user: the gate serves files only to a session, not by role.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
from pathlib import Path

KEEP_SECONDS = 600
FOLDER = "studybot-exports"
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def export_root() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()) / FOLDER


def safe_name(text: str) -> str:
    """A file name part with nothing a file system or a browser's download would refuse."""
    return _UNSAFE.sub("_", text).strip("._") or "登记卡"


def write_export(data: bytes, name: str, *, root: Path | None = None, keep: float = KEEP_SECONDS) -> str:
    """Write `data` as `name` in a new folder of its own; returns the path. Removed after `keep` s."""
    root = root or export_root()
    sweep(root, keep)
    folder = root / secrets.token_hex(16)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / name
    path.write_bytes(data)
    timer = threading.Timer(keep, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True})
    timer.daemon = True
    timer.start()
    return str(path)


def sweep(root: Path, keep: float = KEEP_SECONDS) -> int:
    """Remove export folders older than `keep` seconds (a restart cancels their timers)."""
    if not root.is_dir():
        return 0
    removed, cutoff = 0, time.time() - keep
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            pass  # removed by its timer in the meantime
    return removed
