"""torch.distributed in a few helpers: set-up from torchrun's environment, rank checks, reductions."""

from __future__ import annotations

import os
from datetime import timedelta

import torch
import torch.distributed as dist

__all__ = ["init_distributed", "launched_by_torchrun", "is_distributed", "rank", "local_rank", "world_size",
           "is_main", "barrier", "all_true", "cleanup"]


def init_distributed(device: str = "auto") -> torch.device:
    """Join the process group torchrun describes and pick this process's device.

    NCCL on CUDA (one GPU per local rank), gloo on CPU. Under torchrun the group is made for any world
    size, one process included (``--nproc_per_node 1`` then runs the same DDP + NCCL code as eight GPUs).
    Without torchrun it returns the device alone."""
    want_cuda = device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if launched_by_torchrun() and not dist.is_initialized():
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if want_cuda:
            torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl" if want_cuda else "gloo", timeout=timedelta(minutes=30))
        if want_cuda:
            return torch.device("cuda", local_rank)
    if device == "auto":
        return torch.device("cuda" if want_cuda else "cpu")
    return torch.device(device)


def launched_by_torchrun() -> bool:
    """torchrun (torch.distributed.run) sets these for every process it starts."""
    return all(k in os.environ for k in ("LOCAL_RANK", "RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"))


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def local_rank() -> int:
    """This process's index on its machine (torchrun's LOCAL_RANK; 0 when not distributed)."""
    return int(os.environ.get("LOCAL_RANK", "0")) if is_distributed() else 0


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def all_true(flag: bool, device: torch.device) -> bool:
    """True when ``flag`` holds on every process (e.g. "my loss is finite")."""
    if not is_distributed():
        return flag
    t = torch.tensor(float(flag), device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item())


def cleanup() -> None:
    if is_distributed():
        dist.destroy_process_group()
