"""The run's log: one JSON object per line in ``OUT/log.jsonl`` and, when the ``tensorboard`` package is
installed, the same numbers as TensorBoard scalars in ``OUT/tensorboard``. Rank 0 writes; on the other
ranks of a distributed run the log is off and writes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

__all__ = ["RunLog", "NOT_SCALARS"]

NOT_SCALARS = ("type", "epoch", "iter", "time")  # record fields that are coordinates, not curves


class RunLog:
    """Appends records to ``out_dir/log.jsonl`` (each stamped with the wall-clock ``time``, Unix seconds)
    and mirrors their numbers to TensorBoard. ``RunLog(None)`` is a log that is off."""

    def __init__(self, out_dir: str | Path | None, tensorboard: bool = True) -> None:
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.writer = _summary_writer(self.out_dir / "tensorboard") if self.out_dir and tensorboard else None

    @property
    def path(self) -> Path | None:
        return self.out_dir / "log.jsonl" if self.out_dir is not None else None

    def write(self, record: dict[str, Any]) -> None:
        """One line ``{**record, "time": …}``; a scalar ``TYPE/KEY`` at step ``record["iter"]`` for each number."""
        if self.out_dir is None:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as f:  # opened per line: a killed run leaves whole lines behind
            f.write(json.dumps({**record, "time": round(time.time(), 3)}) + "\n")
        if self.writer is not None:
            for key, value in record.items():
                if key not in NOT_SCALARS and isinstance(value, (int, float)):
                    self.writer.add_scalar(f"{record['type']}/{key}", value, record["iter"])

    def close(self) -> None:
        """Flush and close the TensorBoard event file (the JSON lines are closed after each write)."""
        if self.writer is not None:
            self.writer.close()


def _summary_writer(log_dir: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is optional
        return None
    return SummaryWriter(str(log_dir))
