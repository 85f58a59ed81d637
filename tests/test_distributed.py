"""Two gloo processes on a split batch give the same gradients as one process on the whole batch."""

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from yolox_edu import build_model

SIZE, BATCH = 96, 4


def _inputs():
    g = torch.Generator().manual_seed(1)
    images = torch.rand(BATCH, 3, SIZE, SIZE, generator=g) * 255
    targets = torch.zeros(BATCH, 6, 5)
    counts = [3, 0, 5, 1]  # uneven foreground per image, one image without objects
    for b, n in enumerate(counts):
        wh = 8 + torch.rand(n, 2, generator=g) * 40
        cxy = wh / 2 + torch.rand(n, 2, generator=g) * (SIZE - wh)
        targets[b, :n] = torch.cat([torch.randint(0, 3, (n, 1), generator=g).float(), cxy, wh], 1)
    return images, targets


def _model():
    torch.manual_seed(0)
    model = build_model("yolox-nano", num_classes=3)
    model.train()
    for m in model.modules():  # BN statistics would differ between half and full batches otherwise
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    return model


def _grads(model):
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def _worker(rank, world, init_file, out_file, naive=False):
    torch.set_num_threads(1)
    if naive:  # a plausible bug: normalise by this process's own foreground count
        import yolox_edu.loss

        yolox_edu.loss._normaliser = lambda num_fg: num_fg.detach().float().clamp(min=1.0)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    model = nn.parallel.DistributedDataParallel(_model())
    images, targets = _inputs()
    part = slice(rank * BATCH // world, (rank + 1) * BATCH // world)
    loss = model(images[part], targets[part], use_l1=True)["total"]
    loss.backward()
    if rank == 0:
        torch.save(_grads(model.module), out_file)
    dist.barrier()
    dist.destroy_process_group()


@pytest.mark.timeout(300)
def test_two_processes_match_one_process(tmp_path):
    out = tmp_path / "ddp_grads.pt"
    mp.spawn(_worker, args=(2, str(tmp_path / "init"), str(out)), nprocs=2, join=True)
    ddp = torch.load(out)
    single_model = _model()
    images, targets = _inputs()
    single_model(images, targets, use_l1=True)["total"].backward()
    single = _grads(single_model)
    assert ddp.shape == single.shape
    rel = ((ddp - single).norm() / single.norm()).item()
    print(f"relative gradient difference DDP(2) vs single: {rel:.2e}")
    assert rel < 1e-5
    # the check has teeth: without averaging the foreground count over processes the gradients differ
    mp.spawn(_worker, args=(2, str(tmp_path / "init2"), str(out), True), nprocs=2, join=True)
    naive = torch.load(out)
    assert ((naive - single).norm() / single.norm()).item() > 1e-3


def test_environment_is_clean():
    assert not dist.is_initialized() and "RANK" not in os.environ
