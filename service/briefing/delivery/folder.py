"""A folder drop: a copy of the briefing's files into a shared folder (an SMB or NFS mount), each written
atomically under the name the archive gives it. A file already there with the same content is success (a
retry after a crash); one with other content is not overwritten: the delivery fails and says so. The folder
must exist: a mount that is not there is retried rather than filled on the local disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..files import sha256_of, write_atomically
from ..i18n import _, shown
from .channel import Briefing, DeliveryFailed, Recipient
from .transport import Table


@dataclass(frozen=True)
class Folder:
    name: str
    path: Path

    def send(self, briefing: Briefing, recipient: Recipient) -> str:
        if not self.path.is_dir():
            raise DeliveryFailed(_("the folder {path} of channel '{channel}' is not there (a share not mounted?)")
                                 .format(path=self.path, channel=shown(self.name)))
        written = [self.copy(source) for source in briefing.files]
        return ", ".join(str(path) for path in written)

    def copy(self, source: Path) -> Path:
        target = self.path / source.name
        data = source.read_bytes()
        if target.exists():
            if sha256_of(target) == sha256_of(data):
                return target
            raise DeliveryFailed(_("{path} is already there with other content; it was not overwritten (move it "
                                   "away, then retry the delivery)").format(path=target), permanent=True)
        try:
            return write_atomically(target, data)
        except OSError as e:
            raise DeliveryFailed(_("cannot write {path}: {reason}").format(path=target, reason=e.strerror or e)) \
                from None


def make_folder(name: str, table: Mapping[str, object], environ: Mapping[str, str]) -> Folder:
    config = Table(name, table, environ)
    config.check_keys(("path",), ())
    return Folder(name, Path(config.text("path")).expanduser())
