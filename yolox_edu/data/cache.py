"""An image cache for training: decoded images, shrunk to a maximum side, kept as uint8 in one buffer.

``data.cache`` chooses where the buffer lives:

* ``"none"``: every access decodes the file (the default).
* ``"ram"``: one block of shared memory (torch), filled once per run. DataLoader workers see the same
  block, whether they are forked or spawned: nothing is copied per worker.
* ``"disk"``: a memory-mapped file in a cache folder, built once and reused by later runs; the OS page
  cache shares it between workers and processes.

Images are shrunk so that their longer side is at most ``max_side`` (never enlarged: that adds bytes, not
information), as the official YOLOX's cache does at its input size. A disk cache is keyed on the image
list, each file's size and modification time, and ``max_side``: change any of them and it is rebuilt.
Both modes refuse to start, naming the numbers, when the buffer would not fit in the free memory or disk.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from yolox_edu.errors import UsageError

from ..preprocess import resize_image
from .coco import CocoDataset, CocoSample, read_image

__all__ = ["CACHE_MODES", "CachedDataset", "cached_dataset", "shared_cached_dataset", "cache_key", "cached_hw",
           "default_cache_dir", "shm_cache_dir"]

CACHE_MODES = ("none", "ram", "disk")
FORMAT_VERSION = 1
HEADROOM_BYTES = 512 * 2**20  # memory or disk left free after the cache is built
GIB = 2**30


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/yolox_edu`` or ``~/.cache/yolox_edu``."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "yolox_edu"


def cached_hw(hw: tuple[int, int], max_side: int) -> tuple[int, int]:
    """(h, w) of an image once shrunk to a longer side of at most ``max_side`` (sizes truncated)."""
    r = min(1.0, max_side / max(hw))
    return max(1, int(hw[0] * r)), max(1, int(hw[1] * r))


def cache_key(paths: list[Path], max_side: int) -> str:
    """Hash of the image list (names, sizes in bytes, modification times) and ``max_side``."""
    h = hashlib.sha256(f"yolox_edu image cache v{FORMAT_VERSION} max_side={max_side}\n".encode())
    for p in paths:
        try:
            st = p.stat()
        except FileNotFoundError:
            raise FileNotFoundError(f"image file not found: {p} (while keying the image cache)") from None
        h.update(f"{p}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _image_hw(path: Path) -> tuple[int, int] | None:
    """(h, w) from the file header (nothing decoded); None if it cannot be read."""
    try:
        with Image.open(path) as im:
            return im.size[1], im.size[0]
    except (OSError, ValueError, SyntaxError):
        return None


def available_ram() -> int:
    """Bytes the cache may take in RAM: MemAvailable, and /dev/shm's free space (shared memory lives there)."""
    free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
    except OSError:
        pass
    if Path("/dev/shm").is_dir():
        free = min(free, shutil.disk_usage("/dev/shm").free)
    return free


def available_disk(folder: Path) -> int:
    """Free bytes on the file system of ``folder``."""
    return shutil.disk_usage(folder).free


def _check_fits(needed: int, available: int, where: str, advice: str) -> None:
    if needed + HEADROOM_BYTES > available:
        raise MemoryError(f"the image cache needs {needed / GIB:.2f} GiB (+ {HEADROOM_BYTES / GIB:.2f} GiB headroom) "
                          f"but only {available / GIB:.2f} GiB is free {where}; {advice}")


class CachedDataset:
    """A :class:`CocoDataset` whose images come from the cache; everything else is the dataset's.

    ``dataset[i]`` is a :class:`CocoSample` whose image is the cached (h', w', 3) uint8 array (a read-only
    view: never modify it) and whose boxes are scaled to it; ``hw`` stays the original size. Other
    attributes (``ids``, ``class_names``, ``targets(i)`` in original pixels, ...) are the dataset's.
    """

    def __init__(self, dataset: CocoDataset, mode: str = "ram", max_side: int = 640,
                 cache_dir: str | Path | None = None, progress: bool = True, reuse_only: bool = False) -> None:
        if mode not in ("ram", "disk"):
            raise UsageError(f"data.cache must be one of {', '.join(CACHE_MODES)}, got {mode!r}")
        if max_side < 1:
            raise UsageError(f"max_side must be a positive number of pixels, got {max_side}")
        self.dataset, self.mode, self.max_side, self.progress = dataset, mode, int(max_side), progress
        self.reuse_only = reuse_only  # disk: open a cache another process built, never build (distributed runs)
        self.paths = [Path(dataset.image_path(i)) for i in range(len(dataset))]
        self.key = cache_key(self.paths, self.max_side)
        self.path: Path | None = None
        self._storage: torch.Tensor | None = None  # RAM mode: 1-D uint8 in shared memory
        self._buffer: np.ndarray | None = None
        if mode == "ram":
            self._build_ram()
        else:
            self._open_or_build_disk(Path(cache_dir) if cache_dir is not None else default_cache_dir())

    # ---- layout ----------------------------------------------------------------------------------------

    def _plan(self) -> None:
        """Original and cached sizes from the file headers; offsets of each image in the buffer."""
        sizes = [_image_hw(p) for p in self.paths]
        bad = [p for p, hw in zip(self.paths, sizes) if hw is None]
        if bad and self.dataset.on_error == "raise":
            raise UsageError(f"cannot read image {bad[0]} ({len(bad)} unreadable in all) while planning the image "
                             "cache; fix or remove it, or use on_error='skip'")
        self.orig_hw = np.array([hw or (0, 0) for hw in sizes], np.int64).reshape(-1, 2)  # (N, 2), 0 = unreadable
        self.shapes = np.array([cached_hw(hw, self.max_side) if hw else (0, 0) for hw in sizes],
                               np.int64).reshape(-1, 2)  # (N, 2)
        self.offsets = np.r_[0, np.cumsum(self.shapes.prod(1) * 3)].astype(np.int64)  # (N + 1,)

    @property
    def nbytes(self) -> int:
        return int(self.offsets[-1])

    def _fill(self, buffer: np.ndarray) -> None:
        """Decode, shrink and copy every image into ``buffer`` (with a progress bar)."""
        desc = f"caching {len(self.paths)} images in {self.mode} ({self.nbytes / GIB:.2f} GiB)"
        for i in tqdm(range(len(self.paths)), desc=desc, disable=not self.progress, unit="img"):
            h, w = self.shapes[i]
            if h == 0:
                continue
            image = read_image(self.paths[i])
            if image.shape[:2] != tuple(self.orig_hw[i]):
                raise UsageError(f"{self.paths[i]}: decoded size {image.shape[:2]} differs from its header "
                                 f"{tuple(self.orig_hw[i])}")
            buffer[self.offsets[i]:self.offsets[i + 1]] = resize_image(image, (int(w), int(h))).reshape(-1)

    def _build_ram(self) -> None:
        self._plan()
        _check_fits(self.nbytes, available_ram(), "in RAM (MemAvailable, and /dev/shm for shared memory)",
                    "use data.cache=disk, a smaller input size, or data.cache=none")
        self._storage = torch.empty(self.nbytes, dtype=torch.uint8).share_memory_()
        self._buffer = self._storage.numpy()
        self._fill(self._buffer)
        self._buffer.flags.writeable = False

    # ---- disk ------------------------------------------------------------------------------------------

    def _stem(self) -> str:
        ident = hashlib.sha256(f"{Path(self.dataset.ann_file).resolve()}|{Path(self.dataset.image_dir).resolve()}"
                               .encode()).hexdigest()[:10]
        return f"{Path(self.dataset.image_dir).name}-{ident}"

    def _open_or_build_disk(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OSError(f"cannot create the image cache folder {folder}: {e}; set data.cache_dir") from None
        self.path = folder / f"{self._stem()}-{self.key}.u8"
        meta_path = self.path.with_suffix(".json")
        if self._reuse(meta_path):
            return
        if self.reuse_only:
            raise RuntimeError(f"no complete image cache at {self.path}: the process that builds it (local rank 0) "
                               "did not finish it")
        self._plan()
        _check_fits(self.nbytes, available_disk(folder), f"on the disk of {folder}",
                    "free some space, set data.cache_dir to another disk, or use data.cache=none")
        for old in folder.glob(f"{self._stem()}-*"):  # caches of this dataset for other images or sizes
            old.unlink(missing_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(b"")
        if self.nbytes:
            buffer = np.memmap(tmp, np.uint8, "w+", shape=(self.nbytes,))
            self._fill(buffer)
            buffer.flush()
            del buffer
        meta_path.write_text(json.dumps({"key": self.key, "max_side": self.max_side, "nbytes": self.nbytes,
                                         "orig_hw": self.orig_hw.tolist(), "shapes": self.shapes.tolist()}))
        os.replace(tmp, self.path)  # complete files only: a crash mid-build leaves no valid cache

    def _reuse(self, meta_path: Path) -> bool:
        """Adopt the layout of a complete cache file for this key; False when there is none or its metadata
        is unreadable, truncated or disagrees (a crash while writing it: then it is rebuilt)."""
        if not (self.path.exists() and meta_path.exists()):
            return False
        try:
            meta = json.loads(meta_path.read_text())
            shapes = np.array(meta["shapes"], np.int64).reshape(-1, 2)  # (N, 2)
            orig_hw = np.array(meta["orig_hw"], np.int64).reshape(-1, 2)  # (N, 2)
            fits = meta["key"] == self.key and meta["nbytes"] == self.path.stat().st_size
        except (ValueError, KeyError, TypeError, AttributeError, OSError):
            return False
        offsets = np.r_[0, np.cumsum(shapes.prod(1) * 3)].astype(np.int64)  # (N + 1,)
        if not fits or len(shapes) != len(self.paths) or shapes.shape != orig_hw.shape or offsets[-1] != meta["nbytes"]:
            return False
        self.orig_hw, self.shapes, self.offsets = orig_hw, shapes, offsets
        return True

    # ---- access ----------------------------------------------------------------------------------------

    def _data(self) -> np.ndarray:
        if self._buffer is None:  # disk: opened lazily, once per process (workers open their own map)
            self._buffer = np.memmap(self.path, np.uint8, "r") if self.nbytes else np.zeros(0, np.uint8)
        return self._buffer

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_buffer"] = None  # RAM: the shared tensor travels (as a handle); disk: the path does
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self._storage is not None:
            self._buffer = self._storage.numpy()
            self._buffer.flags.writeable = False

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name: str):
        if name == "dataset":  # not set yet (during unpickling): avoid recursion
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def image(self, index: int) -> np.ndarray:
        """The cached (h', w', 3) uint8 image of item ``index`` (read-only view)."""
        h, w = self.shapes[index]
        return self._data()[self.offsets[index]:self.offsets[index + 1]].reshape(int(h), int(w), 3)

    def __getitem__(self, index: int) -> CocoSample:
        for attempt in range(len(self)):
            k = (index + attempt) % len(self)
            if self.shapes[k, 0] == 0:  # unreadable when the cache was built (on_error="skip")
                warnings.warn(f"skipping image: cannot read image {self.paths[k]}", stacklevel=2)
                continue
            (h0, w0), (h, w) = self.orig_hw[k], self.shapes[k]
            boxes, labels = self.dataset.targets(k)
            boxes = (boxes * np.array([w / w0, h / h0, w / w0, h / h0], np.float32)).astype(np.float32)
            boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
            boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
            return CocoSample(self.image(k), boxes, labels, self.dataset.ids[k], (int(h0), int(w0)))
        raise RuntimeError(f"no readable image in {self.dataset.image_dir}")


def cached_dataset(dataset: CocoDataset, mode: str = "none", max_side: int = 640,
                   cache_dir: str | Path | None = None, progress: bool = True) -> CocoDataset | CachedDataset:
    """``dataset`` itself for ``mode="none"``, else a :class:`CachedDataset` over it (built or reused now)."""
    if mode == "none":
        return dataset
    return CachedDataset(dataset, mode, max_side, cache_dir, progress)


def shared_cached_dataset(dataset: CocoDataset, mode: str, max_side: int, cache_dir: str | Path | None,
                          builder: bool, wait: Callable[[], None], progress: bool = True,
                          ) -> CocoDataset | CachedDataset:
    """The cache for the processes of a distributed run on one machine: one copy, built once.

    The ``builder`` (local rank 0) builds it while the others ``wait`` (a barrier every process calls)
    and then open the file it wrote. ``"disk"`` works as alone; ``"ram"`` becomes one file in shared
    memory (``/dev/shm``), mapped by every process instead of one private copy each, and removed when the
    builder exits."""
    if mode == "none":
        return dataset
    in_memory = mode == "ram"
    if in_memory:
        mode, cache_dir = "disk", shm_cache_dir()
    images = CachedDataset(dataset, mode, max_side, cache_dir, progress) if builder else None
    if images is not None and in_memory:
        atexit.register(_remove_cache_files, images.path)
    wait()  # every process: the builder once the file is complete, the others before opening it
    return images or CachedDataset(dataset, mode, max_side, cache_dir, progress=False, reuse_only=True)


def shm_cache_dir() -> Path:
    """Where ``data.cache=ram`` keeps the one copy shared by the processes of a distributed run (shared
    memory; the disk cache folder where there is no ``/dev/shm``)."""
    shm = Path("/dev/shm")
    return shm / f"yolox_edu-cache-{os.getuid()}" if shm.is_dir() else default_cache_dir()


def _remove_cache_files(path: Path) -> None:
    for p in (path, path.with_suffix(".json")):
        p.unlink(missing_ok=True)
